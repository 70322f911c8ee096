# ruff: noqa: F811  (the fixtures imported from the modules they belong to)
"""The invoices report above `DOWNLOADS_QUEUE_ABOVE_ROWS`: made by a worker, watched on the
job's page, downloaded from there; below it, downloaded at once as before."""

import pytest

from kunde.invoices.tests.test_report_views import documents, read_xlsx, tab  # noqa: F401
from kunde.jobs.models import Job


def test_a_small_view_downloads_at_once(client_for, reader, customer, documents, settings):
    settings.DOWNLOADS_QUEUE_ABOVE_ROWS = 3
    response = client_for(reader).get("/invoices/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not Job.objects.exists()


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_a_large_view_is_made_by_a_worker_and_downloaded_from_its_page(
    client_for,
    reader,
    customer,
    documents,
    settings,
    fmt,
):
    settings.DOWNLOADS_QUEUE_ABOVE_ROWS = 2
    client = client_for(reader)
    response = client.get(tab(customer, f"type=invoice&format={fmt}"))
    assert response.status_code == 200  # one invoice: at once
    response = client.get(tab(customer, f"format={fmt}&order=number"))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.state, job.customer, job.created_by) == (
        "download", "succeeded", customer, reader
    )  # fmt: skip
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Your file is ready." in page and "data-poll" not in page
    assert f'href="/jobs/{job.pk}/download/"' in page
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert f"fakturaer-{customer.number}-" in download["Content-Disposition"]
    content = b"".join(download.streaming_content)
    direct = client.get(tab(customer, f"format={fmt}&order=number"))
    assert direct.status_code == 302  # still above the threshold
    if fmt == "xlsx":
        sheet = read_xlsx(content)
        assert sheet[0][0] == f"Invoices: {customer.number} {customer.name}"
        assert [row[0] for row in sheet[4:7]] == [1.0, 2.0, ""]  # by number, the draft last
        assert len(sheet) == 8  # title, subtitle, blank, header, three documents, totals
    else:
        assert content.startswith(b"%PDF")


def test_the_queued_file_is_the_file_made_at_once(client_for, reader, documents, settings):
    client = client_for(reader)
    settings.DOWNLOADS_QUEUE_ABOVE_ROWS = 100
    direct = read_xlsx(client.get("/invoices/?format=xlsx&state=issued").content)
    settings.DOWNLOADS_QUEUE_ABOVE_ROWS = 1
    job_url = client.get("/invoices/?format=xlsx&state=issued")["Location"]
    queued = read_xlsx(b"".join(client.get(f"{job_url}download/").streaming_content))
    assert queued == direct


def test_a_pdf_too_long_is_refused_before_queueing(client_for, reader, documents, settings,
                                                   monkeypatch):  # fmt: skip
    from kunde.lib import table_export

    monkeypatch.setattr(table_export, "PDF_MAX_ROWS", 2)
    settings.DOWNLOADS_QUEUE_ABOVE_ROWS = 1
    response = client_for(reader).get("/invoices/?format=pdf", follow=True)
    assert "too many for a PDF" in response.content.decode()
    assert not Job.objects.exists()
