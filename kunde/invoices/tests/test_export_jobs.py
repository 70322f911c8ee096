# ruff: noqa: F811  (the fixtures imported from the modules they belong to)
"""The export to accounting above `DOWNLOADS_QUEUE_ABOVE_ROWS` documents: run by a worker, its
files linked from the job's page."""

import pytest

from kunde.invoices.models import AccountingExport
from kunde.invoices.tests.test_export_views import EXPORTS, issued, media, statuses  # noqa: F401
from kunde.jobs.models import Job


def test_a_large_export_is_run_by_a_worker(client_for, finance, issued, settings):
    settings.DOWNLOADS_QUEUE_ABOVE_ROWS = 1
    client = client_for(finance)
    response = client.post(EXPORTS)
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    run = AccountingExport.objects.get()
    assert (job.kind, job.state, job.result) == (
        "invoices.accounting_export", "succeeded", {"export": run.pk, "documents": 2}
    )  # fmt: skip
    assert run.created_by == finance
    assert set(statuses().values()) == {"transferred"}
    page = client.get(response["Location"]).content.decode()
    assert f"Export {run.pk}: 2 documents transferred to accounting." in page
    assert f'href="/invoices/exports/{run.pk}/xlsx/"' in page
    assert f'href="/invoices/exports/{run.pk}/csv/"' in page


def test_a_small_export_runs_at_once(client_for, finance, issued, settings):
    settings.DOWNLOADS_QUEUE_ABOVE_ROWS = 2
    response = client_for(finance).post(EXPORTS)
    assert response["Location"] == EXPORTS
    assert AccountingExport.objects.count() == 1 and not Job.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "reader"])
def test_other_roles_cannot_queue_an_export(request, client_for, issued, settings, persona):
    settings.DOWNLOADS_QUEUE_ABOVE_ROWS = 0
    response = client_for(request.getfixturevalue(persona)).post(EXPORTS)
    assert response.status_code == 403 and not Job.objects.exists()


def test_an_export_reports_its_progress_step_by_step(finance, issued):
    from kunde.invoices.accounting_export import accounting_export_run

    reported = []
    run = accounting_export_run(actor=finance, progress=lambda done, total: reported.append(done))
    assert run.document_count == 2
    # Rows built, CSV written, XLSX written: the bar moves before the job is done.
    assert reported == sorted(reported) and {40, 50, 90} <= set(reported)
    assert max(reported) < 100
