"""Settings for the test suite: the real settings with a throw-away key and plain static files."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")

from kunde.settings import *  # noqa: E402,F403

# The production manifest storage needs `collectstatic`; tests serve the source files.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
WHITENOISE_AUTOREFRESH = True  # serve from the apps' static folders, no collectstatic
# Tests read English messages; one test checks the Norwegian interface explicitly.
LANGUAGE_CODE = "en"
# A file, not Django's shared in-memory database: in memory, SQLite answers concurrent writers
# with "table is locked" at once instead of queueing them as a real deployment does.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
# Stored PDFs and export files of the tests go to a throw-away folder.
# A worker process started by a test is told the test's folder.
MEDIA_ROOT = os.environ.get("KUNDE_TEST_MEDIA_ROOT") or __import__("tempfile").mkdtemp(
    prefix="kunde-test-media-"
)
# Unit tests run jobs at once, in the test's transaction; tests of the worker choose the
# database backend and start `kunde worker` themselves.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}
