"""Benchmarks of the files: the Files tab of a customer with 10,000 files, and the upload and
download of a 50 MB file (time against a plain file copy, and the process's peak memory above
idle).

The upload goes through the whole Django stack (middleware, multipart parser, upload handler,
service, storage) as a real server runs it: the WSGI handler is called with the request body
streamed from a file on disk, as a server hands it over from the socket. The download's streamed
body is written to a file, as a server writes it to the socket. Peak memory is the kernel's
high-water mark (VmHWM), reset before each step (Linux: /proc/self/clear_refs).
"""

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.crypto import get_random_string

from kunde.accounts.models import Role, User
from kunde.customers.models import Customer
from kunde.files.models import CustomerFile

FILES_ON_CUSTOMER = 10_000
MARKER = "bench:files"
GOAL_TAB_MS = 30
GOAL_PEAK_MB = 50
GOAL_TIMES_COPY = 1.5
CHUNK = 1024 * 1024


def bench_files_ensure(*, count: int = FILES_ON_CUSTOMER, log: Callable = print) -> Customer:
    """The customer of this bench, with `count` file rows (rows only: the tab reads no bytes)."""
    customer = Customer.objects.order_by("number").first()
    have = CustomerFile.objects.filter(customer=customer, description=MARKER).count()
    if have >= count:
        return customer
    log(f"Adding {count - have:,} files to {customer.name} ...")
    admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
    now = timezone.now()
    with transaction.atomic():
        CustomerFile.objects.bulk_create(
            [
                CustomerFile(
                    customer=customer,
                    file=f"bench/{customer.pk}/{i}",
                    name=f"Dokument {i:05d}.pdf",
                    description=MARKER,
                    size=10_000 + i,
                    sha256=f"{i:064x}",
                    content_type="application/pdf",
                    uploaded_by=admin,
                    uploaded_at=now - timezone.timedelta(minutes=i),
                )
                for i in range(have, count)
            ],
            batch_size=2000,
        )
    return customer


def bench_files_tab(
    *, time_get: Callable, client: Client, count: int = FILES_ON_CUSTOMER, log: Callable = print
) -> list[dict]:
    customer = bench_files_ensure(count=count, log=log)
    files = CustomerFile.objects.filter(customer=customer).count()
    rows = []
    for name, query in (
        ("files_tab", ""),
        ("files_tab_uploaded", "?show=uploaded"),
        ("files_tab_search", "?q=dokument+0999"),
    ):
        timing = time_get(client, f"/customers/{customer.pk}/files/{query}")
        rows.append({"name": name, **timing, "files_on_customer": files, "goal_ms": GOAL_TAB_MS})
    return rows


# Upload and download of a large file ----------------------------------------------------------


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _multipart_file(source: Path, target: Path, boundary: str, csrf: str) -> None:
    with target.open("wb") as out:
        out.write(
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
                f"{csrf}\r\n"
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="files"; filename="bench.bin"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
        )
        with source.open("rb") as data:
            shutil.copyfileobj(data, out, CHUNK)
        out.write(f"\r\n--{boundary}--\r\n".encode())


def bench_upload_download(*, size_mb: int = 50, log: Callable = print) -> dict:
    """Upload and download one file of `size_mb` MB through the app; figures as one row."""
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    customer = Customer.objects.order_by("number").first()
    work = Path(tempfile.mkdtemp(prefix="kunde-bench-files-"))
    try:
        source = work / "source.bin"
        with source.open("wb") as out:
            for _ in range(size_mb):
                out.write(os.urandom(CHUNK))
        media = work / "media"
        media.mkdir()
        # The baseline: a plain copy of the same file on the same disk (shutil.copyfile, which
        # lets the kernel copy: no bytes pass through Python).
        started = time.perf_counter()
        shutil.copyfile(source, work / "copy.bin")
        copy_seconds = time.perf_counter() - started
        (work / "copy.bin").unlink()

        client = Client()
        client.force_login(admin)
        session = client.cookies["sessionid"].value
        csrf = get_random_string(32)
        boundary = "kunde-bench-" + get_random_string(16)
        body = work / "body.bin"
        _multipart_file(source, body, boundary, csrf)
        handler = WSGIHandler()
        with override_settings(
            DEBUG=False,
            ALLOWED_HOSTS=["testserver"],
            MEDIA_ROOT=str(media),
            FILE_UPLOAD_TEMP_DIR=str(work / "upload-tmp"),
            MAX_UPLOAD_MB=max(100, size_mb + 1),
        ):
            measured_peak = _reset_peak()
            idle = _rss_kib("VmRSS")
            started = time.perf_counter()
            with body.open("rb") as stream:
                status, _headers, _body = _call(
                    handler,
                    {
                        "REQUEST_METHOD": "POST",
                        "PATH_INFO": f"/customers/{customer.pk}/files/",
                        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
                        "CONTENT_LENGTH": str(body.stat().st_size),
                        "HTTP_COOKIE": f"sessionid={session}; csrftoken={csrf}",
                        "HTTP_X_REQUESTED_WITH": "XMLHttpRequest",
                        "HTTP_ACCEPT": "application/json",
                        "wsgi.input": stream,
                    },
                )
            upload_seconds = time.perf_counter() - started
            upload_peak = _rss_kib("VmHWM") - idle
            if not status.startswith("201"):
                raise RuntimeError(f"The bench upload answered {status}: {_body[:300]!r}")
            record = CustomerFile.objects.filter(customer=customer).latest("pk")

            _reset_peak()
            idle = _rss_kib("VmRSS")
            started = time.perf_counter()
            downloaded = work / "downloaded.bin"
            with downloaded.open("wb") as out:
                status, _headers, chunks = _call(
                    handler,
                    {
                        "REQUEST_METHOD": "GET",
                        "PATH_INFO": f"/customers/{customer.pk}/files/{record.pk}/download/",
                        "HTTP_COOKIE": f"sessionid={session}",
                    },
                    sink=out,
                )
            download_seconds = time.perf_counter() - started
            download_peak = _rss_kib("VmHWM") - idle
            same = downloaded.stat().st_size == source.stat().st_size
            record.delete()
        return {
            "name": "file_upload_download",
            "size_mb": size_mb,
            "copy_ms": round(copy_seconds * 1000, 1),
            "upload_ms": round(upload_seconds * 1000, 1),
            "download_ms": round(download_seconds * 1000, 1),
            "upload_times_copy": round(upload_seconds / copy_seconds, 2),
            "download_times_copy": round(download_seconds / copy_seconds, 2),
            "upload_peak_rss_mb": round(upload_peak / 1024, 1) if measured_peak else None,
            "download_peak_rss_mb": round(download_peak / 1024, 1) if measured_peak else None,
            "bytes_match": same,
            "goal_times_copy": GOAL_TIMES_COPY,
            "goal_peak_rss_mb": GOAL_PEAK_MB,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _call(handler: WSGIHandler, environ: dict, sink=None):
    base = {
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "wsgi.url_scheme": "http",
        "wsgi.input": _Empty(),
        "wsgi.errors": _Empty(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers

    # As Django's test client does: the bench keeps its database connection across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    collected = b""
    try:
        result = handler({**base, **environ}, start_response)
        try:
            for chunk in result:
                if sink is not None:
                    sink.write(chunk)
                elif len(collected) < 4096:
                    collected += chunk
        finally:
            if hasattr(result, "close"):
                result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], collected


class _Empty:
    def read(self, *args):
        return b""

    def readline(self, *args):
        return b""

    def write(self, *args):
        return None

    def flush(self):
        return None


def files_bench(*, n: int, warmup: int, log: Callable = print) -> list[dict]:
    """Every files measurement, as rows for `kunde bench`."""
    from kunde.demo.bench import _time_get

    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    client = Client()
    client.force_login(admin)
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        rows = bench_files_tab(
            time_get=lambda c, url: _time_get(c, url, n, warmup), client=client, log=log
        )
        # The same customer's overview, timed alongside as a yardstick on a busy machine.
        customer = rows and Customer.objects.order_by("number").first()
        rows.append(
            {
                "name": "files_bench_reference_profile",
                **_time_get(client, f"/customers/{customer.pk}/", n, warmup),
            }
        )
    client.logout()
    # One small upload first: the first request of a process loads the URLs, the API schemas
    # and the templates (seconds, tens of MB), which is no cost of an upload.
    bench_upload_download(size_mb=1, log=log)
    rows.append(bench_upload_download(log=log))
    return rows
