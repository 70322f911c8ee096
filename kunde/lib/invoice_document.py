"""An issued invoice or credit note as plain data: what the PDF (and later EHF) is made from.

Built from the stored invoice by `invoices.documents.printable_invoice`; nothing here touches the
database, so renderers can be tested with hand-made documents.
"""

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from decimal import Decimal
from functools import cache


@dataclass(frozen=True)
class Party:
    name: str
    street: str = ""  # may hold several lines separated by "\n"
    postcode: str = ""
    city: str = ""
    country: str = "NO"  # ISO 3166 alpha-2
    organization_number: str = ""
    organization_form: str = ""  # "AS", "ASA", "NUF", "ENK", ...
    vat_number: str = ""  # "NO923609016MVA" for a VAT-registered Norwegian party
    email: str = ""
    phone: str = ""
    bank_account: str = ""  # compact: 11 digits or an IBAN
    iban: str = ""  # for payers abroad, beside the account number (compact)
    bic: str = ""
    # The buyer's delivery address; empty means the same as the postal address.
    delivery_street: str = ""
    delivery_postcode: str = ""
    delivery_city: str = ""

    @property
    def shows_foretaksregisteret(self) -> bool:
        """AS, ASA and NUF must show «Foretaksregisteret» on sales documents."""
        return self.organization_form in {"AS", "ASA", "NUF"}


@dataclass(frozen=True)
class PrintLine:
    description: str
    quantity: Decimal
    unit: str  # "timer", "stk", ...
    unit_price: Decimal  # kroner, excl. VAT
    discount_percent: Decimal
    vat_rate: int  # 25, 15, 12 or 0
    vat_category: str  # EN 16931: S, Z, E, AE, O
    net_amount: Decimal  # kroner, excl. VAT, rounded to øre


@dataclass(frozen=True)
class VatGroup:
    category: str
    rate: int
    taxable_amount: Decimal
    vat_amount: Decimal


@dataclass(frozen=True)
class HourLine:
    """One row of the hour specification attached to an invoice."""

    date: date
    employee: str
    project: str
    description: str
    hours: Decimal


@dataclass(frozen=True)
class PrintableInvoice:
    kind: str  # "invoice" or "credit_note"
    number: int
    issue_date: date
    due_date: date
    language: str  # "nb" or "en": the invoice's language, not the user's
    currency: str
    seller: Party
    buyer: Party
    customer_number: int
    lines: list[PrintLine]
    vat_groups: list[VatGroup]
    net_total: Decimal
    vat_total: Decimal
    total: Decimal  # amount due (negative on a credit note)
    kid: str = ""
    delivery_date: date | None = None
    your_reference: str = ""
    order_reference: str = ""  # the buyer's order / EHF buyer reference
    contract_reference: str = ""
    customer_contact: str = ""
    line_above_name: str = ""
    line_below_name: str = ""
    invoice_text: str = ""
    footer_text: str = ""
    project: str = ""
    credited_invoice_number: int | None = None
    credited_invoice_date: date | None = None
    hour_specification: list[HourLine] = field(default_factory=list)


# Frozen at issue ------------------------------------------------------------------------------
# An issued document keeps its PrintableInvoice as JSON, so that its PDF is made from what was
# issued (not from today's project names or hour entries) whenever it is rendered.


def to_data(doc: PrintableInvoice) -> dict:
    """The document as JSON-ready data: decimals and dates as strings. The same as
    `dataclasses.asdict` followed by that conversion, in one walk: issuing freezes a document
    on every issue, and asdict's deep copy of each value was most of its time."""
    return _plain(doc)


def party_data(party: Party) -> dict:
    """A party as JSON-ready data (the seller's and buyer's data copied onto a document)."""
    return _plain(party)


def _plain(value):
    if isinstance(value, str | int | None):  # bool is an int
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if is_dataclass(value):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    return value


@cache
def _field_names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def from_data(data: dict) -> PrintableInvoice:
    """The document `to_data` gave."""

    def day(value):
        return date.fromisoformat(value) if value else None

    def decimal_fields(cls, row: dict) -> dict:
        kinds = {f.name: f.type for f in fields(cls)}
        return {k: Decimal(v) if kinds[k] is Decimal else v for k, v in row.items()}

    values = decimal_fields(PrintableInvoice, data)
    for name in ("issue_date", "due_date", "delivery_date", "credited_invoice_date"):
        values[name] = day(values.get(name))
    values["seller"] = Party(**data["seller"])
    values["buyer"] = Party(**data["buyer"])
    values["lines"] = [PrintLine(**decimal_fields(PrintLine, row)) for row in data["lines"]]
    values["vat_groups"] = [VatGroup(**decimal_fields(VatGroup, g)) for g in data["vat_groups"]]
    values["hour_specification"] = [
        HourLine(**{**decimal_fields(HourLine, row), "date": day(row["date"])})
        for row in data.get("hour_specification", [])
    ]
    return PrintableInvoice(**values)
