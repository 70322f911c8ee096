"""The `kunde` console command: Django's manage.py for the installed project."""

import os
import sys


def _bench_database(argv: list[str]) -> None:
    """`kunde bench` works on its own SQLite file unless DATABASE_URL names a database: its
    100,000 demo customers must not land in the normal database."""
    if (
        argv[1:2] != ["bench"]
        or os.environ.get("DATABASE_URL")
        or os.environ.get("DATABASE_URL_FILE")
    ):
        return
    from kunde.demo.benchdb import bench_database_path

    path = bench_database_path(quick="--quick" in argv[2:])
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunde.settings")
    _bench_database(sys.argv)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
