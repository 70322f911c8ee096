"""The data migration turns old entries' text into parameters where it can read it."""

import importlib

from django.apps import apps
from django.utils import translation

from kunde.activity.models import ActivityEntry
from kunde.invoices import services as invoice_services

migration = importlib.import_module("kunde.activity.migrations.0003_convert_summaries_to_params")


def _old(customer, actor, action, summary, changes=None):
    return ActivityEntry.objects.create(
        customer=customer, actor=actor, action=action, summary=summary, changes=changes or {}
    )


def test_readable_entries_get_parameters_and_others_keep_their_text(customer, finance, draft):
    issued = invoice_services.invoice_issue(actor=finance, invoice=draft)
    ActivityEntry.objects.all().delete()
    issued_day = issued.issue_date
    created = _old(customer, finance, "customer.created", "Kunde opprettet")
    updated = _old(
        customer,
        finance,
        "customer.updated",
        "Endret navn",
        {"name": {"label": "navn", "old": "A", "new": "B"}},
    )
    contact = _old(customer, finance, "contact.added", "Kontaktperson Kari Nordmann lagt til")
    total = f"{issued.total_ore / 100:.2f}"
    invoice = _old(
        customer, finance, "invoice.issued", f"Faktura {issued.number} utstedt, totalt {total}"
    )
    payment = _old(customer, finance, "payment.registered", "Innbetaling på 100,00 kr registrert")

    migration.convert(apps, None)

    for entry in (created, updated, contact, invoice, payment):
        entry.refresh_from_db()
    assert (created.summary, created.params) == ("", {})
    assert (updated.summary, updated.params) == ("", {"fields": ["name"]})
    assert (contact.summary, contact.params) == ("", {"name": "Kari Nordmann"})
    assert invoice.summary == ""
    assert invoice.params["total_ore"] == issued.total_ore
    assert invoice.params["issue_date"] == issued_day.isoformat()
    assert payment.summary == "Innbetaling på 100,00 kr registrert"
    with translation.override("en"):
        assert updated.text == "Changed name"
        assert updated.shown_changes["name"] == {"label": "name", "old": "A", "new": "B"}
        assert contact.text == "Contact Kari Nordmann added"
        assert "issued" in invoice.text and total not in invoice.text
        assert payment.text == "Innbetaling på 100,00 kr registrert"
    # Issued today: the entry's own time is the document's date.
    assert invoice.occurred_on in (None, issued_day)
