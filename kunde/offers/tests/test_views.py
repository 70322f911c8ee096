import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kunde.offers import services
from kunde.offers.models import Offer, OfferStatus
from kunde.offers.tests.conftest import LINES
from kunde.offers.tokens import offer_token


def _many(customer, manager, n):
    base = Offer.objects.filter(customer=customer).first()
    Offer.objects.bulk_create(
        Offer(
            customer=customer,
            name=f"Tilbud {i}",
            issue_date=base.issue_date,
            valid_until=base.valid_until,
            made_by=manager,
            net_ore=1000 * i,
            status="draft",
            search_text=f"tilbud {i}",
        )
        for i in range(n)
    )


def test_offers_tab_lists_sums_and_filters(client_for, manager, sent_offer, offer, customer):
    services.offer_accept(offer=sent_offer, name="Kari", confirmed=True)
    other = services.offer_create(
        actor=manager, customer=customer, data={"name": "Vedlikehold"}, lines=LINES[:1]
    )
    client = client_for(manager)
    page = client.get(f"/customers/{customer.pk}/offers/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nytt intranett" in html and "Vedlikehold" in html
    sums = page.context["sums"]
    assert sums.count == 2
    assert sums.accepted_net_ore == Offer.objects.get(pk=sent_offer.pk).net_ore
    assert sums.remaining_ore == sums.accepted_net_ore  # nothing invoiced yet
    assert sums.all_net_ore == sums.accepted_net_ore + other.net_ore
    filtered = client.get(f"/customers/{customer.pk}/offers/?status=accepted")
    assert [o.pk for o in filtered.context["page"].object_list] == [sent_offer.pk]
    searched = client.get(f"/customers/{customer.pk}/offers/?q=vedlike")
    assert [o.pk for o in searched.context["page"].object_list] == [other.pk]
    assert client.get("/offers/?q=intranett").context["sums"].count == 1


def test_offers_tab_query_count_does_not_grow(client_for, manager, offer, customer):
    client = client_for(manager)
    url = f"/customers/{customer.pk}/offers/"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _many(customer, manager, 300)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert len(page.context["page"].object_list) == 50
    assert len(many) == len(few)


def test_reader_cannot_compose(client_for, reader, customer):
    assert client_for(reader).get(f"/customers/{customer.pk}/offers/new/").status_code == 403


def test_compose_saves_a_draft_with_an_optional_line(
    client_for, manager, customer, contact, company
):
    client = client_for(manager)
    form = client.get(f"/customers/{customer.pk}/offers/new/")
    assert form.context["form"].initial["contact"] == contact
    data = {
        "name": "Ny nettside",
        "contact": contact.pk,
        "issue_date": form.context["form"].initial["issue_date"].isoformat(),
        "valid_until": form.context["form"].initial["valid_until"].isoformat(),
        "discount_percent": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-kind": "hourly",
        "lines-0-description": "Design",
        "lines-0-quantity": "10",
        "lines-0-unit_price": "1200",
        "lines-0-vat": "S:25",
        "lines-1-kind": "fixed",
        "lines-1-description": "Oppsett",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "5000,50".replace(",", "."),
        "lines-1-vat": "S:25",
        "lines-1-optional": "on",
        "lines-2-kind": "hourly",
        "lines-2-vat": "S:25",
    }
    response = client.post(f"/customers/{customer.pk}/offers/new/", data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    offer = Offer.objects.get(name="Ny nettside")
    assert (offer.net_ore, offer.optional_net_ore) == (1200000, 500050)
    assert [line.optional for line in offer.lines.all()] == [False, True]


def test_compose_with_a_bad_line_shows_the_error_and_saves_nothing(
    client_for, manager, customer, company
):
    client = client_for(manager)
    data = {
        "name": "Feil",
        "issue_date": "2026-01-01",
        "valid_until": "2026-02-01",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-kind": "hourly",
        "lines-0-description": "Uten pris",
        "lines-0-quantity": "2",
        "lines-0-vat": "S:25",
    }
    response = client.post(f"/customers/{customer.pk}/offers/new/", data)
    assert response.status_code == 200
    assert "agreed hourly rate" in response.content.decode()
    assert not Offer.objects.exists()


def test_detail_send_by_hand_and_pdf(client_for, manager, offer):
    client = client_for(manager)
    assert client.get(f"/offers/{offer.pk}/").status_code == 200
    client.post(f"/offers/{offer.pk}/send/", {"by_hand": "1"})
    offer.refresh_from_db()
    assert offer.status == OfferStatus.SENT and offer.sent_by_hand
    revision = offer.revisions.get()
    pdf = client.get(f"/offers/{offer.pk}/revisions/{revision.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content])[:4] == b"%PDF"


def test_registered_acceptance(client_for, finance, sent_offer):
    client = client_for(finance)
    response = client.post(
        f"/offers/{sent_offer.pk}/answer/",
        {"answer": "accept", "name": "Kari", "confirmed": "on"},
    )
    assert response.status_code == 302
    sent_offer.refresh_from_db()
    assert sent_offer.status == "accepted" and sent_offer.answered_by == finance
    assert sent_offer.project is not None


# The public page -------------------------------------------------------------------------------


def _link(mail) -> str:
    return re.search(r"http://testserver(/offer/[^/\s]+/)", mail.body).group(1)


def test_public_page_needs_no_login_and_accepts_with_an_option(
    client, sent_offer, mailoutbox, manager, django_capture_on_commit_callbacks
):
    manager.email = "mats@fjordvik.no"
    manager.save()
    url = _link(mailoutbox[0])
    page = client.get(url)
    assert page.status_code == 200
    assert "Nytt intranett" in page.content.decode()
    optional = sent_offer.lines.get(optional=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "answer": "accept",
                "name": "Kari Nordmann",
                "title": "CEO",
                "confirmed": "on",
                "chosen": [optional.pk],
            },
            REMOTE_ADDR="198.51.100.7",
        )
    assert response.status_code == 302
    sent_offer.refresh_from_db()
    assert sent_offer.status == "accepted" and sent_offer.answered_ip == "198.51.100.7"
    assert sent_offer.lines.get(optional=True).chosen
    # The firm is told.
    [notice] = mailoutbox[1:]
    assert notice.to == ["mats@fjordvik.no"] and "accepted" in notice.subject
    again = client.post(url, {"answer": "accept", "name": "X", "confirmed": "on"})
    assert again.status_code == 200 and sent_offer.status == "accepted"
    assert "public-answer" not in again.content.decode()


def test_public_page_without_the_tick_accepts_nothing(client, sent_offer, mailoutbox):
    response = client.post(_link(mailoutbox[0]), {"answer": "accept", "name": "Kari"})
    assert response.status_code == 200
    # The page speaks the customer's language (Norwegian here).
    assert "Kryss av i boksen" in response.content.decode()
    sent_offer.refresh_from_db()
    assert sent_offer.status == "sent"


def test_public_page_rejects_with_a_comment(client, sent_offer, mailoutbox):
    client.post(_link(mailoutbox[0]), {"answer": "reject", "comment": "For dyrt"})
    sent_offer.refresh_from_db()
    assert (sent_offer.status, sent_offer.reject_comment) == ("rejected", "For dyrt")


def test_tampered_token_is_refused(client, sent_offer, mailoutbox):
    url = _link(mailoutbox[0])
    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    response = client.get(tampered)
    assert response.status_code == 404
    assert client.get("/offer/not-a-token/").status_code == 404


def test_old_token_is_refused(client, sent_offer, mailoutbox, settings):
    url = _link(mailoutbox[0])
    settings.OFFER_LINK_MAX_AGE_DAYS = -1
    assert client.get(url).status_code == 404


def test_token_of_an_earlier_revision_is_refused(client, sent_offer, mailoutbox, manager):
    url = _link(mailoutbox[0])
    services.offer_update(actor=manager, offer=sent_offer, data={})
    services.offer_send(actor=manager, offer=sent_offer, by_hand=True)
    response = client.get(url)
    assert response.status_code == 410
    sent_offer.refresh_from_db()
    assert client.get(f"/offer/{offer_token(sent_offer)}/").status_code == 200


def test_expired_offer_cannot_be_accepted_on_the_public_page(client, sent_offer, mailoutbox):
    Offer.objects.filter(pk=sent_offer.pk).update(
        valid_until=sent_offer.issue_date - timedelta(days=1)
    )
    url = _link(mailoutbox[0])
    page = client.get(url)
    assert "Tilbudet har utløpt" in page.content.decode()
    client.post(url, {"answer": "accept", "name": "Kari", "confirmed": "on"})
    sent_offer.refresh_from_db()
    assert sent_offer.status == "expired"


def test_public_post_needs_the_csrf_token(sent_offer, mailoutbox):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        _link(mailoutbox[0]), {"answer": "accept", "name": "K", "confirmed": "on"}
    )
    assert response.status_code == 403
    sent_offer.refresh_from_db()
    assert sent_offer.status == "sent"


@pytest.mark.parametrize("status", ["withdrawn"])
def test_withdrawn_offer_link_shows_withdrawn(client, sent_offer, mailoutbox, manager, status):
    services.offer_withdraw(actor=manager, offer=sent_offer)
    page = client.get(_link(mailoutbox[0]))
    assert "Tilbudet er trukket tilbake" in page.content.decode()
    assert "public-answer" not in page.content.decode()
