import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from kunde.activity.models import ActivityEntry
from kunde.offers import services
from kunde.offers.models import Milestone, OfferDelivery, OfferSeries, OfferStatus
from kunde.offers.pdf import stored_pdf
from kunde.offers.tests.conftest import LINES
from kunde.offers.tokens import offer_token, read_token
from kunde.projects.models import Project


def test_create_takes_the_defaults_and_computes_totals_exactly(offer, contact, manager, today):
    assert offer.status == OfferStatus.DRAFT
    assert offer.number is None
    assert offer.contact == contact
    assert offer.made_by == manager
    assert offer.issue_date == today
    assert offer.valid_until == today + timedelta(days=OfferSeries.load().valid_days)
    # 10 h × 1 250 + 20 000 + 3 333.33 (12 %); the optional 4.5 h × 1 100 stays apart.
    assert offer.net_ore == 1250000 + 2000000 + 333333
    assert (
        offer.vat_ore == round((1250000 + 2000000) * 25 / 100) + 40000
    )  # 333333 × 12 % = 39999.96
    assert offer.total_ore == offer.net_ore + offer.vat_ore
    assert offer.optional_net_ore == 495000
    assert [line.kind for line in offer.lines.all()] == ["hourly", "fixed", "expense", "hourly"]
    assert ActivityEntry.objects.filter(action="offer.created").count() == 1


def test_hourly_line_without_price_takes_the_agreed_rate(company, customer, manager):
    from kunde.invoices.models import HourlyRate

    HourlyRate.objects.create(
        customer=customer, employee=manager, rate_ore=99000, valid_from="2020-01-01"
    )
    offer = services.offer_create(
        actor=manager,
        customer=customer,
        data={"name": "Support"},
        lines=[{"kind": "hourly", "description": "Support", "quantity": "2"}],
    )
    line = offer.lines.get()
    assert (line.unit_price_ore, line.net_ore, line.unit) == (99000, 198000, "hours")


def test_hourly_line_without_price_or_agreed_rate_is_refused(company, customer, manager):
    with pytest.raises(ValidationError) as error:
        services.offer_create(
            actor=manager,
            customer=customer,
            data={"name": "Support"},
            lines=[{"kind": "hourly", "description": "Support", "quantity": "2"}],
        )
    assert "lines.0.unit_price_ore" in error.value.message_dict
    assert not customer.offers.exists()


def test_bad_lines_are_refused_and_nothing_saved(company, customer, manager):
    bad = [{"kind": "hourly", "description": "", "quantity": "x", "unit_price_ore": 1}]
    with pytest.raises(ValidationError) as error:
        services.offer_create(actor=manager, customer=customer, data={"name": "X"}, lines=bad)
    assert {"lines.0.description", "lines.0.quantity"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError):
        services.offer_create(actor=manager, customer=customer, data={"name": "X"}, lines=[])
    assert not customer.offers.exists()


def test_offer_discount_is_the_default_of_every_line(company, customer, manager):
    offer = services.offer_create(
        actor=manager,
        customer=customer,
        data={"name": "Rabatt", "discount_percent": "10"},
        lines=[{"kind": "fixed", "description": "Alt", "quantity": "1", "unit_price_ore": 1001}],
    )
    assert offer.net_ore == 901  # 1001 × 0.9 = 900.9, half up


def test_send_numbers_from_a_gapless_series_and_stores_the_pdf(
    sent_offer, offer, manager, mailoutbox, company, customer
):
    assert sent_offer.status == OfferStatus.SENT
    assert sent_offer.number == 1
    revision = sent_offer.revisions.get()
    assert revision.revision == "" and revision.pdf and len(revision.pdf_sha256) == 64
    text = "".join(p.extract_text() for p in PdfReader(revision.pdf.open("rb")).pages)
    assert "TILBUD" in text and "Nytt intranett" in text and "(valgfritt)" in text
    assert OfferDelivery.objects.get(offer=sent_offer).result == "sent"
    [mail] = mailoutbox
    assert mail.to == ["kari@fjellheim.no"]
    assert mail.attachments[0][0] == "tilbud-1.pdf"
    assert mail.attachments[0][1] == stored_pdf(revision)
    token = re.search(r"/offer/([^/\s]+)/", mail.body).group(1)
    assert read_token(token).offer_id == sent_offer.pk
    # The next offer gets the next number.
    second = services.offer_create(
        actor=manager, customer=customer, data={"name": "To"}, lines=LINES[:1]
    )
    services.offer_send(actor=manager, offer=second, by_hand=True)
    second.refresh_from_db()
    assert second.number == 2 and second.sent_by_hand


def test_a_refused_send_takes_no_number(offer, manager, contact, customer):
    contact.email = ""
    contact.save()
    customer.email = ""
    customer.save()
    with pytest.raises(ValidationError):
        services.offer_send(actor=manager, offer=offer)
    offer.refresh_from_db()
    assert offer.number is None and offer.status == OfferStatus.DRAFT
    assert OfferSeries.load().next_number == 1
    services.offer_send(actor=manager, offer=offer, by_hand=True)
    offer.refresh_from_db()
    assert offer.number == 1


def test_send_is_refused_after_valid_until(offer, manager, today):
    services.offer_update(
        actor=manager,
        offer=offer,
        data={"issue_date": today - timedelta(days=40), "valid_until": today - timedelta(days=1)},
    )
    with pytest.raises(ValidationError, match="valid-until"):
        services.offer_send(actor=manager, offer=offer, by_hand=True)


def test_ready_then_edit_makes_a_draft_again(offer, manager):
    services.offer_mark_ready(actor=manager, offer=offer)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.READY
    with pytest.raises(ValidationError):
        services.offer_mark_ready(actor=manager, offer=offer)
    services.offer_update(actor=manager, offer=offer, data={"name": "Nytt navn"})
    offer.refresh_from_db()
    assert (offer.status, offer.revision, offer.name) == ("draft", "", "Nytt navn")


def test_editing_a_sent_offer_makes_revision_a_and_keeps_the_sent_one(sent_offer, manager):
    first_token = offer_token(sent_offer)
    first = sent_offer.revisions.get()
    first_pdf = stored_pdf(first)
    services.offer_update(actor=manager, offer=sent_offer, data={}, lines=[*LINES[:2]])
    sent_offer.refresh_from_db()
    assert (sent_offer.status, sent_offer.revision, sent_offer.number) == ("draft", "A", 1)
    assert sent_offer.label == "1-A"
    services.offer_send(actor=manager, offer=sent_offer, by_hand=True)
    sent_offer.refresh_from_db()
    assert [r.revision for r in sent_offer.revisions.all()] == ["", "A"]
    first.refresh_from_db()
    assert stored_pdf(first) == first_pdf  # unchanged
    # The link of the first revision no longer answers.
    with pytest.raises(ValidationError, match="earlier version"):
        services.offer_accept(
            offer=sent_offer, name="Kari", confirmed=True, nonce=read_token(first_token).nonce
        )
    services.offer_update(actor=manager, offer=sent_offer, data={})
    sent_offer.refresh_from_db()
    assert sent_offer.revision == "B"


def test_accept_with_an_optional_line_creates_the_project_and_milestones(sent_offer, today):
    optional = sent_offer.lines.get(optional=True)
    token = read_token(offer_token(sent_offer))
    offer = services.offer_accept(
        offer=sent_offer,
        name="Kari Nordmann",
        title="Daglig leder",
        confirmed=True,
        chosen_line_ids=[optional.pk],
        ip="203.0.113.9",
        nonce=token.nonce,
    )
    assert offer.status == OfferStatus.ACCEPTED
    assert (offer.answered_name, offer.answered_title, offer.answered_ip) == (
        "Kari Nordmann",
        "Daglig leder",
        "203.0.113.9",
    )
    assert offer.answered_at is not None and offer.answered_by is None
    assert offer.net_ore == 1250000 + 2000000 + 333333 + 495000
    project = offer.project
    assert project.customer == offer.customer and project.name == "Nytt intranett"
    [milestone] = Milestone.objects.filter(project=project)
    assert (milestone.net_ore, milestone.percent, milestone.due_date) == (2000000, 100, today)
    assert ActivityEntry.objects.filter(action="offer.accepted").exists()


def test_accept_registered_by_a_user_can_link_an_existing_project(sent_offer, project, finance):
    offer = services.offer_accept(
        offer=sent_offer, name="Kari", confirmed=True, actor=finance, project=project
    )
    assert offer.project == project and offer.answered_by == finance
    assert Project.objects.count() == 1


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "", "confirmed": True}, "name"),
        ({"name": "Kari", "confirmed": False}, "confirmed"),
    ],
)
def test_accept_needs_a_name_and_the_tick(sent_offer, data, field):
    with pytest.raises(ValidationError) as error:
        services.offer_accept(offer=sent_offer, **data)
    assert field in error.value.message_dict
    sent_offer.refresh_from_db()
    assert sent_offer.status == OfferStatus.SENT


def test_answered_withdrawn_unsent_and_expired_offers_cannot_be_accepted(
    sent_offer, offer, manager, today
):
    services.offer_reject(offer=sent_offer, comment="For dyrt", name="Kari")
    sent_offer.refresh_from_db()
    assert (sent_offer.status, sent_offer.reject_comment) == ("rejected", "For dyrt")
    with pytest.raises(ValidationError, match="already been answered"):
        services.offer_accept(offer=sent_offer, name="Kari", confirmed=True)
    with pytest.raises(ValidationError, match="already been answered"):
        services.offer_reject(offer=sent_offer)
    # A new revision, withdrawn.
    services.offer_update(actor=manager, offer=sent_offer, data={})
    with pytest.raises(ValidationError, match="not been sent"):
        services.offer_accept(offer=sent_offer, name="Kari", confirmed=True)
    services.offer_send(actor=manager, offer=sent_offer, by_hand=True)
    services.offer_withdraw(actor=manager, offer=sent_offer)
    with pytest.raises(ValidationError, match="withdrawn"):
        services.offer_accept(offer=sent_offer, name="Kari", confirmed=True)
    with pytest.raises(ValidationError):
        services.offer_withdraw(actor=manager, offer=sent_offer)
    with pytest.raises(ValidationError, match="no longer be changed"):
        services.offer_update(actor=manager, offer=sent_offer, data={})


def test_an_offer_past_valid_until_expires_on_read_and_cannot_be_accepted(sent_offer, today):
    later = sent_offer.valid_until + timedelta(days=1)
    with pytest.raises(ValidationError, match="expired"):
        services.offer_accept(offer=sent_offer, name="Kari", confirmed=True, today=later)
    sent_offer.refresh_from_db()
    assert sent_offer.status == OfferStatus.EXPIRED
    assert ActivityEntry.objects.filter(action="offer.expired").count() == 1


def test_offers_expire_moves_every_offer_past_its_date(sent_offer, offer, today):
    assert services.offers_expire(today=sent_offer.valid_until) == 0
    assert services.offers_expire(today=sent_offer.valid_until + timedelta(days=1)) == 1
    sent_offer.refresh_from_db()
    assert sent_offer.status == OfferStatus.EXPIRED


def test_accepted_offer_is_final(sent_offer, manager):
    services.offer_accept(offer=sent_offer, name="Kari", confirmed=True)
    with pytest.raises(ValidationError):
        services.offer_update(actor=manager, offer=sent_offer, data={"name": "Nytt"})
    with pytest.raises(ValidationError):
        services.offer_withdraw(actor=manager, offer=sent_offer)


def test_only_optional_lines_can_be_chosen(sent_offer):
    fixed = sent_offer.lines.get(kind="fixed")
    with pytest.raises(ValidationError):
        services.offer_accept(
            offer=sent_offer, name="Kari", confirmed=True, chosen_line_ids=[fixed.pk]
        )


def test_milestone_split_keeps_the_amount_to_the_ore(sent_offer, manager):
    offer = services.offer_accept(offer=sent_offer, name="Kari", confirmed=True)
    milestone = Milestone.objects.get(offer=offer)
    services.milestone_split(actor=manager, milestone=milestone, percent="33.33", due_date=None)
    parts = list(Milestone.objects.filter(offer=offer).order_by("id"))
    assert [p.percent for p in parts] == [Decimal("33.33"), Decimal("66.67")]
    assert sum(p.net_ore for p in parts) == 2000000
    assert parts[0].net_ore == 666600
