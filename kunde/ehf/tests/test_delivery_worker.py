"""EHF delivery through a real `kunde worker` process and the database queue: the page shows
the document queued until the worker has sent it, once."""

from pathlib import Path

import pytest

from kunde.ehf.delivery import ehf_send
from kunde.ehf.models import EhfStatus
from kunde.ehf.tests.fake_access_point import FakeAccessPoint
from kunde.jobs.models import Job, JobState
from kunde.jobs.tests import conftest as jobs_fixtures

# The jobs app's fixtures: a worker process against the test database and the database queue.
queue, start_worker = jobs_fixtures.queue, jobs_fixtures.start_worker
wait_for = jobs_fixtures.wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _status(invoice) -> str:
    invoice.ehf_delivery.refresh_from_db()
    return invoice.ehf_delivery.status


def test_a_worker_process_sends_the_queued_ehf_once(
    start_worker, smp_network, make_issued, finance, client_for
):
    invoice = make_issued()
    attempt = ehf_send(actor=finance, invoice=invoice)
    assert attempt.result == "queued"
    page = client_for(finance).get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="ehf-status">Queued<' in page
    with FakeAccessPoint() as access_point:
        start_worker(
            PYTHONPATH=Path(__file__).resolve().parents[3],  # this checkout's code
            EHF_ACCESS_POINT_URL=access_point.url,
            EHF_ACCESS_POINT_TOKEN="secret",
            EHF_POLL_ATTEMPTS=0,
            PEPPOL_SMP_URL=smp_network.url,
        )
        wait_for(lambda: _status(invoice) == EhfStatus.SENT, what="the document to be sent")
    attempt.refresh_from_db()
    assert attempt.result == "sent"
    assert access_point.posts == 1
    assert Job.objects.get(kind="ehf.deliver").state == JobState.SUCCEEDED
