# ruff: noqa: F811  (the fixtures imported from the modules they belong to)
"""The statement above `DOWNLOADS_QUEUE_ABOVE_ROWS`: made by a worker, then downloaded from
the job's page."""

from kunde.jobs.models import Job
from kunde.payments.tests.test_views_ledger import TODAY, ledger, read_xlsx  # noqa: F401


def test_a_long_statement_is_made_by_a_worker(client_for, reader, customer, ledger, settings):
    settings.DOWNLOADS_QUEUE_ABOVE_ROWS = 2
    client = client_for(reader)
    url = f"/customers/{customer.pk}/ledger/statement/?format=xlsx"
    response = client.get(url)
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.state, job.customer, job.params["builder"]) == (
        "succeeded", customer, "payments.statement"
    )  # fmt: skip
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download["Content-Disposition"] == (
        f'attachment; filename="kontoutskrift-{customer.number}-{TODAY.isoformat()}.xlsx"'
    )
    queued = read_xlsx(b"".join(download.streaming_content))
    settings.DOWNLOADS_QUEUE_ABOVE_ROWS = 10
    assert read_xlsx(client.get(url).content) == queued
    assert queued[0][0] == f"Statement: {customer.name}"
    assert len(queued) == 8  # title, subtitle, blank, header, 3 rows, total


def test_a_statement_at_the_threshold_downloads_at_once(client_for, reader, customer, ledger,
                                                        settings):  # fmt: skip
    settings.DOWNLOADS_QUEUE_ABOVE_ROWS = 3
    response = client_for(reader).get(
        f"/customers/{customer.pk}/ledger/statement/?format=pdf&open=1"
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert not Job.objects.exists()
