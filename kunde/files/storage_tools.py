"""Operating the one file storage: check that it works (`kunde check-storage`) and move an
installation's files from the local folder to S3 (`kunde copy-files --to s3`)."""

import hashlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, default_storage

CHUNK = 1024 * 1024


class StorageProblem(Exception):
    """What is wrong with the storage, in words an administrator can act on."""


def describe_storage(storage: Storage) -> str:
    bucket_name = getattr(storage, "bucket_name", None)
    if bucket_name:
        endpoint = getattr(storage, "endpoint_url", None) or "AWS"
        return f"S3 bucket {bucket_name!r} at {endpoint}"
    return f"folder {getattr(storage, 'location', '?')}"


def explain(exc: Exception, storage: Storage) -> str:
    """A plain reason for a failure of the storage: bucket missing, credentials refused,
    endpoint down, or a folder that cannot be written."""
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )

    where = describe_storage(storage)
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError):
        return f"The storage endpoint does not answer ({where}): {exc}. Check AWS_S3_ENDPOINT_URL."
    if isinstance(exc, NoCredentialsError):
        return "No S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket", "404"):
            return (
                f"The bucket does not exist ({where}). Create it, or correct "
                "AWS_STORAGE_BUCKET_NAME."
            )
        if code in (
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "AccessDenied",
            "403",
            "InvalidClientTokenId",
            "ExpiredToken",
        ):
            return (
                f"The storage refused the credentials ({where}, {code}). Check "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and the bucket's permissions."
            )
        return f"The storage answered {code or 'an error'} ({where}): {exc}"
    if isinstance(exc, PermissionError):
        return f"The folder cannot be written ({where}): {exc}. Check its owner and permissions."
    if isinstance(exc, OSError):
        return f"The folder cannot be used ({where}): {exc}"
    return f"The storage failed ({where}): {exc!r}"


def check_storage(storage: Storage | None = None) -> str:
    """Write, read back and delete a small test object; the storage's description when all
    worked, else StorageProblem with the reason."""
    storage = storage or default_storage
    payload = secrets.token_bytes(64)
    name = f"kunde-check/{secrets.token_hex(8)}.bin"
    saved = None
    try:
        saved = storage.save(name, ContentFile(payload))
        with storage.open(saved, "rb") as handle:
            read = handle.read()
        if read != payload:
            raise StorageProblem(
                "The storage gave back other bytes than were written "
                f"({describe_storage(storage)})."
            )
        storage.delete(saved)
        saved = None
    except StorageProblem:
        raise
    except Exception as exc:
        raise StorageProblem(explain(exc, storage)) from exc
    finally:
        if saved:
            try:
                storage.delete(saved)
            except Exception:
                pass
    return describe_storage(storage)


def s3_storage_from_environment() -> Storage:
    """The S3 storage the AWS_* settings describe, whatever FILE_STORAGE says now."""
    from storages.backends.s3 import S3Storage

    from kunde.lib.env import env_int, env_str

    bucket = env_str("AWS_STORAGE_BUCKET_NAME")
    if not bucket:
        raise StorageProblem("Set AWS_STORAGE_BUCKET_NAME (and the other AWS_* variables).")
    return S3Storage(
        bucket_name=bucket,
        endpoint_url=env_str("AWS_S3_ENDPOINT_URL") or None,
        access_key=env_str("AWS_ACCESS_KEY_ID") or None,
        secret_key=env_str("AWS_SECRET_ACCESS_KEY") or None,
        region_name=env_str("AWS_S3_REGION_NAME") or None,
        default_acl=None,
        file_overwrite=True,
        querystring_expire=env_int("AWS_QUERYSTRING_EXPIRE", 60),
    )


@dataclass
class CopyReport:
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # there already, same SHA-256 and size


def local_names(root: Path) -> Iterator[str]:
    """Every file under the local media folder, as storage names (forward slashes)."""
    for folder, _dirs, files in os.walk(root):
        for file_name in sorted(files):
            path = Path(folder) / file_name
            yield path.relative_to(root).as_posix()


def _sha256_of_path(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            sha.update(chunk)
    return sha.hexdigest()


def copy_files_to_s3(
    *, source: FileSystemStorage | None = None, target: Storage, progress=None
) -> CopyReport:
    """Copy every file of the local storage to S3 under the same name. Resumable: a file that
    is there already with the same size and recorded SHA-256 is skipped. Each copied file is
    read back from S3 and its SHA-256 compared; a mismatch stops with StorageProblem."""
    from storages.utils import clean_name

    source = source or FileSystemStorage(location=settings.MEDIA_ROOT)
    root = Path(source.location)
    report = CopyReport()
    for name in local_names(root):
        path = root / name
        digest = _sha256_of_path(path)
        size = path.stat().st_size
        obj = target.bucket.Object(target._normalize_name(clean_name(name)))
        try:
            if _already_there(obj, digest, size):
                report.skipped.append(name)
                continue
            obj.upload_file(str(path), ExtraArgs={"Metadata": {"sha256": digest}})
            copied = hashlib.sha256()
            for chunk in obj.get()["Body"].iter_chunks(CHUNK):
                copied.update(chunk)
        except Exception as exc:
            raise StorageProblem(f"{name}: {explain(exc, target)}") from exc
        if copied.hexdigest() != digest:
            raise StorageProblem(f"{name}: the copy in S3 has another SHA-256; run again.")
        report.copied.append(name)
        if progress:
            progress(name)
    return report


def _already_there(obj, digest: str, size: int) -> bool:
    from botocore.exceptions import ClientError

    try:
        obj.load()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return obj.content_length == size and obj.metadata.get("sha256") == digest
