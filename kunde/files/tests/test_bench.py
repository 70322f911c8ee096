"""The files benchmark runs and reports what it measured (on a small scale; no time asserted)."""

from django.test import Client

from kunde.demo.bench import _time_get
from kunde.files.bench import bench_files_tab, bench_upload_download


def test_the_upload_and_download_bench_round_trips_the_bytes(admin, customer):
    row = bench_upload_download(size_mb=1, log=lambda message: None)
    assert row["bytes_match"] is True
    assert row["size_mb"] == 1
    assert {"upload_ms", "download_ms", "copy_ms", "upload_peak_rss_mb"} <= row.keys()


def test_the_tab_bench_fills_the_customer_and_counts_queries(admin, customer):
    client = Client()
    client.force_login(admin)
    rows = bench_files_tab(
        time_get=lambda c, url: _time_get(c, url, 1, 0),
        client=client,
        count=120,
        log=lambda message: None,
    )
    assert [row["name"] for row in rows] == [
        "files_tab",
        "files_tab_uploaded",
        "files_tab_search",
    ]
    assert all(row["files_on_customer"] == 120 and row["queries"] > 0 for row in rows)
