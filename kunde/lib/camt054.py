"""camt.054 (BankToCustomerDebitCreditNotification): a safe reader.

Reads versions 001.02, 001.04 and 001.08 into frozen dataclasses: amounts as Decimal and as signed
øre, one transaction per underlying payment (NtryDtls/TxDtls), creditor references and free text
for the matcher. Pure functions, no Django. The writer (for tests, fixtures and the benchmark)
is `kunde.lib.camt054_writer`.

The XML is untrusted. A document with a DOCTYPE is refused before anything is parsed, and the
parser neither loads DTDs, resolves entities nor uses the network. Every problem with the input
raises Camt054Error with a message a person can act on; a document whose batches do not add up is
refused whole, because booking part of a settlement would leave the ledger out of step with the
bank.
"""

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from kunde.lib.money import MAX_AMOUNT_ORE

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
VERSIONS = ("001.02", "001.04", "001.08")
BOOKED = "BOOK"
CREDIT = "CRDT"
DEBIT = "DBIT"

_KNOWN_MESSAGES = {
    "camt.052": gettext_lazy("a bank-to-customer account report"),
    "camt.053": gettext_lazy("a bank-to-customer statement"),
    "pain.001": gettext_lazy("a customer credit transfer initiation"),
    "pain.002": gettext_lazy("a payment status report"),
    "pain.008": gettext_lazy("a customer direct debit initiation"),
}
_STATUS_MEANING = {
    "PDNG": gettext_lazy("pending: the bank may still change or cancel it"),
    "INFO": gettext_lazy("for information only, not booked on the account"),
}
_DOCTYPE_MARKERS = tuple("<!DOCTYPE".encode(codec) for codec in ("ascii", "utf-16-le", "utf-16-be"))
_DOCTYPE_REFUSED = gettext_lazy(
    "The file contains a DOCTYPE declaration; camt.054 files have none, and files with one are "
    "refused for safety (entity expansion, external entities)."
)
_XML_SPACE = " \t\r\n"
_AMOUNT = re.compile(r"[0-9]{1,18}(\.[0-9]{1,5})?")
_SUM = re.compile(r"[0-9]{1,18}(\.[0-9]{1,17})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?")
_DATETIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)
_KID = re.compile(r"[0-9]{1,24}[0-9-]")
_CENT = Decimal("0.01")


class Camt054Error(ValueError):
    """A file that is not a camt.054 notification this module can read, or one that contradicts
    itself."""


class CreditorReference(NamedTuple):
    """One RmtInf/Strd/CdtrRefInf: the type code ("SCOR", a proprietary text, or None) and Ref."""

    type: str | None
    ref: str


@dataclass(frozen=True)
class Camt054Transaction:
    """One underlying payment (TxDtls), or the whole entry when the bank sent no details."""

    amount: Decimal  # positive; the direction is credit_debit
    currency: str
    credit_debit: str  # CRDT or DBIT
    end_to_end_id: str | None = None
    account_servicer_reference: str | None = None
    transaction_id: str | None = None
    instruction_id: str | None = None
    uetr: str | None = None  # 001.08 only
    debtor_name: str | None = None
    debtor_account: str | None = None  # IBAN, or the other account id (e.g. a BBAN)
    creditor_references: tuple[CreditorReference, ...] = ()
    remittance_texts: tuple[str, ...] = ()  # Ustrd

    @property
    def amount_ore(self) -> int:
        """The amount in øre, negative for a debit."""
        return _signed_ore(self.amount, self.credit_debit)


@dataclass(frozen=True)
class Camt054Entry:
    """One booking on the account (Ntry)."""

    amount: Decimal  # positive; the direction is credit_debit
    currency: str
    credit_debit: str  # CRDT or DBIT
    status: str  # BOOK, PDNG, INFO or a proprietary status
    transactions: tuple[Camt054Transaction, ...]
    reversal: bool = False  # RvslInd: a returned payment is a DBIT with this set
    booking_date: date | None = None
    value_date: date | None = None
    account_servicer_reference: str | None = None  # the bank's reference for the entry
    entry_reference: str | None = None  # NtryRef
    bank_transaction_code: str | None = None  # "PMNT/RCDT/ESCT" (Domn) or the Prtry code
    additional_info: str | None = None  # AddtlNtryInf

    @property
    def amount_ore(self) -> int:
        """The amount in øre, negative for a debit."""
        return _signed_ore(self.amount, self.credit_debit)


@dataclass(frozen=True)
class SkippedEntry:
    """An entry read but not to be booked, and why."""

    entry: Camt054Entry
    reason: str


@dataclass(frozen=True)
class Camt054AccountNotification:
    """One Ntfctn: the entries on one account. `entries` holds only those to book."""

    id: str
    account_iban: str | None
    account_other_id: str | None
    currency: str | None  # Acct/Ccy, when given
    created_at: datetime | None = None
    entries: tuple[Camt054Entry, ...] = ()
    skipped: tuple[SkippedEntry, ...] = ()


@dataclass(frozen=True)
class Camt054Notification:
    """A whole camt.054 document."""

    message_id: str  # GrpHdr/MsgId: the key for "this file was imported before"
    created_at: datetime
    version: str  # "001.02", "001.04" or "001.08"
    notifications: tuple[Camt054AccountNotification, ...]


def skip_reason(entry: Camt054Entry) -> str | None:
    """Why `entry` must not be booked, or None when it may be."""
    if entry.status != BOOKED:
        meaning = _STATUS_MEANING.get(entry.status, _("not booked"))
        return _("Status %(status)s (%(meaning)s); only booked (BOOK) entries are booked.") % {
            "status": entry.status,
            "meaning": meaning,
        }
    if entry.booking_date is None:
        return _("Booked (BOOK) but without a booking date (BookgDt).")
    return None


def kid_candidates(transaction: Camt054Transaction) -> list[str]:
    """The transaction's structured creditor references that look like KIDs.

    A KID is 2-25 digits, the last of which may be "-", sent with type SCOR or with no type. RF
    references (ISO 11649) and foreign types (Swiss QRR, "ISR Reference") never qualify. Whether
    the check digit and the length fit the company's KID rule is for the matcher to decide.
    """
    candidates: list[str] = []
    for reference in transaction.creditor_references:
        if reference.type not in (None, "SCOR") or not _KID.fullmatch(reference.ref):
            continue
        if reference.ref not in candidates:
            candidates.append(reference.ref)
    return candidates


# Reading


def parse_camt054(data: bytes) -> Camt054Notification:
    """Read a camt.054 document. Raises Camt054Error, and nothing else, for any bad input."""
    root = _parse_xml(data)
    namespace, version = _identify(root)
    return _Reader(namespace, version).document(root)


def _parse_xml(data: bytes) -> etree._Element:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise Camt054Error(
            _("Expected the file's bytes, not %(type)s.") % {"type": type(data).__name__}
        )
    data = bytes(data)
    if not data.strip():
        raise Camt054Error(_("The file is empty."))
    if any(marker in data for marker in _DOCTYPE_MARKERS):
        raise Camt054Error(str(_DOCTYPE_REFUSED))
    if data.startswith(b"NY00"):
        raise Camt054Error(_("This looks like a Nets OCR giro file, not a camt.054 XML document."))
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError, LookupError) as error:
        raise Camt054Error(
            _("The file is not well-formed XML: %(error)s") % {"error": error}
        ) from None
    docinfo = root.getroottree().docinfo
    # The byte check above misses a DOCTYPE in rarer encodings (UTF-32); this catches it after a
    # parse that resolved nothing.
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise Camt054Error(str(_DOCTYPE_REFUSED))
    return root


def _identify(root: etree._Element) -> tuple[str, str]:
    name = etree.QName(root)
    namespace, local = name.namespace or "", name.localname
    if not namespace.startswith(NAMESPACE_PREFIX):
        where = (
            _("namespace %(namespace)r") % {"namespace": namespace[:100]}
            if namespace
            else _("no namespace")
        )
        raise Camt054Error(
            _("This is not an ISO 20022 document: its root element is <%(root)s> in %(where)s.")
            % {"root": local[:50], "where": where}
        )
    message = namespace[len(NAMESPACE_PREFIX) :][:50]
    if not message.startswith("camt.054."):
        known = _KNOWN_MESSAGES.get(message[:8])
        what = f"{message} ({known})" if known else message
        raise Camt054Error(
            _("This document is %(what)s, not a camt.054 debit/credit notification.")
            % {"what": what}
        )
    version = message[len("camt.054.") :]
    if version not in VERSIONS:
        raise Camt054Error(
            _("camt.054 version %(version)s is not supported; the supported versions are %(all)s.")
            % {"version": version, "all": ", ".join(VERSIONS)}
        )
    if local != "Document":
        raise Camt054Error(
            _("The root element is <%(root)s>, not <Document>.") % {"root": local[:50]}
        )
    return namespace, version


class _Reader:
    """Walks one document. Elements are looked up in the document's own namespace."""

    def __init__(self, namespace: str, version: str):
        self.ns = namespace
        self.version = version

    def find(self, element: etree._Element, *names: str) -> etree._Element | None:
        return element.find("/".join(f"{{{self.ns}}}{name}" for name in names))

    def findall(self, element: etree._Element, name: str) -> list[etree._Element]:
        return element.findall(f"{{{self.ns}}}{name}")

    def text(self, element: etree._Element, *names: str) -> str | None:
        found = self.find(element, *names) if names else element
        if found is None:
            return None
        return (found.text or "").strip(_XML_SPACE) or None

    def required(self, element: etree._Element, where: str, *names: str) -> str:
        value = self.text(element, *names)
        if value is None:
            raise Camt054Error(
                _("%(where)s has no %(element)s.") % {"where": where, "element": "/".join(names)}
            )
        return value

    def document(self, root: etree._Element) -> Camt054Notification:
        body = self.find(root, "BkToCstmrDbtCdtNtfctn")
        if body is None:
            raise Camt054Error(_("The document has no BkToCstmrDbtCdtNtfctn element."))
        header = self.find(body, "GrpHdr")
        if header is None:
            raise Camt054Error(_("The document has no group header (GrpHdr)."))
        message_id = self.required(header, _("The group header"), "MsgId")
        created = self.required(header, _("The group header"), "CreDtTm")
        created_at = _datetime(created, _("The group header's CreDtTm"))
        notifications = tuple(self.notification(n) for n in self.findall(body, "Ntfctn"))
        if not notifications:
            raise Camt054Error(_("The document contains no notification (Ntfctn)."))
        self.check_header(header, notifications)
        return Camt054Notification(message_id, created_at, self.version, notifications)

    def notification(self, element: etree._Element) -> Camt054AccountNotification:
        notification_id = self.required(element, _("A notification"), "Id")
        where = _("Notification %(id)s") % {"id": notification_id}
        created = self.text(element, "CreDtTm")
        account = self.find(element, "Acct")
        if account is None:
            raise Camt054Error(_("%(where)s has no account (Acct).") % {"where": where})
        iban = self.text(account, "Id", "IBAN")
        other_id = self.text(account, "Id", "Othr", "Id")
        if iban is None and other_id is None:
            raise Camt054Error(
                _("%(where)s has no account number (Acct/Id/IBAN or Acct/Id/Othr/Id).")
                % {"where": where}
            )
        currency = self.text(account, "Ccy")
        if currency is not None and not _CURRENCY.fullmatch(currency):
            raise Camt054Error(
                _("%(where)s: the account currency %(currency)r is not valid.")
                % {"where": where, "currency": currency[:20]}
            )
        entries: list[Camt054Entry] = []
        skipped: list[SkippedEntry] = []
        for number, entry_element in enumerate(self.findall(element, "Ntry"), start=1):
            position = _("number %(number)s in notification %(id)s") % {
                "number": number,
                "id": notification_id,
            }
            entry = self.entry(entry_element, position)
            reason = skip_reason(entry)
            if reason is None:
                entries.append(entry)
            else:
                skipped.append(SkippedEntry(entry, reason))
        self.check_summary(element, entries + [s.entry for s in skipped], where)
        return Camt054AccountNotification(
            id=notification_id,
            account_iban=iban,
            account_other_id=other_id,
            currency=currency,
            created_at=_datetime(created, f"{where}: CreDtTm") if created else None,
            entries=tuple(entries),
            skipped=tuple(skipped),
        )

    def check_summary(self, element: etree._Element, entries: list, where: str) -> None:
        """A notification's TxsSummry, where the bank sent one, must agree with its entries
        (all of them, booked or not): counts and sums of all, of the credits and of the
        debits, and the net amount."""
        summary = self.find(element, "TxsSummry")
        if summary is None:
            return
        credits = [e.amount for e in entries if e.credit_debit == CREDIT]
        debits = [e.amount for e in entries if e.credit_debit == DEBIT]
        for name, amounts in (
            ("TtlNtries", credits + debits),
            ("TtlCdtNtries", credits),
            ("TtlDbtNtries", debits),
        ):
            block = self.find(summary, name)
            if block is None:
                continue
            label = f"{where}: TxsSummry/{name}"
            self.check_count(self.text(block, "NbOfNtries"), len(amounts), label)
            self.check_sum(self.text(block, "Sum"), sum(amounts, Decimal(0)), label)
        totals = self.find(summary, "TtlNtries")
        if totals is None:
            return
        # 001.04 and later: TtlNetNtry/Amt and /CdtDbtInd; 001.02: TtlNetNtryAmt and CdtDbtInd.
        net = self.find(totals, "TtlNetNtry")
        amount = self.text(net, "Amt") if net is not None else self.text(totals, "TtlNetNtryAmt")
        if amount is None:
            return
        label = f"{where}: TxsSummry/TtlNtries/TtlNetNtry"
        stated = _decimal(amount, label)
        sign = self.text(net, "CdtDbtInd") if net is not None else self.text(totals, "CdtDbtInd")
        if sign is not None and _credit_debit(sign, label) == DEBIT:
            stated = -stated
        actual = sum(credits, Decimal(0)) - sum(debits, Decimal(0))
        if stated != actual:
            raise Camt054Error(
                _(
                    "%(where)s says the net amount is %(stated)s, but the entries add up to "
                    "%(actual)s."
                )
                % {"where": label, "stated": stated, "actual": actual}
            )

    def check_count(self, text: str | None, actual: int, label: str) -> None:
        if text is None:
            return
        if not text.isascii() or not text.isdigit() or len(text) > 15:
            raise Camt054Error(
                _("%(where)s: the number %(text)r is not a number.")
                % {"where": label, "text": text[:20]}
            )
        if int(text) != actual:
            raise Camt054Error(
                _("%(where)s says %(stated)s, but %(actual)s are listed.")
                % {"where": label, "stated": int(text), "actual": actual}
            )

    def check_sum(self, text: str | None, actual: Decimal, label: str) -> None:
        if text is None:
            return
        stated = _decimal(text, label)
        if stated != actual:
            raise Camt054Error(
                _("%(where)s says the sum is %(stated)s, but the amounts add up to %(actual)s.")
                % {"where": label, "stated": stated, "actual": actual}
            )

    def check_header(self, header: etree._Element, notifications: tuple) -> None:
        """NbOfTxs and CtrlSum in the group header (not in the camt.054 schema, but some banks
        send them, as in pain.001): the number of transactions and the sum of their amounts."""
        amounts = [
            t.amount
            for n in notifications
            for e in (*n.entries, *(s.entry for s in n.skipped))
            for t in e.transactions
        ]
        label = _("The group header")
        self.check_count(self.text(header, "NbOfTxs"), len(amounts), label)
        self.check_sum(self.text(header, "CtrlSum"), sum(amounts, Decimal(0)), label)

    def entry(self, element: etree._Element, position: str) -> Camt054Entry:
        servicer_reference = self.text(element, "AcctSvcrRef")
        entry_reference = self.text(element, "NtryRef")
        where = _("Entry %(ref)s") % {"ref": servicer_reference or entry_reference or position}
        amount_element = self.find(element, "Amt")
        if amount_element is None:
            raise Camt054Error(_("%(where)s has no amount (Amt).") % {"where": where})
        amount, currency = _amount(amount_element, where)
        credit_debit = _credit_debit(self.text(element, "CdtDbtInd"), where)
        status = self.status(element)
        if status is None:
            raise Camt054Error(_("%(where)s has no status (Sts).") % {"where": where})
        entry = Camt054Entry(
            amount=amount,
            currency=currency,
            credit_debit=credit_debit,
            status=status,
            transactions=(),
            reversal=_boolean(self.text(element, "RvslInd"), where),
            booking_date=self.date_choice(element, "BookgDt", where),
            value_date=self.date_choice(element, "ValDt", where),
            account_servicer_reference=servicer_reference,
            entry_reference=entry_reference,
            bank_transaction_code=self.bank_transaction_code(element),
            additional_info=self.text(element, "AddtlNtryInf"),
        )
        return replace(entry, transactions=self.transactions(element, entry, where))

    def status(self, element: etree._Element) -> str | None:
        found = self.find(element, "Sts")
        if found is None:
            return None
        # 001.08 wraps the status in Cd (or Prtry); earlier versions hold the code as text.
        return self.text(found, "Cd") or self.text(found, "Prtry") or self.text(found)

    def date_choice(self, element: etree._Element, name: str, where: str) -> date | None:
        choice = self.find(element, name)
        if choice is None:
            return None
        day = self.text(choice, "Dt")
        if day is not None:
            match = _DATE.fullmatch(day)
            if match is None:
                raise Camt054Error(
                    _("%(where)s: %(element)s/Dt %(value)r is not a date.")
                    % {"where": where, "element": name, "value": day[:40]}
                )
            return _iso_date(match.group(1), f"{where}: {name}/Dt")
        moment = self.text(choice, "DtTm")
        if moment is not None:
            # The date as the bank wrote it, in the bank's offset: not converted to UTC.
            return _datetime(moment, f"{where}: {name}/DtTm").date()
        raise Camt054Error(
            _("%(where)s: %(element)s has neither Dt nor DtTm.") % {"where": where, "element": name}
        )

    def bank_transaction_code(self, element: etree._Element) -> str | None:
        code = self.find(element, "BkTxCd")
        if code is None:
            return None
        parts = [
            self.text(code, "Domn", "Cd"),
            self.text(code, "Domn", "Fmly", "Cd"),
            self.text(code, "Domn", "Fmly", "SubFmlyCd"),
        ]
        if all(parts):
            return "/".join(parts)
        return self.text(code, "Prtry", "Cd")

    def transactions(
        self, element: etree._Element, entry: Camt054Entry, where: str
    ) -> tuple[Camt054Transaction, ...]:
        blocks = self.findall(element, "NtryDtls")
        details = [(block, self.findall(block, "TxDtls")) for block in blocks]
        count = sum(len(tx_elements) for _block, tx_elements in details)
        if count == 0:
            # No details: the entry is one payment. A batch summary, if any, must match it.
            for block, _tx_elements in details:
                self.check_batch(block, [], entry, where)
            return (Camt054Transaction(entry.amount, entry.currency, entry.credit_debit),)
        transactions: list[Camt054Transaction] = []
        for block, tx_elements in details:
            block_transactions = []
            for tx_element in tx_elements:
                number = len(transactions) + len(block_transactions) + 1
                here = _("%(where)s, transaction %(number)s") % {"where": where, "number": number}
                block_transactions.append(self.transaction(tx_element, entry, here, count))
            self.check_batch(block, block_transactions, entry, where)
            transactions.extend(block_transactions)
        total = sum(t.amount_ore for t in transactions)
        if total != entry.amount_ore:
            params = {
                "where": where,
                "count": len(transactions),
                "total": _money(total, entry.currency),
                "entry": _money(entry.amount_ore, entry.currency),
            }
            if len(transactions) == 1:
                message = _(
                    "%(where)s: the transaction is %(total)s, but the entry amount is %(entry)s."
                )
            else:
                message = _(
                    "%(where)s: the %(count)s transactions add up to %(total)s, but the entry "
                    "amount is %(entry)s."
                )
            raise Camt054Error(message % params)
        return tuple(transactions)

    def check_batch(
        self,
        block: etree._Element,
        transactions: list[Camt054Transaction],
        entry: Camt054Entry,
        where: str,
    ) -> None:
        batch = self.find(block, "Btch")
        if batch is None:
            return
        count_text = self.text(batch, "NbOfTxs")
        if count_text is not None and transactions:
            if not count_text.isascii() or not count_text.isdigit() or len(count_text) > 15:
                raise Camt054Error(
                    _("%(where)s: Btch/NbOfTxs %(value)r is not a number.")
                    % {"where": where, "value": count_text[:20]}
                )
            if int(count_text) != len(transactions):
                raise Camt054Error(
                    _(
                        "%(where)s: the batch says %(stated)s transactions (Btch/NbOfTxs), but "
                        "%(actual)s are listed."
                    )
                    % {"where": where, "stated": int(count_text), "actual": len(transactions)}
                )
        total_element = self.find(batch, "TtlAmt")
        if total_element is None:
            return
        amount, currency = _amount(total_element, f"{where}: Btch/TtlAmt", limit=False)
        if currency != entry.currency:
            raise Camt054Error(
                _("%(where)s: the batch total is in %(currency)s, but the entry is in %(entry)s.")
                % {"where": where, "currency": currency, "entry": entry.currency}
            )
        sign = self.text(batch, "CdtDbtInd")
        stated = _signed_ore(amount, _credit_debit(sign, where) if sign else entry.credit_debit)
        if transactions:
            actual = sum(t.amount_ore for t in transactions)
            message = _(
                "%(where)s: the batch total (Btch/TtlAmt) is %(stated)s, but the transactions "
                "add up to %(actual)s."
            )
        else:
            actual = entry.amount_ore
            message = _(
                "%(where)s: the batch total (Btch/TtlAmt) is %(stated)s, but the entry amount is "
                "%(actual)s."
            )
        if stated != actual:
            raise Camt054Error(
                message
                % {
                    "where": where,
                    "stated": _money(stated, currency),
                    "actual": _money(actual, currency),
                }
            )

    def transaction(
        self, element: etree._Element, entry: Camt054Entry, where: str, count: int
    ) -> Camt054Transaction:
        amount_element = None
        if self.version != "001.02":
            amount_element = self.find(element, "Amt")
        if amount_element is None:
            amount_element = self.find(element, "AmtDtls", "TxAmt", "Amt")
        if amount_element is not None:
            amount, currency = _amount(amount_element, where)
        elif count == 1:
            amount, currency = entry.amount, entry.currency
        else:
            raise Camt054Error(
                _(
                    "%(where)s has no amount (Amt or AmtDtls/TxAmt/Amt), so the entry cannot be "
                    "split into its payments."
                )
                % {"where": where}
            )
        if currency != entry.currency:
            raise Camt054Error(
                _("%(where)s: the currency %(currency)s differs from the entry's %(entry)s.")
                % {"where": where, "currency": currency, "entry": entry.currency}
            )
        sign = self.text(element, "CdtDbtInd") if self.version != "001.02" else None
        parties = self.find(element, "RltdPties")
        debtor_name = debtor_account = None
        if parties is not None:
            # 001.08 puts the party under Pty; earlier versions name it directly.
            debtor_name = self.text(parties, "Dbtr", "Pty", "Nm")
            debtor_name = debtor_name or self.text(parties, "Dbtr", "Nm")
            debtor_account = self.text(parties, "DbtrAcct", "Id", "IBAN")
            debtor_account = debtor_account or self.text(parties, "DbtrAcct", "Id", "Othr", "Id")
        references: list[CreditorReference] = []
        texts: list[str] = []
        remittance = self.find(element, "RmtInf")
        if remittance is not None:
            texts = [t for t in map(self.text, self.findall(remittance, "Ustrd")) if t]
            for structured in self.findall(remittance, "Strd"):
                ref = self.text(structured, "CdtrRefInf", "Ref")
                if ref is not None:
                    kind = self.text(structured, "CdtrRefInf", "Tp", "CdOrPrtry", "Cd")
                    kind = kind or self.text(structured, "CdtrRefInf", "Tp", "CdOrPrtry", "Prtry")
                    references.append(CreditorReference(kind, ref))
        return Camt054Transaction(
            amount=amount,
            currency=currency,
            credit_debit=_credit_debit(sign, where) if sign else entry.credit_debit,
            end_to_end_id=self.text(element, "Refs", "EndToEndId"),
            account_servicer_reference=self.text(element, "Refs", "AcctSvcrRef"),
            transaction_id=self.text(element, "Refs", "TxId"),
            instruction_id=self.text(element, "Refs", "InstrId"),
            uetr=self.text(element, "Refs", "UETR"),
            debtor_name=debtor_name,
            debtor_account=debtor_account,
            creditor_references=tuple(references),
            remittance_texts=tuple(texts),
        )


def _amount(element: etree._Element, where: str, limit: bool = True) -> tuple[Decimal, str]:
    """A positive amount and its currency. With `limit`, an amount of a payment (an entry or a
    transaction), refused above MAX_AMOUNT_ORE; totals are only compared, never stored."""
    text = (element.text or "").strip(_XML_SPACE)
    if not _AMOUNT.fullmatch(text):
        raise Camt054Error(
            _("%(where)s: the amount %(value)r is not a positive decimal number.")
            % {"where": where, "value": text[:40]}
        )
    amount = Decimal(text)
    if amount == 0:
        raise Camt054Error(_("%(where)s: the amount is zero.") % {"where": where})
    if amount != amount.quantize(_CENT):
        raise Camt054Error(
            _("%(where)s: the amount %(value)s has more than 2 decimals.")
            % {"where": where, "value": text}
        )
    if limit and amount * 100 > MAX_AMOUNT_ORE:
        raise Camt054Error(
            _("%(where)s: the amount %(value)s is more than the largest amount accepted, %(max)s.")
            % {"where": where, "value": text, "max": _decimal_text(MAX_AMOUNT_ORE)}
        )
    currency = element.get("Ccy") or ""
    if not _CURRENCY.fullmatch(currency):
        raise Camt054Error(
            _("%(where)s: the amount has no valid currency (Ccy=%(currency)r).")
            % {"where": where, "currency": currency[:20]}
        )
    return amount, currency


def _decimal(text: str, where: str) -> Decimal:
    """A DecimalNumber of a summary (no currency, up to 17 decimals)."""
    if not _SUM.fullmatch(text):
        raise Camt054Error(
            _("%(where)s: %(value)r is not a positive decimal number.")
            % {"where": where, "value": text[:40]}
        )
    return Decimal(text)


def _credit_debit(value: str | None, where: str) -> str:
    if value not in (CREDIT, DEBIT):
        shown = _("nothing") if value is None else repr(value[:20])
        raise Camt054Error(
            _("%(where)s: CdtDbtInd must be CRDT or DBIT, not %(value)s.")
            % {"where": where, "value": shown}
        )
    return value


def _boolean(value: str | None, where: str) -> bool:
    if value is None or value in ("false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise Camt054Error(
        _("%(where)s: RvslInd must be true or false, not %(value)r.")
        % {"where": where, "value": value[:20]}
    )


def _iso_date(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Camt054Error(
            _("%(where)s %(value)r is not a valid date.") % {"where": where, "value": value}
        ) from None


def _datetime(value: str, where: str) -> datetime:
    match = _DATETIME.fullmatch(value)
    if match is None:
        raise Camt054Error(
            _("%(where)s %(value)r is not an ISO date and time.")
            % {"where": where, "value": value[:40]}
        )
    seconds, fraction, offset = match.groups()
    # Python reads at most microseconds; XML allows any number of decimals.
    text = seconds + (fraction[:7] if fraction else "") + (offset or "")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise Camt054Error(
            _("%(where)s %(value)r is not a valid date and time.")
            % {"where": where, "value": value}
        ) from None


def _signed_ore(amount: Decimal, credit_debit: str) -> int:
    ore = int(amount * 100)
    return -ore if credit_debit == DEBIT else ore


def _decimal_text(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100}.{abs(ore) % 100:02d}"


def _money(ore: int, currency: str) -> str:
    return f"{_decimal_text(ore)} {currency}"
