"""FILE_STORAGE chooses the one storage of every kept file; a wrong value stops start-up."""

import json
import os
import subprocess
import sys

SHOW = (
    "import json, kunde.settings as s; "
    "print(json.dumps({'storage': s.STORAGES['default'], 'max': s.MAX_UPLOAD_MB}))"
)


def _settings(**env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "FILE_", "MAX_UPLOAD"))
    }
    environment.update(SECRET_KEY="x", **env)
    return subprocess.run(
        [sys.executable, "-c", SHOW], env=environment, capture_output=True, text=True, timeout=60
    )


def test_local_is_the_default():
    result = _settings()
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert shown["max"] == 100


def test_s3_takes_the_usual_variables():
    result = _settings(
        FILE_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="kunde",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        AWS_S3_REGION_NAME="eu-north-1",
        AWS_ACCESS_KEY_ID="id",
        AWS_SECRET_ACCESS_KEY="secret",
        MAX_UPLOAD_MB="20",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = shown["storage"]["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "kunde",
        "http://127.0.0.1:9000",
        "eu-north-1",
    )
    assert (options["access_key"], options["secret_key"]) == ("id", "secret")
    assert shown["max"] == 20


def test_s3_without_a_bucket_or_an_unknown_storage_stops_start_up():
    missing = _settings(FILE_STORAGE="s3")
    assert missing.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in missing.stderr
    unknown = _settings(FILE_STORAGE="ftp")
    assert unknown.returncode != 0 and "FILE_STORAGE must be local or s3" in unknown.stderr


def test_the_upload_folder_is_made_so_the_system_check_passes(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "FILE_", "MAX_UPLOAD", "DATABASE_URL"))
    }
    environment.update(SECRET_KEY="x", KUNDE_DATA_DIR=str(tmp_path / "fresh"))
    result = subprocess.run(
        [sys.executable, "-m", "kunde.manage", "check"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fresh" / "upload-tmp").is_dir()
