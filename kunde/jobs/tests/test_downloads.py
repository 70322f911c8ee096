# ruff: noqa: F811  (token_for: the API tests' fixture)
"""Large downloads as jobs: the job's page for whoever started it, the file kept for
`DOWNLOADS_KEEP_HOURS` and then removed by the worker's housekeeping or `purge-files`."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from kunde.api.tests.conftest import token_for  # noqa: F401
from kunde.jobs import downloads
from kunde.jobs.models import Job, JobState
from kunde.jobs.services import jobs_housekeeping


@pytest.fixture
def made(db, reader, monkeypatch):
    """A finished download job of the reader's, with its file in the storage."""

    def builder(params, report):
        report(1, 2)
        return downloads.DownloadFile(b"a,b\n" * params["lines"], "rows.csv", "text/csv")

    monkeypatch.setitem(downloads.BUILDERS, "test.rows", f"{__name__}.BUILDER")
    monkeypatch.setattr(f"{__name__}.BUILDER", builder, raising=False)
    return downloads.download_enqueue(actor=reader, builder="test.rows", params={"lines": 3})


BUILDER = None


def test_the_job_keeps_the_file_and_says_when_it_expires(made, settings):
    assert made.state == JobState.SUCCEEDED
    assert made.result["filename"] == "rows.csv" and made.result["size"] == 12
    assert default_storage.exists(made.result["file"])
    assert made.result["expires_at"] > (timezone.now() + timedelta(hours=23)).isoformat()


def test_only_who_started_it_and_administrators_see_the_job(client_for, made, admin, finance):
    assert client_for(finance).get(f"/jobs/{made.pk}/").status_code == 404
    assert client_for(finance).get(f"/jobs/{made.pk}/download/").status_code == 404
    assert client_for(admin).get(f"/jobs/{made.pk}/download/").status_code == 200


def test_the_download_gives_the_file(client_for, reader, made):
    response = client_for(reader).get(f"/jobs/{made.pk}/download/")
    assert response["Content-Disposition"] == 'attachment; filename="rows.csv"'
    assert b"".join(response.streaming_content) == b"a,b\n" * 3


def test_expired_downloads_are_removed_by_housekeeping(client_for, reader, made, settings):
    jobs_housekeeping()
    assert default_storage.exists(made.result["file"])  # not yet
    Job.objects.filter(pk=made.pk).update(finished_at=timezone.now() - timedelta(hours=25))
    assert jobs_housekeeping()["downloads_removed"] == 1
    assert not default_storage.exists(made.result["file"])
    assert jobs_housekeeping()["downloads_removed"] == 0
    client = client_for(reader)
    assert client.get(f"/jobs/{made.pk}/download/").status_code == 404
    assert "This file has been removed" in client.get(f"/jobs/{made.pk}/").content.decode()


def test_purge_files_removes_expired_downloads_too(made, settings, capsys):
    settings.DOWNLOADS_KEEP_HOURS = 0
    call_command("purge-files")
    assert "1 expired downloads removed." in capsys.readouterr().out
    assert not default_storage.exists(made.result["file"])


def test_a_waiting_job_page_polls_its_status(client_for, reader, queue):
    job = downloads.download_enqueue(actor=reader, builder="invoices.report", params={})
    client = client_for(reader)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'data-poll="/jobs/{job.pk}/status/"' in page and "Waiting for a worker" in page
    status = client.get(f"/jobs/{job.pk}/status/").content.decode()
    assert status.lstrip().startswith('<div class="job-status"') and "<html" not in status


def test_a_failed_download_says_why(client_for, reader):
    job = downloads.download_enqueue(
        actor=reader,
        builder="invoices.report",
        params={"report": "invoice_report", "format": "pdf", "query": "", "columns": [],
                "customer": 999999},
    )  # fmt: skip
    assert job.state == JobState.FAILED and job.error == "No such customer."
    page = client_for(reader).get(f"/jobs/{job.pk}/").content.decode()
    assert "No such customer." in page and "data-poll" not in page


def test_the_api_gives_the_file_of_a_download_job(client, token_for, reader, finance, made):
    headers = token_for(reader)
    job = client.get(f"/api/v1/jobs/{made.pk}", **headers).json()
    assert job["file_url"] == f"/api/v1/jobs/{made.pk}/file"
    assert job["result"]["filename"] == "rows.csv"
    response = client.get(job["file_url"], **headers)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"a,b\n" * 3
    assert client.get(job["file_url"], **token_for(finance)).status_code == 404  # not theirs
    downloads.downloads_purge(now=timezone.now() + timedelta(hours=25))
    assert client.get(job["file_url"], **headers).status_code == 404
    assert client.get(f"/api/v1/jobs/{made.pk}", **headers).json()["file_url"] is None


def test_the_polled_status_takes_few_queries(client_for, reader, queue, django_assert_num_queries):
    job = downloads.download_enqueue(actor=reader, builder="invoices.report", params={})
    client = client_for(reader)
    client.get(f"/jobs/{job.pk}/status/")
    with django_assert_num_queries(3):  # session, user, job
        assert client.get(f"/jobs/{job.pk}/status/").status_code == 200
