from kunde.stats.tests.fixtures import ledger  # noqa: F401
