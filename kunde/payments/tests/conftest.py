from datetime import date, timedelta

import pytest
from django.utils import timezone

from kunde.company.kid import kid_rule
from kunde.company.models import Company
from kunde.invoices.models import Invoice, InvoiceSeries
from kunde.lib import kid as kid_lib
from kunde.lib.ocr_giro import (
    OcrAssignment,
    OcrTransaction,
    OcrTransmission,
    write_ocr_giro,
)


@pytest.fixture
def company(db):
    company = Company.load()
    company.name = "Fjordvik Rådgivning AS"
    company.organization_number = "923609016"
    company.bank_account = "86011117947"
    company.save()
    return company


@pytest.fixture
def other_customer(db, manager):
    from kunde.customers.services import customer_create

    return customer_create(
        actor=manager, data={"name": "Havbris Design AS", "account_manager": manager}
    )


@pytest.fixture
def make_invoice(company, customer, finance):
    """make_invoice(total_ore, ...) -> an issued invoice with its KID, written directly (no lines,
    no PDF): payments only need the total, the KID, the customer and the dates."""

    def make(
        total_ore=100_000,
        *,
        customer=customer,
        issue_date=None,
        due_date=None,
        credited_invoice=None,
        currency="NOK",
    ):
        series, _created = InvoiceSeries.objects.get_or_create(pk=1)
        number = series.next_number
        InvoiceSeries.objects.filter(pk=1).update(next_number=number + 1)
        issue_date = issue_date or timezone.localdate() - timedelta(days=5)
        credit_note = credited_invoice is not None
        return Invoice.objects.create(
            kind="credit_note" if credit_note else "invoice",
            status="issued",
            number=number,
            customer=customer,
            credited_invoice=credited_invoice,
            issue_date=issue_date,
            due_date=due_date or issue_date + timedelta(days=14),
            currency=currency,
            kid=kid_lib.make_kid(
                kid_rule(company),
                invoice_number=number,
                customer_number=customer.number,
                credit_note=credit_note,
            ),
            total_ore=total_ore,
            net_ore=total_ore * 4 // 5,
            vat_ore=total_ore - total_ore * 4 // 5,
            created_by=finance,
            issued_by=finance,
            issued_at=timezone.now(),
        )

    return make


@pytest.fixture
def invoice(make_invoice):
    """An issued invoice of 1 000,00 kr, due in 9 days."""
    return make_invoice(100_000)


def ocr_transaction(number, amount_ore, kid, *, day=date(2026, 11, 20), type_=10, text=None):
    return OcrTransaction(
        transaction_type=20 if text is not None else type_,
        transaction_number=number,
        nets_date=day,
        centre_id="01",
        day_code=20,
        partial_settlement=1,
        serial_number="00001",
        sign="-" if amount_ore < 0 else "0",
        amount_ore=amount_ore,
        kid=kid,
        form_number="0000000000",
        archive_reference="000000000",
        bank_date=day,
        debit_account="12345678903",
        free_text=text,
    )


def ocr_file(transactions, *, transmission="1000001", assignment="4000086") -> bytes:
    """An OCR giro file (bytes) with one assignment holding `transactions`."""
    day = max((t.nets_date for t in transactions), default=date(2026, 11, 20))
    return write_ocr_giro(
        OcrTransmission(
            transmission_number=transmission,
            data_transmitter="00008080",
            data_recipient="00010200",
            nets_date=day,
            assignments=(
                OcrAssignment(
                    agreement_id="000000000",
                    assignment_number=assignment,
                    account="86011117947",
                    nets_date=day,
                    transactions=tuple(transactions),
                ),
            ),
        )
    )
