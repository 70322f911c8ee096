"""Real worker processes for the tests that need one: `kunde worker` started against the test
database (a file for SQLite, the test database on PostgreSQL) and the test's media folder."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

DB_BACKEND = "django_tasks_db.backend.DatabaseBackend"
REPO_ROOT = Path(__file__).resolve().parents[3]


def wait_for(condition, *, timeout=60.0, what="the condition"):
    """Wait until condition() is true (polled), or fail naming what did not happen."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}")
        pause.wait(0.02)


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def queue(settings):
    """Jobs go to the database queue (not run at once) in this test."""
    settings.TASKS = {"default": {"BACKEND": DB_BACKEND}}
    return settings


@pytest.fixture
def start_worker(queue, tmp_path):
    """start_worker(**env) -> a running `kunde worker` process; all are stopped at the end."""
    started: list[subprocess.Popen] = []

    def start(**extra_env):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kunde.settings_test",
            "DATABASE_URL": _database_url(),
            "TASKS_BACKEND": DB_BACKEND,
            "KUNDE_TEST_MEDIA_ROOT": str(queue.MEDIA_ROOT),
            "JOBS_POLL_SECONDS": "0.05",
            "JOBS_REAP_SECONDS": "0.2",
            # This checkout's code, even where `kunde` is installed from another checkout.
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])
            ),
            **{k: str(v) for k, v in extra_env.items()},
        }
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "kunde"), "worker", "--no-startup-delay"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
