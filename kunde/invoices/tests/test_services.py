import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from kunde.invoices import services
from kunde.invoices.models import (
    Invoice,
    InvoiceLine,
    InvoiceOptions,
    InvoiceSeries,
    IssuedDocumentError,
)
from kunde.projects.models import TimeEntry


def test_a_draft_gets_the_effective_options_and_exact_totals(draft):
    # 10 × 1 250,00 = 12 500,00 at 25 %; 500,00 at 12 %. VAT per rate on the sum.
    assert (draft.net_ore, draft.vat_ore, draft.total_ore) == (1300000, 312500 + 6000, 1618500)
    assert draft.credit_days == 14 and draft.language == "nb"
    assert draft.status == "draft" and draft.number is None


def test_vat_is_rounded_once_per_rate_not_per_line(company, customer, finance):
    lines = [{"description": f"Linje {i}", "quantity": 1, "unit_price_ore": 3} for i in range(3)]
    invoice = services.invoice_draft_create(actor=finance, customer=customer, lines=lines)
    # 3 × 0,03 = 0,09 kr; 25 % of 0,09 = 0,0225 -> 0,02 (per line it would be 3 × 0,01 = 0,03).
    assert (invoice.net_ore, invoice.vat_ore) == (9, 2)


def test_a_vat_rate_that_does_not_exist_is_refused(company, customer, finance):
    with pytest.raises(ValidationError) as error:
        services.invoice_draft_create(
            actor=finance,
            customer=customer,
            lines=[{"description": "X", "quantity": 1, "unit_price_ore": 100, "vat_rate": 20}],
        )
    assert "lines.0.vat_rate" in error.value.message_dict
    assert not Invoice.objects.exists()


def test_the_invoice_fee_and_discount_come_from_the_options(company, customer, finance):
    InvoiceOptions.objects.create(
        level="customer", customer=customer, invoice_fee_ore=5900, discount_percent=Decimal(10)
    )
    invoice = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Rådgivning", "quantity": 2, "unit_price_ore": 100000}],
    )
    lines = list(invoice.lines.all())
    assert [(line.description, line.net_ore) for line in lines] == [
        ("Rådgivning", 180000),
        ("Invoice fee", 5900),
    ]


def test_hours_become_lines_per_employee_and_are_linked(company, customer, project, hours, finance):
    invoice = services.invoice_draft_create(
        actor=finance, customer=customer, project=project, from_project_hours=True
    )
    lines = {line.description: line for line in invoice.lines.all()}
    manager_line = lines["Consulting hours, Mats Kundeansvarlig"]
    assert (manager_line.quantity, manager_line.unit_price_ore, manager_line.net_ore) == (
        Decimal("4.500"),
        120000,
        540000,
    )
    assert lines["Consulting hours, Frida Finans"].net_ore == 180000
    assert TimeEntry.objects.filter(invoice_line__invoice=invoice).count() == 3
    # Nothing is left to invoice: a second draft from the same hours is refused.
    with pytest.raises(ValidationError):
        services.invoice_draft_create(
            actor=finance, customer=customer, project=project, from_project_hours=True
        )
    assert Invoice.objects.count() == 1


@pytest.mark.parametrize(
    ("hour_lines", "expected"),
    [
        (
            "price",
            [("Consulting hours", Decimal("4.500"), 120000), ("Consulting hours", 2, 90000)],
        ),
        (
            "entry",
            [
                ("01.10.2026, Mats Kundeansvarlig: Workshop", 3, 120000),
                ("02.10.2026, Mats Kundeansvarlig", Decimal("1.500"), 120000),
                ("02.10.2026, Frida Finans", 2, 90000),
            ],
        ),
    ],
)
def test_hours_are_put_on_lines_as_the_setting_says(
    company, customer, project, hours, finance, hour_lines, expected
):
    hours[0].description = "Workshop"
    hours[0].save()
    InvoiceOptions.objects.create(level="customer", customer=customer, hour_lines=hour_lines)

    invoice = services.invoice_draft_create(
        actor=finance, customer=customer, project=project, from_project_hours=True
    )

    lines = invoice.lines.order_by("position")
    assert [(li.description, li.quantity, li.unit_price_ore) for li in lines] == expected
    assert TimeEntry.objects.filter(invoice_line__invoice=invoice).count() == 3
    assert invoice.total_ore == 900_000  # 7 200,00 kr + 25 % VAT, however the lines fall


def test_deleting_a_draft_makes_its_hours_invoiceable_again(
    company, customer, project, hours, finance
):
    invoice = services.invoice_draft_create(
        actor=finance, customer=customer, project=project, from_project_hours=True
    )
    services.invoice_draft_delete(actor=finance, invoice=invoice)
    assert not Invoice.objects.exists()
    assert TimeEntry.objects.filter(pk__in=[h.pk for h in hours], invoice_line=None).count() == 3


def test_editing_a_draft_replaces_lines_and_recomputes(draft, finance):
    first = draft.lines.first()
    updated = services.invoice_draft_update(
        actor=finance,
        invoice=draft,
        header={"your_reference": "Kari"},
        lines=[
            {"id": first.pk, "description": "Rådgivning", "quantity": 2, "unit_price_ore": 100000}
        ],
    )
    assert updated.your_reference == "Kari"
    assert list(updated.lines.values_list("pk", flat=True)) == [first.pk]
    assert updated.total_ore == 250000


def test_a_customer_change_after_issue_does_not_change_the_invoice(
    draft, finance, customer, manager
):
    from kunde.customers.services import customer_update

    issued = services.invoice_issue(actor=finance, invoice=draft)
    customer_update(
        actor=manager, customer=customer, data={"name": "Nytt Navn AS"}, expected_version=None
    )
    issued.refresh_from_db()
    assert issued.buyer["name"] == "Fjellheim Konsult AS"


def test_an_issued_invoice_is_never_changed_or_deleted(draft, finance):
    issued = services.invoice_issue(actor=finance, invoice=draft)
    issued.your_reference = "Endret"
    with pytest.raises(IssuedDocumentError):
        issued.save()
    with pytest.raises(IssuedDocumentError):
        issued.delete()
    with pytest.raises(IssuedDocumentError):
        Invoice.objects.filter(pk=issued.pk).update(total_ore=0)
    with pytest.raises(IssuedDocumentError):
        Invoice.objects.filter(pk=issued.pk).delete()
    with pytest.raises(IssuedDocumentError):
        issued.lines.first().delete()
    with pytest.raises(ValidationError):
        services.invoice_draft_update(actor=finance, invoice=issued, header={"your_reference": "x"})
    # Operational fields may still change.
    Invoice.objects.filter(pk=issued.pk).update(export_status="transferred")


def test_an_invoice_without_lines_is_not_issued_and_takes_no_number(company, customer, finance):
    empty = services.invoice_draft_create(actor=finance, customer=customer)
    with pytest.raises(ValidationError) as error:
        services.invoice_issue(actor=finance, invoice=empty)
    assert "without lines" in str(error.value)
    assert InvoiceSeries.objects.filter(next_number__gt=1).count() == 0


def test_a_negative_invoice_total_is_refused(company, customer, finance):
    invoice = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Rabatt", "quantity": -1, "unit_price_ore": 1000}],
    )
    with pytest.raises(ValidationError, match="negative total"):
        services.invoice_issue(actor=finance, invoice=invoice)


def test_a_kid_setting_that_cannot_fit_the_number_refuses_the_issue(draft, finance, company):
    company.kid_invoice_digits = 1
    company.save()
    InvoiceSeries.objects.create(pk=1, next_number=10)
    with pytest.raises(ValidationError) as error:
        services.invoice_issue(actor=finance, invoice=draft)
    assert "kid" in error.value.message_dict
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.number is None
    assert InvoiceSeries.objects.get().next_number == 10


def test_numbers_follow_each_other_without_gaps(company, customer, finance):
    numbers = []
    for _ in range(3):
        draft = services.invoice_draft_create(
            actor=finance,
            customer=customer,
            lines=[{"description": "X", "quantity": 1, "unit_price_ore": 100}],
        )
        numbers.append(services.invoice_issue(actor=finance, invoice=draft).number)
    assert numbers == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_get_distinct_gapless_numbers(company, customer, finance):
    drafts = [
        services.invoice_draft_create(
            actor=finance,
            customer=customer,
            lines=[{"description": "X", "quantity": 1, "unit_price_ore": 100}],
        )
        for _ in range(6)
    ]
    errors = []

    def issue(invoice):
        try:
            services.invoice_issue(actor=finance, invoice=invoice)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]


def _issued(draft, finance):
    return services.invoice_issue(actor=finance, invoice=draft)


def test_a_whole_credit_note_negates_the_invoice(draft, finance):
    invoice = _issued(draft, finance)
    credit = services.credit_note_create(actor=finance, invoice=invoice)
    credit = services.invoice_issue(actor=finance, invoice=credit)
    assert (credit.kind, credit.number, credit.credited_invoice) == ("credit_note", 2, invoice)
    assert credit.total_ore == -invoice.total_ore
    assert services.credit_remaining_ore(invoice) == 0


def test_a_credit_larger_than_what_is_left_is_refused(draft, finance):
    invoice = _issued(draft, finance)
    line = invoice.lines.first()  # 10 hours
    services.invoice_issue(
        actor=finance,
        invoice=services.credit_note_create(
            actor=finance, invoice=invoice, lines=[{"line": line.pk, "quantity": 6}]
        ),
    )
    with pytest.raises(ValidationError) as error:
        services.credit_note_create(
            actor=finance, invoice=invoice, lines=[{"line": line.pk, "quantity": 5}]
        )
    assert "between 0 and 4" in str(error.value)
    with pytest.raises(ValidationError, match="left to credit"):
        services.credit_note_create(
            actor=finance,
            invoice=invoice,
            free_lines=[{"description": "Kompensasjon", "unit_price_ore": 2_000_000}],
        )


def test_two_drafts_cannot_both_credit_the_same_remainder(draft, finance):
    invoice = _issued(draft, finance)
    first = services.credit_note_create(actor=finance, invoice=invoice)
    second = services.credit_note_create(actor=finance, invoice=invoice)
    services.invoice_issue(actor=finance, invoice=first)
    with pytest.raises(ValidationError):
        services.invoice_issue(actor=finance, invoice=second)
    second.refresh_from_db()
    assert second.status == "draft"


def test_only_issued_invoices_can_be_credited(draft, finance):
    with pytest.raises(ValidationError):
        services.credit_note_create(actor=finance, invoice=draft)


def test_crediting_hours_can_make_them_invoiceable_again(
    company, customer, project, hours, finance
):
    invoice = services.invoice_issue(
        actor=finance,
        invoice=services.invoice_draft_create(
            actor=finance, customer=customer, project=project, from_project_hours=True
        ),
    )
    services.invoice_issue(
        actor=finance,
        invoice=services.credit_note_create(actor=finance, invoice=invoice, reopen_hours=True),
    )
    assert TimeEntry.objects.filter(pk__in=[h.pk for h in hours], invoice_line=None).count() == 3


def test_the_invoice_line_keeps_its_credit_link(draft, finance):
    invoice = _issued(draft, finance)
    credit = services.credit_note_create(actor=finance, invoice=invoice)
    assert set(credit.lines.values_list("credited_line__invoice", flat=True)) == {invoice.pk}
    assert InvoiceLine.objects.filter(invoice=credit, quantity__lt=0).count() == 2


def test_an_invoice_with_a_discount_line_can_be_credited_whole(company, customer, finance):
    invoice = services.invoice_issue(
        actor=finance,
        invoice=services.invoice_draft_create(
            actor=finance,
            customer=customer,
            lines=[
                {"description": "Rådgivning", "quantity": 10, "unit_price_ore": 100000},
                {"description": "Rabatt", "quantity": -1, "unit_price_ore": 50000},
            ],
        ),
    )
    credit = services.invoice_issue(
        actor=finance, invoice=services.credit_note_create(actor=finance, invoice=invoice)
    )
    assert credit.total_ore == -invoice.total_ore
    assert services.credit_remaining_ore(invoice) == 0


def test_the_same_line_twice_cannot_credit_more_than_it_was(company, customer, finance):
    invoice = services.invoice_issue(
        actor=finance,
        invoice=services.invoice_draft_create(
            actor=finance,
            customer=customer,
            lines=[
                {"description": "Timer", "quantity": 10, "unit_price_ore": 10000},
                {"description": "Lisens", "quantity": 1, "unit_price_ore": 1000000},
            ],
        ),
    )
    hours = invoice.lines.get(description="Timer")
    # 16 of 10 hours is well within the invoice total, so only the per-line check can refuse.
    with pytest.raises(ValidationError, match="more than it was invoiced"):
        services.credit_note_create(
            actor=finance,
            invoice=invoice,
            lines=[{"line": hours.pk, "quantity": 8}, {"line": hours.pk, "quantity": 8}],
        )


def test_free_credit_lines_are_named_as_such_in_errors(draft, finance):
    invoice = _issued(draft, finance)
    with pytest.raises(ValidationError) as error:
        services.credit_note_create(
            actor=finance,
            invoice=invoice,
            lines=[],
            free_lines=[{"description": "Avslag", "unit_price_ore": 1000, "vat_rate": 20}],
        )
    assert "free_lines.0.vat_rate" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.credit_note_create(
            actor=finance,
            invoice=invoice,
            lines=[],
            free_lines=[{"description": "Avslag", "quantity": "abc", "unit_price_ore": 1000}],
        )
    assert "free_lines.0.quantity" in error.value.message_dict


def test_amounts_beyond_the_columns_are_refused(company, customer, finance):
    with pytest.raises(ValidationError) as error:
        services.invoice_draft_create(
            actor=finance,
            customer=customer,
            lines=[{"description": "X", "quantity": 999999999999, "unit_price_ore": 10**12}],
        )
    assert {"lines.0.quantity", "lines.0.unit_price_ore"} <= set(error.value.message_dict)
    assert not Invoice.objects.exists()


def test_a_credit_line_with_the_invoice_lines_own_sign_is_refused(draft, finance):
    invoice = _issued(draft, finance)
    line = invoice.lines.first()
    credit = services.credit_note_create(
        actor=finance, invoice=invoice, lines=[{"line": line.pk, "quantity": 1}]
    )
    # Editing the draft so that it would add to the line instead of crediting it:
    own = credit.lines.get()
    services.invoice_draft_update(
        actor=finance,
        invoice=credit,
        header={},
        lines=[
            {
                "id": own.pk,
                "description": own.description,
                "quantity": 1,
                "unit_price_ore": own.unit_price_ore,
            },
            {"description": "Avslag", "quantity": -3, "unit_price_ore": own.unit_price_ore},
        ],
    )
    with pytest.raises(ValidationError, match="more than it was invoiced"):
        services.invoice_issue(actor=finance, invoice=credit)
