"""Writing camt.054 documents: for tests, fixtures, the demo data and the benchmark (Kunde only
reads the banks' files in production; see `kunde.lib.camt054`)."""

import re
from decimal import Decimal

from lxml import etree

from kunde.lib.camt054 import (
    CREDIT,
    DEBIT,
    NAMESPACE_PREFIX,
    VERSIONS,
    Camt054AccountNotification,
    Camt054Entry,
    Camt054Notification,
    Camt054Transaction,
)

# Creditor reference types that are ISO codes (DocumentType3Code); others are proprietary.
_REFERENCE_CODES = frozenset({"RADM", "RPIN", "FXDR", "DISP", "PUOR", "SCOR"})
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Za-z0-9]{1,30}")


def write_camt054(notification: Camt054Notification, version: str | None = None) -> bytes:
    """The document as camt.054 XML (UTF-8), in `version` or the notification's own.

    Skipped entries are written after the booked ones. Batches get Btch/NbOfTxs and TtlAmt.
    Raises ValueError for what the version cannot say (UETR before 001.08; in 001.02 a
    transaction whose direction differs from its entry's).
    """
    version = version or notification.version
    if version not in VERSIONS:
        raise ValueError(f"Cannot write camt.054 version {version!r}.")
    return _Writer(version).document(notification)


class _Writer:
    def __init__(self, version: str):
        self.version = version
        self.ns = f"{NAMESPACE_PREFIX}camt.054.{version}"

    def add(self, parent: etree._Element, name: str, text: str | None = None, **attributes):
        element = etree.SubElement(parent, f"{{{self.ns}}}{name}", attributes)
        element.text = text
        return element

    def path(self, parent: etree._Element, names: str, text: str) -> None:
        *outer, last = names.split("/")
        for name in outer:
            parent = self.add(parent, name)
        self.add(parent, last, text)

    def document(self, notification: Camt054Notification) -> bytes:
        root = etree.Element(f"{{{self.ns}}}Document", nsmap={None: self.ns})
        body = self.add(root, "BkToCstmrDbtCdtNtfctn")
        header = self.add(body, "GrpHdr")
        self.add(header, "MsgId", notification.message_id)
        self.add(header, "CreDtTm", notification.created_at.isoformat())
        for account_notification in notification.notifications:
            self.notification(body, account_notification)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def notification(self, parent: etree._Element, notification: Camt054AccountNotification):
        element = self.add(parent, "Ntfctn")
        self.add(element, "Id", notification.id)
        if notification.created_at is not None:
            self.add(element, "CreDtTm", notification.created_at.isoformat())
        account = self.add(element, "Acct")
        account_id = self.add(account, "Id")
        if notification.account_iban is not None:
            self.add(account_id, "IBAN", notification.account_iban)
        else:
            self.path(account_id, "Othr/Id", notification.account_other_id)
        if notification.currency is not None:
            self.add(account, "Ccy", notification.currency)
        for entry in notification.entries + tuple(s.entry for s in notification.skipped):
            self.entry(element, entry)

    def entry(self, parent: etree._Element, entry: Camt054Entry) -> None:
        element = self.add(parent, "Ntry")
        if entry.entry_reference is not None:
            self.add(element, "NtryRef", entry.entry_reference)
        self.add(element, "Amt", f"{entry.amount:.2f}", Ccy=entry.currency)
        self.add(element, "CdtDbtInd", entry.credit_debit)
        if entry.reversal:
            self.add(element, "RvslInd", "true")
        if self.version == "001.08":
            self.path(element, "Sts/Cd", entry.status)
        else:
            self.add(element, "Sts", entry.status)
        if entry.booking_date is not None:
            self.path(element, "BookgDt/Dt", entry.booking_date.isoformat())
        if entry.value_date is not None:
            self.path(element, "ValDt/Dt", entry.value_date.isoformat())
        if entry.account_servicer_reference is not None:
            self.add(element, "AcctSvcrRef", entry.account_servicer_reference)
        self.bank_transaction_code(self.add(element, "BkTxCd"), entry.bank_transaction_code)
        if entry.transactions:
            details = self.add(element, "NtryDtls")
            if len(entry.transactions) > 1:
                self.batch(details, entry)
            for transaction in entry.transactions:
                self.transaction(details, transaction, entry)
        if entry.additional_info is not None:
            self.add(element, "AddtlNtryInf", entry.additional_info)

    def bank_transaction_code(self, element: etree._Element, code: str | None) -> None:
        if code is None:
            return
        parts = code.split("/")
        if len(parts) == 3 and all(1 <= len(part) <= 4 for part in parts):
            domain = self.add(element, "Domn")
            self.add(domain, "Cd", parts[0])
            family = self.add(domain, "Fmly")
            self.add(family, "Cd", parts[1])
            self.add(family, "SubFmlyCd", parts[2])
        else:
            self.path(element, "Prtry/Cd", code)

    def batch(self, details: etree._Element, entry: Camt054Entry) -> None:
        total = sum(t.amount_ore for t in entry.transactions)
        batch = self.add(details, "Btch")
        self.add(batch, "NbOfTxs", str(len(entry.transactions)))
        self.add(batch, "TtlAmt", f"{Decimal(abs(total)).scaleb(-2):.2f}", Ccy=entry.currency)
        self.add(batch, "CdtDbtInd", DEBIT if total < 0 else CREDIT)

    def transaction(self, parent, transaction: Camt054Transaction, entry: Camt054Entry) -> None:
        if transaction.uetr is not None and self.version != "001.08":
            raise ValueError(f"camt.054.{self.version} has no UETR.")
        element = self.add(parent, "TxDtls")
        references = [
            ("AcctSvcrRef", transaction.account_servicer_reference),
            ("InstrId", transaction.instruction_id),
            ("EndToEndId", transaction.end_to_end_id),
            ("UETR", transaction.uetr),
            ("TxId", transaction.transaction_id),
        ]
        if any(value is not None for _, value in references):
            refs = self.add(element, "Refs")
            for name, value in references:
                if value is not None:
                    self.add(refs, name, value)
        amount = f"{transaction.amount:.2f}"
        if self.version == "001.02":
            if transaction.credit_debit != entry.credit_debit:
                raise ValueError("camt.054.001.02 cannot give a transaction its own direction.")
            tx_amount = self.add(self.add(element, "AmtDtls"), "TxAmt")
            self.add(tx_amount, "Amt", amount, Ccy=transaction.currency)
        else:
            self.add(element, "Amt", amount, Ccy=transaction.currency)
            self.add(element, "CdtDbtInd", transaction.credit_debit)
        self.parties(element, transaction)
        self.remittance(element, transaction)

    def parties(self, parent: etree._Element, transaction: Camt054Transaction) -> None:
        if transaction.debtor_name is None and transaction.debtor_account is None:
            return
        parties = self.add(parent, "RltdPties")
        if transaction.debtor_name is not None:
            name_path = "Dbtr/Pty/Nm" if self.version == "001.08" else "Dbtr/Nm"
            self.path(parties, name_path, transaction.debtor_name)
        if transaction.debtor_account is not None:
            is_iban = _IBAN.fullmatch(transaction.debtor_account)
            account_path = "DbtrAcct/Id/IBAN" if is_iban else "DbtrAcct/Id/Othr/Id"
            self.path(parties, account_path, transaction.debtor_account)

    def remittance(self, parent: etree._Element, transaction: Camt054Transaction) -> None:
        if not (transaction.remittance_texts or transaction.creditor_references):
            return
        remittance = self.add(parent, "RmtInf")
        for text in transaction.remittance_texts:
            self.add(remittance, "Ustrd", text)
        for reference in transaction.creditor_references:
            creditor = self.add(self.add(remittance, "Strd"), "CdtrRefInf")
            if reference.type is not None:
                kind = "Cd" if reference.type in _REFERENCE_CODES else "Prtry"
                self.path(creditor, f"Tp/CdOrPrtry/{kind}", reference.type)
            self.add(creditor, "Ref", reference.ref)
