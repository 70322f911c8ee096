"""A seeded fuzz test of the bank-file importers (issue 9's "done when").

Valid OCR giro and camt.054 files from the writers, and mutations of them (bytes, digits, lines,
elements, very long values), go through the importers. Every case must end in a booked import
or one of our clear refusals: no other exception (0 unhandled errors), and no import that
books part of its file (0 partial bookings). Seeded, so a failure comes back the same; the
number of cases is fixed, so the time is bounded (a few seconds of parsing, the imports through
the database a few more).
"""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from kunde.lib.camt054 import (
    Camt054AccountNotification,
    Camt054Entry,
    Camt054Error,
    Camt054Notification,
    Camt054Transaction,
    CreditorReference,
    SkippedEntry,
)
from kunde.lib.camt054_writer import write_camt054
from kunde.lib.money import MAX_AMOUNT_ORE, kroner_to_ore
from kunde.lib.ocr_giro import OcrGiroError
from kunde.payments.imports import (
    BankFileError,
    PaymentImportRefused,
    parse_bank_file,
    payments_import,
)
from kunde.payments.models import ImportStatus, Payment, PaymentImport, source_key

from .conftest import ocr_file, ocr_transaction

SEED = 20261205
PARSE_CASES = 4000  # parser only: OCR and camt.054, valid and mutated
IMPORT_CASES = 1000  # through payments_import and the database
CLEAR_ERRORS = (OcrGiroError, Camt054Error, BankFileError)
AMOUNTS = (1, 99, 10_000, 123_456, 99_999_999, MAX_AMOUNT_ORE - 1, MAX_AMOUNT_ORE)


def random_amount(rng: random.Random) -> int:
    return rng.choice(AMOUNTS) if rng.random() < 0.2 else rng.randint(1, 5_000_000)


def valid_ocr(rng: random.Random, kids: list[str]) -> bytes:
    transactions = []
    for number in rng.sample(range(1, 10_000), rng.randint(1, 6)):
        amount = random_amount(rng)
        if rng.random() < 0.15:
            transactions.append(ocr_transaction(number, -amount, rng.choice(kids), type_=18))
        else:
            kid = rng.choice([*kids, "", "12345674"])
            text = "Faktura" if rng.random() < 0.1 else None
            transactions.append(ocr_transaction(number, amount, kid, text=text))
    return ocr_file(
        transactions,
        transmission=f"{rng.randint(1, 400):07d}",  # some transmissions come again
        assignment=f"{rng.randint(1, 9_999_999):07d}",
    )


def reference(rng: random.Random) -> str | None:
    kind = rng.random()
    if kind < 0.2:
        return None
    if kind < 0.3:
        return rng.choice("QX:\\") * rng.choice((35, 199, 200, 201, 400))
    return f"R{rng.randint(1, 30)}"  # few references: some transactions come again


def valid_camt(rng: random.Random, kids: list[str]) -> bytes:
    entries = []
    for _ in range(rng.randint(1, 4)):
        credit_debit = "DBIT" if rng.random() < 0.1 else "CRDT"
        transactions = tuple(
            Camt054Transaction(
                amount=Decimal(random_amount(rng)).scaleb(-2),
                currency="NOK",
                credit_debit=credit_debit,
                account_servicer_reference=reference(rng),
                debtor_name=rng.choice([None, "Kari Nordmann", "N" * 250]),
                creditor_references=tuple(
                    CreditorReference("SCOR", kid) for kid in rng.sample(kids, rng.randint(0, 2))
                ),
                remittance_texts=tuple(["Faktura 12 " * rng.randint(1, 80)][: rng.randint(0, 1)]),
            )
            for _ in range(rng.randint(1, 4))
        )
        entries.append(
            Camt054Entry(
                amount=sum((t.amount for t in transactions), Decimal(0)),
                currency="NOK",
                credit_debit=credit_debit,
                status=rng.choice(["BOOK"] * 8 + ["PDNG"]),
                transactions=transactions,
                booking_date=date(2026, 11, 20) - timedelta(days=rng.randint(0, 30)),
                account_servicer_reference=reference(rng),
                entry_reference=rng.choice([None, "1", "2"]),
            )
        )
    return write_camt054(
        Camt054Notification(
            message_id=f"M{rng.randint(1, 400)}" if rng.random() < 0.9 else "M" * 120,
            created_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
            version=rng.choice(["001.02", "001.04", "001.08"]),
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


MUTATIONS = ("byte", "digit", "delete", "duplicate", "swap", "truncate", "insert", "element")


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One to three random changes, each keeping most of the file intact."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(MUTATIONS)
        at = rng.randrange(max(len(data), 1))
        if kind == "byte":
            data[at] = rng.randrange(256)
        elif kind == "digit":
            digits = [i for i, b in enumerate(data) if 0x30 <= b <= 0x39]
            if digits:
                data[rng.choice(digits)] = rng.randint(0x30, 0x39)
        elif kind in ("delete", "duplicate", "swap"):
            lines = bytes(data).split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if kind == "delete":
                del lines[i]
            elif kind == "duplicate":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = rng.choice([b"-", b"0", b"9" * 20, b"<", b"&amp;", "ø".encode(), b"\x00"])
        else:
            # An element's text changed to a long, empty, huge or odd value.
            start = data.find(b">", at)
            end = data.find(b"<", start)
            if start >= 0 and end > start:
                value = rng.choice(
                    [b"", b"Q" * 300, b"99999999999999999.99", b"-1", b"0.00", b"BOOK", b"DBIT"]
                )
                data[start + 1 : end] = value
    return bytes(data)


def case(rng: random.Random, kids: list[str]) -> bytes:
    data = valid_ocr(rng, kids) if rng.random() < 0.5 else valid_camt(rng, kids)
    return data if rng.random() < 0.4 else mutate(rng, data)


KIDS = ["0000010000008", "0000020000006", "0000030000004"]


def test_the_parsers_refuse_clearly_and_add_up_what_they_accept():
    rng = random.Random(SEED)
    accepted = refused = 0
    for number in range(PARSE_CASES):
        data = case(rng, KIDS)
        try:
            parsed = parse_bank_file(data)
        except CLEAR_ERRORS as error:
            assert str(error), number
            refused += 1
            continue
        except Exception as error:  # pragma: no cover - the failure this test looks for
            pytest.fail(f"case {number}: {type(error).__name__}: {error}\n{data[:2000]!r}")
        accepted += 1
        amounts = [t.amount_ore for t in parsed.transactions]
        assert sum(amounts) == parsed.total_ore, number
        assert all(0 < abs(a) <= MAX_AMOUNT_ORE for a in amounts), number
        identities = [t.identity for t in parsed.transactions]
        assert len(set(identities)) == len(identities), number
    # Both outcomes must be well represented, or the cases test little.
    assert accepted > PARSE_CASES // 5 and refused > PARSE_CASES // 5, (accepted, refused)


def test_imports_book_a_whole_file_or_nothing(make_invoice, finance):
    kids = [make_invoice(total).kid for total in (100_000, 250_000, 40_000)]
    rng = random.Random(SEED + 1)
    outcomes = {"booked": 0, "refused": 0}
    for number in range(IMPORT_CASES):
        data = case(rng, kids)
        try:
            record = payments_import(actor=finance, data=data, file_name=f"{number}.dat")
        except PaymentImportRefused as refusal:
            outcomes["refused"] += 1
            refused = PaymentImport.objects.get(pk=refusal.payment_import.pk)
            # Nothing of a refused import is booked (an earlier import of the same file may be).
            if refused.status == ImportStatus.REFUSED:
                assert not Payment.objects.filter(source_import=refused).exists(), number
            continue
        except Exception as error:  # pragma: no cover - the failure this test looks for
            pytest.fail(f"case {number}: {type(error).__name__}: {error}\n{data[:2000]!r}")
        outcomes["booked"] += 1
        summary = record.summary
        rows = Payment.objects.filter(source_import=record).aggregate(
            s=Sum("amount_ore", default=0), n=Count("pk")
        )
        assert rows["s"] == kroner_to_ore(summary["booked_total"]), number
        assert (
            summary["booked"] + summary["duplicates"] + summary["skipped"]
            == (summary["transactions"])
        ), number
        parsed = parse_bank_file(data)
        assert kroner_to_ore(summary["total"]) == parsed.total_ore, number
        # No payment lost: every transaction of the file is booked, by this import or (a true
        # duplicate) an earlier one, under its own key.
        keys = [source_key(t.identity) for t in parsed.transactions]
        assert Payment.objects.filter(source_key__in=keys).count() == len(keys), number
        assert rows["n"] >= summary["booked"], number
    assert outcomes["booked"] > IMPORT_CASES // 5 < outcomes["refused"], outcomes
    # Every booked import holds exactly its rows; no transaction is booked twice (the keys are
    # unique in the database, and every keyed row belongs to a booked import).
    booked = PaymentImport.objects.filter(status=ImportStatus.BOOKED)
    total = sum(kroner_to_ore(r.summary["booked_total"]) for r in booked)
    assert Payment.objects.aggregate(s=Sum("amount_ore"))["s"] == total
    assert not Payment.objects.exclude(source_import__status=ImportStatus.BOOKED).exists()
