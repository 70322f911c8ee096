"""Which database `kunde bench` uses when none is configured. Free of Django imports, because
manage.py asks before the settings load."""

from pathlib import Path

FULL_SIZE = 100_000
QUICK_SIZE = 5_000


def bench_size(quick: bool) -> int:
    return QUICK_SIZE if quick else FULL_SIZE


def bench_database_path(quick: bool) -> Path:
    """A SQLite file per data size under ./var, so the bench never touches the normal database."""
    return Path.cwd() / "var" / f"bench-{bench_size(quick)}.sqlite3"
