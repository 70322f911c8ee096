"""What every action on a document shares: the editable header fields, the state check and
building lines from user input with their totals."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kunde.invoices.models import Invoice, InvoiceLine, InvoiceStatus
from kunde.lib.vat import document_totals, is_valid_vat, line_net_ore

HEADER_FIELDS = [
    "delivery_date",
    "credit_days",
    "currency",
    "language",
    "your_reference",
    "order_reference",
    "contract_reference",
    "customer_contact",
    "line_above_name",
    "line_below_name",
    "invoice_text",
    "footer_text",
    "attach_hour_specification",
]
OPTION_FIELDS = [f for f in HEADER_FIELDS if f != "delivery_date"]


class InvoiceStateError(ValidationError):
    """The action does not fit the document's state (e.g. editing an issued invoice)."""


def require_draft(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvoiceStateError(
            _("%(doc)s is issued and cannot be changed; issue a credit note instead.")
            % {"doc": invoice}
        )


def parse_decimal(value, field: str, errors: dict) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = _("Enter a number.")
        return None


# Bounds that keep every amount inside the database columns (quantity: 12 digits, 3 decimals).
MAX_QUANTITY = Decimal("999999999.999")
MAX_UNIT_PRICE_ORE = 10**11  # 1 000 000 000 kr


def build_line(
    index: int, data: dict, default_vat: tuple[str, int], discount, field_list: str = "lines"
) -> InvoiceLine:
    """An unsaved line from user input; raises ValidationError naming `<list>.<i>.<field>`."""
    errors: dict[str, str] = {}
    prefix = f"{field_list}.{index}."
    description = str(data.get("description") or "").strip()
    if not description:
        errors[prefix + "description"] = _("A line needs a description.")
    quantity = parse_decimal(data.get("quantity", 1), prefix + "quantity", errors)
    if quantity is not None and (
        quantity == 0 or quantity.as_tuple().exponent < -3 or abs(quantity) > MAX_QUANTITY
    ):
        errors[prefix + "quantity"] = _(
            "The quantity must be non-zero, below one billion, with at most 3 decimals."
        )
    try:
        unit_price_ore = int(data.get("unit_price_ore", 0))
    except (TypeError, ValueError):
        errors[prefix + "unit_price_ore"] = _("Enter the unit price in øre as a whole number.")
        unit_price_ore = 0
    if abs(unit_price_ore) > MAX_UNIT_PRICE_ORE:
        errors[prefix + "unit_price_ore"] = _("The unit price must be below 1 000 000 000 kr.")
    line_discount = parse_decimal(
        data.get("discount_percent", discount), prefix + "discount_percent", errors
    )
    if line_discount is not None and not Decimal(0) <= line_discount <= Decimal(100):
        errors[prefix + "discount_percent"] = _("The discount must be between 0 and 100 %.")
    category = data.get("vat_category") or default_vat[0]
    rate = data.get("vat_rate", default_vat[1] if category == default_vat[0] else 0)
    try:
        rate = int(rate)
    except (TypeError, ValueError):
        rate = -1
    if not is_valid_vat(category, rate):
        errors[prefix + "vat_rate"] = _(
            "VAT %(rate)s %% with category %(category)s does not exist in Norway "
            "(25, 15 or 12 %% standard; 0 %% zero-rated, exempt, reverse charge or outside scope)."
        ) % {"rate": data.get("vat_rate"), "category": category}
    if errors:
        raise ValidationError(errors)
    line = InvoiceLine(
        position=index,
        description=description[:500],
        quantity=quantity,
        unit=str(data.get("unit") or "")[:20],
        unit_price_ore=unit_price_ore,
        discount_percent=line_discount,
        vat_rate=rate,
        vat_category=category,
    )
    line.net_ore = line_net_ore(line.quantity, line.unit_price_ore, line.discount_percent)
    return line


def recompute_totals(invoice: Invoice) -> None:
    totals_set(invoice, list(invoice.lines.values_list("net_ore", "vat_category", "vat_rate")))


def totals_set(invoice: Invoice, lines: list[tuple[int, str, int]]) -> None:
    """The document's totals from its lines' (net øre, VAT category, VAT rate)."""
    totals = document_totals(lines)
    invoice.net_ore, invoice.vat_ore, invoice.total_ore = (
        totals.net_ore,
        totals.vat_ore,
        totals.total_ore,
    )
