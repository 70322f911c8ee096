"""Activity entries store an action and its parameters; the page words them in the reader's
language, with money and dates in the reader's format."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from kunde.activity.models import ActivityEntry
from kunde.activity.services import log_activity
from kunde.customers import services as customer_services
from kunde.invoices import services as invoice_services

NBSP = "\xa0"


def _issued_entry(customer, actor, **params):
    return log_activity(
        customer=customer,
        actor=actor,
        action="invoice.issued",
        params={
            "doc": {"kind": "invoice", "number": 10023},
            "issue_date": date(2026, 3, 1),
            "total_ore": 2956250,
            **params,
        },
    )


def test_the_same_entry_is_worded_in_each_readers_language(customer, finance):
    entry = ActivityEntry.objects.get(pk=_issued_entry(customer, finance).pk)

    with translation.override("nb"):
        norwegian = entry.text
    with translation.override("en"):
        english = entry.text

    assert norwegian == f"Faktura 10023 utstedt 01.03.2026, totalt 29{NBSP}562,50{NBSP}kr"
    assert english.startswith("Invoice 10023 issued ")
    assert "29,562.50" in english


def test_the_entry_stores_parameters_not_text(customer, finance):
    entry = ActivityEntry.objects.get(pk=_issued_entry(customer, finance).pk)

    assert entry.summary == ""
    assert entry.params == {
        "doc": {"kind": "invoice", "number": 10023},
        "issue_date": "2026-03-01",
        "total_ore": 2956250,
    }


def test_money_is_never_shown_as_a_bare_decimal(customer, finance, draft):
    issued = invoice_services.invoice_issue(actor=finance, invoice=draft)
    entry = ActivityEntry.objects.get(action="invoice.issued")

    with translation.override("nb"):
        text = entry.text
    assert f"{issued.total_ore // 100}.{issued.total_ore % 100:02d}" not in text
    assert text.endswith(f"{NBSP}kr")
    assert "," in text.rsplit("totalt", 1)[1]


def test_an_invoice_issued_on_an_earlier_day_shows_that_day(client_for, finance, customer, draft):
    day = timezone.localdate() - timedelta(days=200)
    invoice_services.invoice_issue(actor=finance, invoice=draft, issue_date=day)

    entry = ActivityEntry.objects.get(action="invoice.issued")
    assert entry.occurred_on == day
    page = client_for(finance).get(f"/customers/{customer.pk}/activity/").content.decode()
    [item] = [li for li in page.split("<li>") if " issued " in li]
    assert f'<time datetime="{day.isoformat()}"' in item
    assert day.strftime("%d.%m.%Y") in item


def test_an_invoice_issued_today_shows_the_time_it_was_recorded(finance, draft):
    invoice_services.invoice_issue(actor=finance, invoice=draft)

    assert ActivityEntry.objects.get(action="invoice.issued").occurred_on is None


def test_field_names_and_choices_follow_the_readers_language(manager, customer):
    customer_services.customer_update(
        actor=manager,
        customer=customer,
        data={"name": "Fjellheim AS", "phone": "+47 22 00 00 00"},
        expected_version=None,
    )
    entry = ActivityEntry.objects.get(action="customer.updated")

    with translation.override("nb"):
        assert entry.text == "Endret navn, telefon"
        assert entry.shown_changes["phone"]["label"] == "telefon"
    with translation.override("en"):
        assert entry.text == "Changed name, phone"


def test_the_activity_page_words_entries_in_the_browsers_language(client_for, reader, customer):
    _issued_entry(customer, reader)

    client = client_for(reader)
    norwegian = client.get(
        f"/customers/{customer.pk}/activity/", HTTP_ACCEPT_LANGUAGE="nb"
    ).content.decode()
    english = client.get(
        f"/customers/{customer.pk}/activity/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert f"Faktura 10023 utstedt 01.03.2026, totalt 29{NBSP}562,50{NBSP}kr" in norwegian
    assert "Invoice 10023 issued" in english
    assert "29562.50" not in norwegian + english


def test_an_unknown_action_is_refused(customer, finance):
    with pytest.raises(ValueError, match="Unknown activity action"):
        log_activity(customer=customer, actor=finance, action="invoice.teleported")


def test_an_old_entry_keeps_its_text(customer, finance):
    entry = ActivityEntry.objects.create(
        customer=customer, actor=finance, action="payment.registered", summary="Gammel tekst"
    )

    with translation.override("en"):
        assert entry.text == "Gammel tekst"


@pytest.mark.django_db
def test_demo_history_shows_the_invoices_own_dates():
    call_command("demo", "--customers", "5", "--seed", "3", "--invoices", "3", stdout=StringIO())
    from kunde.invoices.models import Invoice

    issued = {(i.kind, i.number): i.issue_date for i in Invoice.objects.exclude(issue_date=None)}
    entries = ActivityEntry.objects.filter(action__endswith=".issued")
    assert entries.count() == len(issued) >= 3
    today = timezone.localdate()
    for entry in entries:
        day = issued[(entry.params["doc"]["kind"], entry.params["doc"]["number"])]
        assert day < today
        assert entry.occurred_on == day
