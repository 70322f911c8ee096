import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from kunde.activity.models import ActivityEntry
from kunde.lib.camt054 import (
    Camt054AccountNotification,
    Camt054Entry,
    Camt054Notification,
    Camt054Transaction,
    CreditorReference,
    SkippedEntry,
)
from kunde.lib.camt054_writer import write_camt054
from kunde.payments.imports import PaymentImportRefused, detect_format, payments_import
from kunde.payments.models import ImportStatus, MatchRule, Payment, PaymentImport, source_key
from kunde.payments.selectors import customer_credit_ore
from kunde.payments.services import invoice_open_ore

from .conftest import ocr_file, ocr_transaction


@pytest.fixture
def three(make_invoice):
    return [make_invoice(100_000), make_invoice(50_000), make_invoice(20_000)]


def ocr_paying(three, transmission="1000001"):
    a, b, c = three
    return ocr_file(
        [
            ocr_transaction(1, 100_000, a.kid),  # exact
            ocr_transaction(2, 20_000, b.kid),  # partial
            ocr_transaction(3, 25_000, c.kid),  # over by 50,00
            ocr_transaction(4, 9_900, "12345674", text="Faktura 99 fra Kari"),  # unknown KID
        ],
        transmission=transmission,
    )


def test_ocr_file_is_booked_end_to_end(three, finance):
    a, b, c = three
    steps = []

    record = payments_import(
        actor=finance,
        data=ocr_paying(three),
        file_name="OCR.20261120.txt",
        progress=lambda done, total: steps.append((done, total)),
    )

    assert record.status == ImportStatus.BOOKED
    assert record.summary == {
        "import": record.pk,
        "format": "ocr",
        "transactions": 4,
        "total": "1549.00",
        "matched": 1,
        "partial": 1,
        "over": 1,
        "reversals": 0,
        "unmatched": 1,
        "duplicates": 0,
        "skipped": 0,
        "booked": 4,
        "booked_total": "1549.00",
        "errors": [],
    }
    assert (record.reference, record.total, record.progress) == ("ocr:1000001", 4, 4)
    assert record.finished_at is not None
    assert record.file.read().startswith(b"NY000010")
    # Read (0), matched (no report below 1,000), 4 of 5 rows written, the excess row, the end.
    assert steps == [(0, 4), (3, 4), (4, 4), (4, 4)]
    assert [invoice_open_ore(i) for i in three] == [0, 30_000, 0]
    assert customer_credit_ore(a.customer) == 5_000
    keys = set(Payment.objects.values_list("source_key", flat=True))
    assert keys == {source_key(f"ocr:1000001:4000086:{n}") for n in (1, 2, 3, 4)} | {None}
    stray = Payment.objects.get(match_rule=MatchRule.UNMATCHED)
    assert (stray.kid, stray.text, stray.payer_account) == (
        "12345674",
        "Faktura 99 fra Kari",
        "12345678903",
    )
    assert set(Payment.objects.values_list("source_import", flat=True)) == {record.pk}
    assert set(Payment.objects.values_list("date", flat=True)) == {date(2026, 11, 20)}
    # One activity entry per customer for the whole import.
    entry = ActivityEntry.objects.get(action="payment.imported")
    assert (entry.customer, entry.actor) == (a.customer, finance)
    assert "4 payment(s)" in entry.text


def test_reversals_in_an_ocr_file_reopen_the_invoice(three, finance):
    a = three[0]
    payments_import(
        actor=finance,
        data=ocr_file(
            [ocr_transaction(1, 100_000, a.kid), ocr_transaction(2, -100_000, a.kid, type_=18)]
        ),
        file_name="r.txt",
    )

    assert invoice_open_ore(a) == 100_000
    assert Payment.objects.filter(match_rule=MatchRule.KID_REVERSAL).count() == 1


def test_the_same_file_twice_is_refused_and_books_nothing(three, finance):
    data = ocr_paying(three)
    first = payments_import(actor=finance, data=data, file_name="a.txt")

    with pytest.raises(PaymentImportRefused, match=r"was imported on .* \(import \d+\)") as info:
        payments_import(actor=finance, data=data, file_name="a-again.txt")

    assert info.value.payment_import == first
    assert "nothing booked" in info.value.messages[0]
    assert Payment.objects.count() == 5
    assert PaymentImport.objects.count() == 1


def test_the_same_transmission_in_another_file_is_refused(three, finance):
    payments_import(actor=finance, data=ocr_paying(three), file_name="a.txt")
    # Same transmission number, different content (so a different hash).
    other = ocr_file([ocr_transaction(9, 1_000, "")], transmission="1000001")

    with pytest.raises(PaymentImportRefused, match="transmission .*1000001.* was imported"):
        payments_import(actor=finance, data=other, file_name="b.txt")

    refused = PaymentImport.objects.get(file_name="b.txt")
    assert refused.status == ImportStatus.REFUSED
    assert refused.reference is None
    assert Payment.objects.count() == 5


def test_ocr_transactions_booked_before_are_duplicates(three, finance):
    a = three[0]
    # Booked by earlier means under one of this transmission's keys (and one of another).
    for key in ("ocr:1000001:4000086:2", "ocr:1000002:4000086:1"):
        Payment.objects.create(
            customer=a.customer,
            amount_ore=1,
            date=date(2026, 11, 1),
            method="ocr",
            match_rule=MatchRule.MANUAL,
            source_key=source_key(key),
        )

    record = payments_import(actor=finance, data=ocr_paying(three), file_name="a.txt")

    assert (record.summary["duplicates"], record.summary["booked"]) == (1, 3)
    assert not Payment.objects.filter(
        source_import=record, source_key=source_key("ocr:1000001:4000086:2")
    ).exists()


def test_a_resent_camt_entry_is_a_duplicate(three, finance):
    a = three[0]
    entry = camt_entry("E1", [camt_tx(100_000, a.kid, ref="T1")])
    payments_import(actor=finance, data=camt_file([entry], message_id="M1"), file_name="1.xml")

    record = payments_import(
        actor=finance,
        data=camt_file([entry, camt_entry("E2", [camt_tx(5_000, "")])], message_id="M2"),
        file_name="2.xml",
    )

    assert (record.summary["duplicates"], record.summary["booked"]) == (1, 1)
    assert Payment.objects.filter(invoice=a).count() == 1


def test_a_broken_file_is_refused_whole_and_kept(three, finance):
    lines = ocr_paying(three).decode("latin-1").split("\n")
    lines[5] = lines[5][:40] + "X" + lines[5][41:]  # a letter in record 30's amount
    data = "\n".join(lines).encode("latin-1")

    with pytest.raises(PaymentImportRefused, match="Line 6") as info:
        payments_import(actor=finance, data=data, file_name="broken.txt")

    record = info.value.payment_import
    record.refresh_from_db()
    assert record.status == ImportStatus.REFUSED
    assert record.error.startswith("Line 6:")
    assert record.error.endswith("Nothing booked.")
    assert record.file.read() == data
    assert record.finished_at is not None
    assert Payment.objects.count() == 0
    assert ActivityEntry.objects.filter(action="payment.imported").count() == 0


def test_a_refused_file_may_be_imported_again_and_is_refused_again(finance, company):
    data = b"NY000010garbage\n"
    with pytest.raises(PaymentImportRefused):
        payments_import(actor=finance, data=data, file_name="x.txt")

    with pytest.raises(PaymentImportRefused, match="Line 1"):
        payments_import(actor=finance, data=data, file_name="x.txt")

    assert PaymentImport.objects.get().status == ImportStatus.REFUSED


def test_a_camt_file_is_booked_end_to_end(three, finance):
    a, b, c = three
    data = camt_file(
        [
            camt_entry(
                "E1",
                [
                    camt_tx(100_000, a.kid, ref="T1", name="Fjellheim Konsult AS"),
                    camt_tx(10_000, b.kid, ref="T2"),
                    camt_tx(7_500, "", ref="T3", text="Faktura 7 Hansen", name="Per Hansen"),
                ],
            ),
            camt_entry("E2", [camt_tx(20_000, c.kid)], status="PDNG"),
            camt_entry("E3", [camt_tx(-10_000, b.kid)], credit_debit="DBIT", reversal=True),
        ]
    )

    record = payments_import(actor=finance, data=data, file_name="camt054.xml")

    s = record.summary
    assert (s["format"], s["transactions"], s["booked"], s["skipped"]) == ("camt054", 5, 4, 1)
    assert (s["matched"], s["partial"], s["unmatched"], s["reversals"]) == (1, 1, 1, 1)
    assert s["total"] == "1075.00"
    assert s["errors"] == ["Entry E2 not booked: Status PDNG (pending: the bank may still change "
                           "or cancel it); only booked (BOOK) entries are booked."]  # fmt: skip
    assert invoice_open_ore(b) == 50_000
    assert invoice_open_ore(c) == 20_000
    stray = Payment.objects.get(match_rule=MatchRule.UNMATCHED)
    assert (stray.payer_name, stray.text, stray.method) == (
        "Per Hansen",
        "Faktura 7 Hansen",
        "camt",
    )
    assert Payment.objects.get(invoice=a).source_key == source_key("camt:E1:T1")
    assert record.reference == "camt:MSG-1"


def test_a_camt_payment_of_several_invoices_is_spread_over_them_and_counts_once(three, finance):
    a, b, _c = three
    entry = camt_entry("E1", [camt_tx(150_000, (a.kid, b.kid), ref="T1")])

    record = payments_import(actor=finance, data=camt_file([entry]), file_name="camt.xml")

    s = record.summary
    assert (s["transactions"], s["booked"], s["matched"], s["partial"], s["over"]) == (
        1,
        1,
        1,
        0,
        0,
    )
    assert (invoice_open_ore(a), invoice_open_ore(b)) == (0, 0)
    rows = list(Payment.objects.order_by("pk").values_list("invoice", "amount_ore", "source_key"))
    assert rows == [
        (a.pk, 100_000, source_key("camt:E1:T1")),
        (b.pk, 50_000, source_key("camt:E1:T1:kid2")),
    ]
    # The same entry again in another message is a duplicate, not booked a second time.
    again = payments_import(
        actor=finance, data=camt_file([entry], message_id="MSG-2"), file_name="again.xml"
    )
    assert (again.summary["duplicates"], again.summary["booked"]) == (1, 0)
    assert Payment.objects.count() == 2


def test_format_is_detected_from_the_content():
    assert detect_format(b"\xef\xbb\xbf \n<?xml") == "camt054"
    assert detect_format(b"NY000010") == "ocr"


def test_progress_moves_through_matching_then_writing_every_thousand(company, customer, finance):
    invoices = _bulk_invoices(company, customer, finance, 2_500)
    data = ocr_file([ocr_transaction(n + 1, 10_000, i.kid) for n, i in enumerate(invoices)])
    steps = []

    record = payments_import(
        actor=finance, data=data, file_name="big.txt", progress=lambda *step: steps.append(step)
    )

    # Matching moves the first half (1,000 and 2,000 of 2,500 matched), writing the rows in
    # batches of 1,000 the second (1,000, 2,000 and 2,500 written); then the end.
    done = [step[0] for step in steps]
    assert done == [0, 500, 1_000, 1_750, 2_250, 2_500, 2_500]
    assert {step[1] for step in steps} == {2_500}
    assert (record.progress, record.total, record.summary["matched"]) == (2_500, 2_500, 2_500)


def test_an_ocr_transaction_of_zero_is_not_booked(invoice, finance):
    record = payments_import(
        actor=finance,
        data=ocr_file([ocr_transaction(1, 0, invoice.kid), ocr_transaction(2, 500, invoice.kid)]),
        file_name="zero.txt",
    )

    assert (record.summary["booked"], record.summary["skipped"]) == (1, 1)
    assert record.summary["errors"] == ["Transaction 1 has the amount 0; not booked."]


# Concurrency -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_file_at_once_book_it_once(finance, company, customer):
    invoices = _bulk_invoices(company, customer, finance, 300)
    data = ocr_file([ocr_transaction(n + 1, 10_000, i.kid) for n, i in enumerate(invoices)])
    outcomes = []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            outcomes.append(payments_import(actor=finance, data=data, file_name="same.txt"))
        except PaymentImportRefused as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    booked = [o for o in outcomes if isinstance(o, PaymentImport)]
    refused = [o for o in outcomes if isinstance(o, PaymentImportRefused)]
    assert (len(booked), len(refused)) == (1, 1)
    assert "nothing booked" in refused[0].messages[0]
    assert Payment.objects.count() == 300
    assert PaymentImport.objects.get().status == ImportStatus.BOOKED


def _bulk_invoices(company, customer, finance, count):
    from django.utils import timezone

    from kunde.company.kid import kid_rule
    from kunde.invoices.models import Invoice
    from kunde.lib.kid import make_kid

    rule = kid_rule(company)
    today = timezone.localdate()
    return Invoice.objects.bulk_create(
        Invoice(
            kind="invoice",
            status="issued",
            number=n,
            customer=customer,
            issue_date=today,
            due_date=today,
            kid=make_kid(rule, invoice_number=n, customer_number=customer.number),
            total_ore=10_000,
            created_by=finance,
        )
        for n in range(1, count + 1)
    )


# camt helpers ----------------------------------------------------------------------------------


def camt_tx(amount_ore, kid, *, ref=None, text=None, name=None):
    """`kid`: one KID, a tuple of them (one Strd block each) or "" for none."""
    kids = kid if isinstance(kid, tuple) else (kid,) if kid else ()
    return Camt054Transaction(
        amount=Decimal(abs(amount_ore)) / 100,
        currency="NOK",
        credit_debit="DBIT" if amount_ore < 0 else "CRDT",
        account_servicer_reference=ref,
        debtor_name=name,
        creditor_references=tuple(CreditorReference("SCOR", k) for k in kids),
        remittance_texts=(text,) if text else (),
    )


def camt_entry(ref, transactions, *, status="BOOK", credit_debit="CRDT", reversal=False):
    total = sum(t.amount_ore for t in transactions)
    return Camt054Entry(
        amount=Decimal(abs(total)) / 100,
        currency="NOK",
        credit_debit=credit_debit,
        status=status,
        transactions=tuple(transactions),
        reversal=reversal,
        booking_date=date(2026, 11, 20),
        account_servicer_reference=ref,
    )


def camt_file(entries, *, message_id="MSG-1") -> bytes:
    return write_camt054(
        Camt054Notification(
            message_id=message_id,
            created_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
            version="001.04",
            notifications=(
                Camt054AccountNotification(
                    id="N1",
                    account_iban="NO9386011117947",
                    account_other_id=None,
                    currency="NOK",
                    entries=tuple(e for e in entries if e.status == "BOOK"),
                    skipped=tuple(SkippedEntry(e, "") for e in entries if e.status != "BOOK"),
                ),
            ),
        )
    )
