"""Importing bank files of incoming payments: Nets OCR giro and camt.054.

`payments_import` runs in steps, each committed on its own, so that what happened can always be
inspected afterwards:

1. The file and its SHA-256 are stored in a `PaymentImport` row (status "running") in its own
   transaction. The unique hash lets only one import of the same file proceed, also when two
   start at the same moment; the other is refused ("This file was imported on ...").
2. The file is parsed whole. A parser error refuses the import (status "refused", the error with
   its line number); nothing is booked and the file stays for inspection. The same transmission
   (OCR transmission number, camt message id) in another file is refused too.
3. All transactions are booked in ONE transaction: transactions whose bank identity
   (`Payment.source_key`) is already booked count as duplicates; the rest are matched to
   invoices by KID (`kunde.payments.matching`) and written with bulk inserts, with one activity
   entry per customer. The rows written are then summed in the database: unless they equal the
   file's total less the duplicates booked before, everything is rolled back and the import is
   refused. The row becomes "booked" with its summary in the same transaction.

Progress: `progress(done, total)` is called after parsing (0, total), while matching (up to
total / 2) and writing the rows (on to total), every 1,000 transactions or rows, and at the end
(total, total); `total` counts the file's transactions. The row's `total` is saved after
parsing; its `progress` jumps to `total` when the booking commits (the booking transaction
holds SQLite's write lock, and its changes are invisible to others until it commits). A
background import stores the reports where every process can read them
(`kunde.payments.progress`).

A refused import may be retried with the same file (the row is taken over): a parser error
comes back the same, but a refusal caused by a concurrent import of the same transactions does
not. An import left "running" by a killed process is taken over after `STALE_AFTER`.
"""

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.lib.camt054 import Camt054Error, kid_candidates, parse_camt054
from kunde.lib.money import format_money, ore_to_kroner
from kunde.lib.ocr_giro import OcrGiroError, parse_ocr_giro
from kunde.payments.matching import (
    Incoming,
    chunked,
    import_summary_text,
    log_payments_per_customer,
    payments_book,
    payments_match,
)
from kunde.payments.models import (
    ImportFormat,
    ImportStatus,
    Payment,
    PaymentImport,
    PaymentMethod,
    source_key,
    transaction_identity,
)

STALE_AFTER = timedelta(minutes=30)
PROGRESS_EVERY = 1000

Progress = Callable[[int, int], None] | None


class PaymentImportRefused(ValidationError):
    """The file was not booked. `payment_import` is the row that records it: the refused
    import, or for a file imported before, that earlier import."""

    def __init__(self, message: str, *, payment_import: PaymentImport | None):
        super().__init__(message, code="refused")
        self.payment_import = payment_import


@dataclass
class ParsedFile:
    """A bank file normalised for booking."""

    format: str
    reference: str  # "ocr:<transmission number>" or "camt:<message id>"
    transactions: list[Incoming]
    total_ore: int  # signed sum of the transactions to book
    skipped: int = 0  # transactions not to book (camt status other than BOOK, amount 0)
    errors: list[str] = field(default_factory=list)


class BankFileError(ValueError):
    """A file the parsers read but that cannot be booked as it is: a value longer than its
    column, or one transaction twice in the file."""


class TotalsMismatch(Exception):
    """The rows written for an import do not add up to its file: the booking is rolled back."""


def detect_format(data: bytes) -> str:
    """camt.054 when the content starts with "<" (after a BOM and white space), else OCR."""
    head = bytes(data[:1024]).removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    return ImportFormat.CAMT054 if head.startswith(b"<") else ImportFormat.OCR


def payments_import(
    *, actor, data: bytes, file_name: str, progress: Progress = None
) -> PaymentImport:
    """Import one OCR giro or camt.054 file (see the module's description). Returns the booked
    `PaymentImport`, whose `summary` is:

        {"import": id, "format": "ocr"|"camt054", "transactions": N, "total": "123.45",
         "matched": N, "partial": N, "over": N, "reversals": N, "unmatched": N,
         "duplicates": N, "skipped": N, "booked": N, "booked_total": "100.00", "errors": [...]}

    `transactions` counts every transaction in the file; `booked` + `duplicates` + `skipped`
    add up to it, and `matched` (exact KID) + `partial` + `over` + `reversals` + `unmatched`
    to `booked`: a transaction spread over several invoices (several KIDs, or a customer's
    KID) counts once, as `over` when credit is left, `partial` when the money ran out, else
    `matched`, however many payment rows it made. `total` is the signed sum of the file's
    transactions to book (amounts as decimal strings in kroner), `booked_total` of those
    booked. `errors` lists what was not booked and why, without refusing the file.

    Raises `PaymentImportRefused` (a ValidationError) when nothing was booked: the same file or
    transmission imported before, or a file the parser refuses (the message has the line).
    """
    data = bytes(data)
    record = payment_import_claim(actor=actor, data=data, file_name=file_name)
    return payment_import_run(record=record, actor=actor, data=data, progress=progress)


def payment_import_claim(*, actor, data: bytes, file_name: str) -> PaymentImport:
    """Step 1 alone: store the file in its row (status "running"), or refuse a file that is
    booked or being imported. A worker then books it with `payment_import_run`."""
    data = bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    return _claim(
        actor=actor, data=data, file_name=file_name, digest=digest, fmt=detect_format(data)
    )


def payment_import_run(
    *, record: PaymentImport, actor, data: bytes, progress: Progress = None
) -> PaymentImport:
    """Steps 2 and 3 for a claimed import: parse and book, all or nothing."""
    try:
        return _run(record, actor=actor, data=data, progress=progress)
    except PaymentImportRefused:
        raise
    except Exception as exc:
        _refuse(
            record, _("The import stopped with an unexpected error: %(error)s") % {"error": exc}
        )
        raise


# Step 1: store the file -----------------------------------------------------------------------


def _claim(*, actor, data: bytes, file_name: str, digest: str, fmt: str) -> PaymentImport:
    """The row this import works on: a new one with the stored file, or a refused (or stale)
    earlier import of the same file taken over. Refuses when the file is booked or being
    imported right now."""
    name = os.path.basename(file_name or "") or "payments"
    earlier = PaymentImport.objects.filter(sha256=digest).first()
    if earlier is None:
        record = PaymentImport(
            format=fmt, file_name=name[:255], sha256=digest, created_by=actor, total=0
        )
        record.file.save(name, ContentFile(data), save=False)
        try:
            with transaction.atomic():
                record.save()
            return record
        except IntegrityError:
            # Another import of the same file stored it a moment ago.
            record.file.delete(save=False)
            earlier = PaymentImport.objects.get(sha256=digest)
    stale = Q(status=ImportStatus.RUNNING, created_at__lt=timezone.now() - STALE_AFTER)
    taken = (
        PaymentImport.objects.filter(pk=earlier.pk)
        .filter(Q(status=ImportStatus.REFUSED) | stale)
        .update(
            status=ImportStatus.RUNNING,
            error="",
            reference=None,
            summary={},
            progress=0,
            created_by=actor,
            finished_at=None,
        )
    )
    if taken:
        earlier.refresh_from_db()
        return earlier
    raise PaymentImportRefused(_duplicate_file_message(earlier), payment_import=earlier)


def _when(record: PaymentImport) -> str:
    return timezone.localtime(record.created_at).strftime("%d.%m.%Y %H:%M")


def _duplicate_file_message(earlier: PaymentImport) -> str:
    if earlier.status == ImportStatus.RUNNING:
        return _(
            "This file is being imported right now (import %(id)s, started %(when)s); "
            "nothing booked."
        ) % {"id": earlier.pk, "when": _when(earlier)}
    return _("This file was imported on %(when)s (import %(id)s); nothing booked.") % {
        "when": _when(earlier),
        "id": earlier.pk,
    }


def _refuse(record: PaymentImport, message: str) -> None:
    PaymentImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.REFUSED, error=message, reference=None, finished_at=timezone.now()
    )
    record.status, record.error, record.reference = ImportStatus.REFUSED, message, None


def _refused(record: PaymentImport, message: str) -> PaymentImportRefused:
    _refuse(record, message)
    return PaymentImportRefused(message, payment_import=record)


# Steps 2 and 3: parse and book ----------------------------------------------------------------


def _run(record: PaymentImport, *, actor, data: bytes, progress: Progress) -> PaymentImport:
    try:
        parsed = parse_bank_file(data)
    except (OcrGiroError, Camt054Error, BankFileError) as exc:
        raise _refused(record, _("%(error)s Nothing booked.") % {"error": exc}) from exc
    count = len(parsed.transactions) + parsed.skipped
    record.format, record.total = parsed.format, count
    PaymentImport.objects.filter(pk=record.pk).update(format=parsed.format, total=count)
    if progress:
        progress(0, count)
    earlier = PaymentImport.objects.filter(reference=parsed.reference).exclude(pk=record.pk).first()
    if earlier is not None:
        raise _refused(record, _same_transmission_message(parsed, earlier))
    try:
        with transaction.atomic():
            _book(record, parsed, actor=actor, progress=progress)
    except TotalsMismatch as exc:
        raise _refused(record, str(exc)) from exc
    except IntegrityError as exc:
        earlier = (
            PaymentImport.objects.filter(reference=parsed.reference).exclude(pk=record.pk).first()
        )
        if earlier is not None:
            raise _refused(record, _same_transmission_message(parsed, earlier)) from exc
        raise _refused(
            record,
            _(
                "Another import booked some of these transactions at the same moment; nothing "
                "booked. Import the file again to book the rest."
            ),
        ) from exc
    record.refresh_from_db()
    if progress:
        progress(count, count)
    return record


def _same_transmission_message(parsed: ParsedFile, earlier: PaymentImport) -> str:
    what = (
        _("This OCR transmission (number %(number)s)")
        if parsed.format == ImportFormat.OCR
        else _("This camt.054 message (id %(number)s)")
    ) % {"number": parsed.reference.split(":", 1)[1]}
    return _(
        "%(what)s was imported on %(when)s from another file (import %(id)s); nothing booked."
    ) % {"what": what, "when": _when(earlier), "id": earlier.pk}


def _book(record: PaymentImport, parsed: ParsedFile, *, actor, progress: Progress) -> dict:
    """Book the parsed transactions; runs inside the booking transaction."""
    # The reference is unique: a second file with this transmission waits here, then fails.
    PaymentImport.objects.filter(pk=record.pk).update(reference=parsed.reference)
    keys = [source_key(t.identity) for t in parsed.transactions]
    booked_keys = _booked_keys(keys)
    fresh = [t for t, key in zip(parsed.transactions, keys, strict=True) if key not in booked_keys]
    duplicates = len(parsed.transactions) - len(fresh)
    duplicates_ore = parsed.total_ore - sum(t.amount_ore for t in fresh)
    matching, writing = _progress_halves(progress, len(parsed.transactions) + parsed.skipped)
    result = payments_match(fresh, actor=actor, source_import=record, progress=matching)
    written = payments_book(result, progress=writing)
    _check_totals(record, parsed, written, duplicates_ore)
    log_payments_per_customer(
        written, actor=actor, action="payment.imported", params=import_summary_text(record)
    )
    summary = {
        "import": record.pk,
        "format": str(parsed.format),
        "transactions": len(parsed.transactions) + parsed.skipped,
        "total": str(ore_to_kroner(parsed.total_ore)),
        "matched": result.matched,
        "partial": result.partial,
        "over": result.over,
        "reversals": result.reversals,
        "unmatched": result.unmatched,
        "duplicates": duplicates,
        "skipped": parsed.skipped,
        "booked": len(fresh),
        "booked_total": str(ore_to_kroner(sum(t.amount_ore for t in fresh))),
        "errors": parsed.errors,
    }
    PaymentImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.BOOKED,
        summary=summary,
        progress=summary["transactions"],
        finished_at=timezone.now(),
    )
    return summary


def _progress_halves(progress: Progress, count: int) -> tuple[Progress, Progress]:
    """Callbacks for matching and for writing the rows, each reporting (done, of its own
    total), that move `progress` over the first and the second half of `count`: the two take
    about as long (100,000 OCR transactions: ~0.9 s and ~1 s on SQLite)."""
    if progress is None:
        return None, None
    half = count // 2

    def matching(done: int, total: int) -> None:
        progress(done * half // max(total, 1), count)

    def writing(done: int, total: int) -> None:
        progress(half + done * (count - half) // max(total, 1), count)

    return matching, writing


def _check_totals(
    record: PaymentImport,
    parsed: ParsedFile,
    written: list,
    duplicates_ore: int,
) -> None:
    """Refuse (roll back) a booking whose rows do not add up to the file: what the rows of this
    import hold, read back from the database, plus the duplicates booked before must be the
    file's total, and every fresh transaction must have its row. Money is never "booked" with
    a part of it missing."""
    in_rows = sum(row.amount_ore for row in written)
    stored = Payment.objects.filter(source_import=record).aggregate(
        s=Sum("amount_ore", default=0), n=Count("pk")
    )
    expected = parsed.total_ore - duplicates_ore
    if stored["s"] == in_rows == expected and stored["n"] == len(written):
        return
    raise TotalsMismatch(
        _(
            "The booked payments add up to %(booked)s, but the file's transactions not booked "
            "before add up to %(expected)s; nothing booked."
        )
        % {"booked": format_money(stored["s"]), "expected": format_money(expected)}
    )


def _booked_keys(keys: list[str]) -> set[str]:
    """The ones among `keys` booked before: one indexed query per chunk."""
    booked: set[str] = set()
    for chunk in chunked(keys):
        booked.update(
            Payment.objects.filter(source_key__in=chunk).values_list("source_key", flat=True)
        )
    return booked


# Reading the files ----------------------------------------------------------------------------


def parse_bank_file(data: bytes) -> ParsedFile:
    """The file's transactions, normalised. Raises OcrGiroError or Camt054Error."""
    if detect_format(data) == ImportFormat.CAMT054:
        return _from_camt(data)
    return _from_ocr(data)


def _from_ocr(data: bytes) -> ParsedFile:
    transmission = parse_ocr_giro(data)
    number = transmission.transmission_number
    parsed = ParsedFile(
        format=ImportFormat.OCR, reference=f"ocr:{number}", transactions=[], total_ore=0
    )
    append = parsed.transactions.append
    method = PaymentMethod.OCR.value
    total = 0
    for assignment in transmission.assignments:
        # transaction_identity("ocr", ...) written out: the parts are digits, nothing to escape,
        # and this runs 100,000 times for a large file.
        prefix = f"ocr:{number}:{assignment.assignment_number}:"
        for tx in assignment.transactions:
            amount = tx.amount_ore
            if amount == 0:
                parsed.skipped += 1
                parsed.errors.append(
                    _("Transaction %(number)s has the amount 0; not booked.")
                    % {"number": tx.transaction_number}
                )
                continue
            total += amount
            # Positional, for the same reason.
            append(
                Incoming(
                    amount,
                    tx.nets_date,
                    (tx.kid,) if tx.kid else (),
                    "",
                    tx.debit_account or "",
                    tx.free_text or "",
                    f"{prefix}{tx.transaction_number}",
                    method,
                    "NOK",
                )
            )
    parsed.total_ore = total
    return parsed


def _from_camt(data: bytes) -> ParsedFile:
    document = parse_camt054(data)
    _check_length(_("The message id (GrpHdr/MsgId)"), document.message_id, "reference", 5)
    parsed = ParsedFile(
        format=ImportFormat.CAMT054,
        reference=f"camt:{document.message_id}",
        transactions=[],
        total_ore=0,
    )
    entry_keys: dict[str, str] = {}  # entry key -> where it was first seen
    for notification in document.notifications:
        for skipped in notification.skipped:
            parsed.skipped += len(skipped.entry.transactions)
            parsed.errors.append(
                _("Entry %(ref)s not booked: %(reason)s")
                % {"ref": _entry_label(skipped.entry), "reason": skipped.reason}
            )
        for index, entry in enumerate(notification.entries, start=1):
            entry_key = (
                entry.account_servicer_reference
                or entry.entry_reference
                or f"{document.message_id}/{notification.id}/{index}"
            )
            where = _("Entry %(ref)s") % {"ref": _entry_label(entry)}
            if entry_key in entry_keys:
                # One booking twice in one message: the file contradicts itself, and booking
                # one of the two would leave the rest of the file's total unbooked.
                raise BankFileError(
                    _(
                        "%(where)s: the bank reference %(ref)s is used by two entries in this "
                        "file (notification %(first)s and %(second)s)."
                    )
                    % {
                        "where": where,
                        "ref": entry_key,
                        "first": entry_keys[entry_key],
                        "second": notification.id,
                    }
                )
            entry_keys[entry_key] = notification.id
            _add_entry(parsed, entry, entry_key, where)
    return parsed


def _add_entry(parsed: ParsedFile, entry, entry_key: str, where: str) -> None:
    used: set[str] = set()
    for tx_index, tx in enumerate(entry.transactions, start=1):
        end_to_end = tx.end_to_end_id if tx.end_to_end_id != "NOTPROVIDED" else None
        reference = tx.account_servicer_reference or end_to_end or str(tx_index)
        if reference in used:  # two payments with the same reference in one entry
            reference = str(tx_index)
            while reference in used:
                reference += "#"
        used.add(reference)
        here = _("%(where)s, transaction %(number)s") % {"where": where, "number": tx_index}
        payer_name = _check_length(
            _("%(where)s: the payer's name") % {"where": here}, tx.debtor_name, "payer_name"
        )
        payer_account = _check_length(
            _("%(where)s: the payer's account") % {"where": here},
            tx.debtor_account,
            "payer_account",
        )
        parsed.total_ore += tx.amount_ore
        parsed.transactions.append(
            Incoming(
                amount_ore=tx.amount_ore,
                date=entry.booking_date,
                kid_candidates=tuple(kid_candidates(tx)),
                payer_name=payer_name,
                payer_account=payer_account,
                text=_camt_text(tx, entry),
                identity=transaction_identity("camt", entry_key, reference),
                method=PaymentMethod.CAMT.value,
                currency=tx.currency,  # three capital letters, checked by the reader
            )
        )


def _check_length(what: str, value: str | None, column: str, extra: int = 0) -> str:
    """`value` ("" for None), refused when it is longer than its column (less `extra`
    characters the column also holds): never cut short without a word."""
    value = value or ""
    model = PaymentImport if column == "reference" else Payment
    limit = model._meta.get_field(column).max_length - extra
    if len(value) > limit:
        raise BankFileError(
            _("%(what)s has %(length)s characters; at most %(limit)s are allowed.")
            % {"what": what, "length": len(value), "limit": limit}
        )
    return value


def _entry_label(entry) -> str:
    return entry.account_servicer_reference or entry.entry_reference or str(entry.amount)


def _camt_text(tx, entry) -> str:
    """The payment's free text for a person to read. Not an identity: when the bank's texts
    together are longer than the column, the end is cut and marked with "…"."""
    parts = list(tx.remittance_texts)
    kids = set(kid_candidates(tx))
    parts += [ref.ref for ref in tx.creditor_references if ref.ref not in kids]
    if not parts and entry.additional_info:
        parts.append(entry.additional_info)
    text = " / ".join(parts)
    limit = Payment._meta.get_field("text").max_length
    return text if len(text) <= limit else text[: limit - 1] + "…"
