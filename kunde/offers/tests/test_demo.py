from io import StringIO

from django.core.management import call_command

from kunde.offers.models import Offer, OfferStatus
from kunde.projects.models import TimeEntry


def test_demo_makes_offers_in_every_status_some_accepted_with_hours(db):
    out = StringIO()
    call_command(
        "demo",
        "--customers",
        "20",
        "--invoices",
        "0",
        "--files",
        "0",
        "--offers",
        "16",
        stdout=out,
    )
    assert "16 offers" in out.getvalue()
    assert set(Offer.objects.values_list("status", flat=True)) == set(OfferStatus.values)
    accepted = Offer.objects.filter(status="accepted")
    assert accepted.count() == 4 and all(o.project_id for o in accepted)
    assert TimeEntry.objects.filter(project__offers__in=accepted).exists()
    # Their hours are on the projects' activities, at the activities' rates.
    on_offers = TimeEntry.objects.filter(project__offers__in=accepted).select_related("activity")
    assert all(e.activity and e.sales_rate_ore == e.activity.rate_ore for e in on_offers)
    assert all(o.revisions.get().pdf for o in Offer.objects.filter(number__isnull=False))
