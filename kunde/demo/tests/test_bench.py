import os

import pytest

from kunde.customers.models import Customer
from kunde.demo.bench import (
    BenchError,
    _time_get,
    bench_data_ensure,
    bench_invoices_ensure,
    bench_payments_ensure,
    bench_run,
)
from kunde.demo.generator import demo_data_create
from kunde.manage import _bench_database


def quiet(message: str) -> None:
    pass


@pytest.mark.django_db
def test_bench_run_measures_each_page_and_step():
    demo_data_create(customers=50, seed=3, log=quiet)
    bench_invoices_ensure(count=40, log=quiet)
    bench_payments_ensure(log=quiet)

    rows = bench_run(n=2, warmup=1)

    assert [row["name"] for row in rows] == [
        "profile",
        "profile_typical",
        "list_search",
        "list",
        "profile_from_list",
        "invoices_tab",
        "ledger_tab",
        "prev_next",
        "goals",
    ]
    for row in rows[:-1]:
        assert {"median_ms", "queries", "n", "customers"} <= set(row)
        assert type(row["queries"]) is int and row["queries"] > 0
        assert row["n"] == 2
        assert row["customers"] == 50
    by_name = {row["name"]: row for row in rows}
    assert by_name["prev_next"]["queries"] == 2
    assert by_name["profile"]["projects_on_customer"] == 120
    assert by_name["invoices_tab"]["invoices_on_customer"] == 40
    assert by_name["ledger_tab"]["payments_on_customer"] == 36  # every tenth left open
    assert by_name["goals"]["profile_ms"] == 30
    assert set(by_name["goals"]["met"]) == {
        "profile",
        "profile_typical",
        "list_search",
        "profile_from_list",
        "prev_next",
        "ledger_tab",
    }


@pytest.mark.django_db
def test_it_refuses_to_time_an_error_page(client, admin_user):
    client.force_login(admin_user)

    with pytest.raises(BenchError, match="answered 404"):
        _time_get(client, "/customers/999999/", n=1, warmup=0)


@pytest.mark.django_db
def test_it_builds_demo_data_into_an_empty_database():
    bench_data_ensure(customers=20, own_database=False, log=quiet)

    assert Customer.objects.count() == 20


@pytest.mark.django_db
def test_it_uses_a_chosen_database_as_it_is():
    demo_data_create(customers=10, seed=3, log=quiet)

    bench_data_ensure(customers=20, own_database=False, log=quiet)

    assert Customer.objects.count() == 10


# flush cannot run inside the test transaction on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_it_rebuilds_its_own_database_at_another_size():
    demo_data_create(customers=10, seed=3, log=quiet)

    bench_data_ensure(customers=20, own_database=True, log=quiet)

    assert Customer.objects.count() == 20


def test_bench_gets_its_own_sqlite_file(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL_FILE", raising=False)
    monkeypatch.chdir(tmp_path)

    _bench_database(["kunde", "bench", "--quick"])

    assert os.environ["DATABASE_URL"] == f"sqlite:///{tmp_path}/var/bench-5000.sqlite3"
    assert (tmp_path / "var").is_dir()


def test_a_configured_database_is_kept(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://localhost/kunde")

    _bench_database(["kunde", "bench"])

    assert os.environ["DATABASE_URL"] == "postgres://localhost/kunde"


def test_other_commands_keep_the_normal_database(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL_FILE", raising=False)

    _bench_database(["kunde", "migrate"])

    assert "DATABASE_URL" not in os.environ
