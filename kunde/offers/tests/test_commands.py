from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from kunde.offers.models import Offer
from kunde.offers.pdf import stored_pdf


def test_offer_pdf_writes_the_stored_bytes(sent_offer, tmp_path, capsys):
    out = tmp_path / "offer.pdf"
    call_command("offer-pdf", "1", "--out", str(out))
    assert out.read_bytes() == stored_pdf(sent_offer.revisions.get())
    with pytest.raises(CommandError, match="No sent offer"):
        call_command("offer-pdf", "2", "--out", str(out))
    with pytest.raises(CommandError, match="not an offer number"):
        call_command("offer-pdf", "x", "--out", str(out))


def test_offers_expire_command(sent_offer, capsys):
    Offer.objects.filter(pk=sent_offer.pk).update(
        valid_until=sent_offer.issue_date - timedelta(days=1)
    )
    call_command("offers-expire")
    assert "1 offer(s) expired." in capsys.readouterr().out
    sent_offer.refresh_from_db()
    assert sent_offer.status == "expired"


def test_the_workers_housekeeping_expires_offers_without_cron(sent_offer):
    from kunde.jobs.services import jobs_housekeeping

    assert jobs_housekeeping()["offers_expired"] == 0
    Offer.objects.filter(pk=sent_offer.pk).update(
        valid_until=sent_offer.issue_date - timedelta(days=1)
    )
    assert jobs_housekeeping()["offers_expired"] == 1
    sent_offer.refresh_from_db()
    assert sent_offer.status == "expired"
    assert jobs_housekeeping()["offers_expired"] == 0
