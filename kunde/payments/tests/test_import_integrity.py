"""Imports never lose or invent money (issue 9): source keys from the whole identity, totals
checked before an import is booked, and clear refusals for what does not fit."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum

from kunde.lib.camt054 import (
    Camt054AccountNotification,
    Camt054Entry,
    Camt054Notification,
    Camt054Transaction,
)
from kunde.lib.camt054_writer import write_camt054
from kunde.payments import imports
from kunde.payments.imports import PaymentImportRefused, payments_import
from kunde.payments.models import ImportStatus, Payment, PaymentImport, source_key

from .conftest import ocr_file, ocr_transaction


def tx(amount_ore, ref=None, *, name=None, account=None):
    return Camt054Transaction(
        amount=Decimal(amount_ore) / 100,
        currency="NOK",
        credit_debit="CRDT",
        account_servicer_reference=ref,
        debtor_name=name,
        debtor_account=account,
    )


def entry(ref, transactions):
    return Camt054Entry(
        amount=Decimal(sum(t.amount_ore for t in transactions)) / 100,
        currency="NOK",
        credit_debit="CRDT",
        status="BOOK",
        transactions=tuple(transactions),
        booking_date=date(2026, 11, 20),
        account_servicer_reference=ref,
    )


def camt(entries, *, message_id="MSG-1", version="001.08"):
    return write_camt054(
        Camt054Notification(
            message_id=message_id,
            created_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
            version=version,
            notifications=(
                Camt054AccountNotification(
                    id="N1",
                    account_iban="NO9386011117947",
                    account_other_id=None,
                    currency="NOK",
                    entries=tuple(entries),
                ),
            ),
        )
    )


def booked_ore(record):
    return Payment.objects.filter(source_import=record).aggregate(s=Sum("amount_ore"))["s"]


# Item 1: long references --------------------------------------------------------------------


def long_reference_file(message_id="MSG-1"):
    """A v08 file of 8 payments, 6,612.34 in all: five in an entry whose AcctSvcrRef is 200 "Q"
    (their own references differ), three in entries of their own."""
    return camt(
        [
            entry("Q" * 200, [tx(100_000 + n, f"T{n}") for n in range(5)]),
            entry("E2", [tx(50_000, "T1")]),
            entry("E3", [tx(61_224, "T1")]),
            entry("E4", [tx(50_000, "T1")]),
        ],
        message_id=message_id,
    )


def test_long_references_book_every_payment(company, finance):
    record = payments_import(actor=finance, data=long_reference_file(), file_name="long.xml")

    assert record.status == ImportStatus.BOOKED
    assert (record.summary["booked"], record.summary["duplicates"]) == (8, 0)
    assert record.summary["booked_total"] == record.summary["total"] == "6612.34"
    assert booked_ore(record) == 661_234
    keys = set(Payment.objects.values_list("source_key", flat=True))
    assert len(keys) == 8 and all(len(key) == 64 for key in keys)


def test_a_long_reference_booked_before_is_a_true_duplicate(company, finance):
    payments_import(actor=finance, data=long_reference_file(), file_name="1.xml")

    again = payments_import(actor=finance, data=long_reference_file("MSG-2"), file_name="2.xml")

    assert (again.summary["duplicates"], again.summary["booked"]) == (8, 0)
    assert Payment.objects.count() == 8


def test_one_more_payment_in_a_long_entry_is_booked_and_the_others_are_not_again(company, finance):
    payments_import(actor=finance, data=long_reference_file(), file_name="1.xml")
    longer = camt([entry("Q" * 200, [tx(100_000 + n, f"T{n}") for n in range(6)])], message_id="M2")

    again = payments_import(actor=finance, data=longer, file_name="2.xml")

    assert (again.summary["duplicates"], again.summary["booked"]) == (5, 1)
    assert booked_ore(again) == 100_005


def test_the_same_file_twice_is_refused_and_books_nothing(company, finance):
    payments_import(actor=finance, data=long_reference_file(), file_name="1.xml")

    with pytest.raises(PaymentImportRefused, match="was imported on"):
        payments_import(actor=finance, data=long_reference_file(), file_name="1.xml")

    assert Payment.objects.count() == 8


def test_references_that_differ_only_in_where_a_colon_falls_are_different_payments(
    company, finance
):
    # Joined with ":" unescaped, "A:B" + "C" and "A" + "B:C" would give one key.
    data = camt([entry("A:B", [tx(1_000, "C")]), entry("A", [tx(2_000, "B:C")])])

    record = payments_import(actor=finance, data=data, file_name="colons.xml")

    assert (record.summary["booked"], booked_ore(record)) == (2, 3_000)


def test_one_reference_on_two_entries_of_one_file_is_refused(company, finance):
    data = camt([entry("E1", [tx(1_000, "T1")]), entry("E1", [tx(2_000, "T1")])])

    with pytest.raises(PaymentImportRefused, match="the bank reference E1 is used by two entries"):
        payments_import(actor=finance, data=data, file_name="twice.xml")

    assert Payment.objects.count() == 0


def test_an_import_whose_rows_do_not_add_up_to_the_file_is_never_booked(
    company, finance, monkeypatch
):
    book = imports.payments_book

    def losing_one(result, **kwargs):
        result.payments.pop()  # a payment lost on the way, whatever the cause
        return book(result, **kwargs)

    monkeypatch.setattr(imports, "payments_book", losing_one)
    data = ocr_file([ocr_transaction(1, 10_000, ""), ocr_transaction(2, 20_000, "")])

    with pytest.raises(PaymentImportRefused) as info:
        payments_import(actor=finance, data=data, file_name="lost.txt")

    assert info.value.messages == [
        "The booked payments add up to 100,00\xa0kr, but the file's transactions not booked "
        "before add up to 300,00\xa0kr; nothing booked."
    ]
    record = PaymentImport.objects.get()
    assert (record.status, record.reference) == (ImportStatus.REFUSED, None)
    assert Payment.objects.count() == 0


def test_keys_stored_before_hashing_are_recognised_after_the_migration(company, customer, finance):
    """Migration 0003 hashes every stored key, so a payment booked with an old key is still a
    duplicate when its transaction comes again."""
    executor = MigrationExecutor(connection)
    old_apps = executor.loader.project_state(("payments", "0002_ledger_indexes")).apps
    OldPayment = old_apps.get_model("payments", "Payment")
    for key in ("ocr:1000001:4000086:1", "camt:E1:T1", "camt:E1:T1:kid2"):
        OldPayment.objects.create(
            customer_id=customer.pk,
            amount_ore=10_000,
            date=date(2026, 11, 1),
            method="ocr",
            match_rule="manual",
            source_key=key,
        )
    migration = executor.loader.get_migration("payments", "0003_hash_source_keys")
    migration.operations[0].code(old_apps, None)

    ocr = payments_import(
        actor=finance,
        data=ocr_file([ocr_transaction(1, 10_000, ""), ocr_transaction(2, 5_000, "")]),
        file_name="again.txt",
    )
    assert (ocr.summary["duplicates"], ocr.summary["booked"]) == (1, 1)
    camt_again = payments_import(
        actor=finance, data=camt([entry("E1", [tx(10_000, "T1")])]), file_name="again.xml"
    )
    assert (camt_again.summary["duplicates"], camt_again.summary["booked"]) == (1, 0)
    assert Payment.objects.filter(source_key=source_key("camt:E1:T1:kid2")).exists()


# Item 3: what does not fit is refused, not cut and not a 500 ---------------------------------


def test_a_message_id_longer_than_its_column_is_refused(company, finance):
    data = camt([entry("E1", [tx(1_000, "T1")])], message_id="M" * 101)

    with pytest.raises(PaymentImportRefused) as info:
        payments_import(actor=finance, data=data, file_name="long-id.xml")

    assert info.value.messages == [
        "The message id (GrpHdr/MsgId) has 101 characters; at most 95 are allowed. Nothing booked."
    ]
    assert PaymentImport.objects.get().status == ImportStatus.REFUSED


def test_a_payer_name_longer_than_its_column_is_refused(company, finance):
    data = camt([entry("E1", [tx(1_000, "T1", name="N" * 201)])])

    with pytest.raises(
        PaymentImportRefused, match=r"Entry E1, transaction 1: the payer's name has"
    ):
        payments_import(actor=finance, data=data, file_name="long-name.xml")

    assert Payment.objects.count() == 0


@pytest.mark.parametrize("amount", ["10000000000.01", "99999999999999999.99"])
def test_an_amount_above_the_limit_is_refused(company, finance, amount):
    data = camt([entry("E1", [tx(1_000, "T1")])]).replace(b">10.00<", f">{amount}<".encode())

    with pytest.raises(PaymentImportRefused, match="more than the largest amount accepted"):
        payments_import(actor=finance, data=data, file_name="huge.xml")

    assert Payment.objects.count() == 0
