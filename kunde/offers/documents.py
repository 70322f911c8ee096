"""An offer revision as plain JSON data, frozen when it is sent: its PDF is rendered from this
alone (`kunde.lib.offer_pdf`), so a stored revision prints the same however the offer, the
company or the customer change afterwards."""

from kunde.company.models import Company
from kunde.invoices.documents import buyer_snapshot, seller_snapshot
from kunde.offers.models import Offer
from kunde.offers.totals import offer_totals


def printable_data(offer: Offer, lines=None) -> dict:
    lines = list(offer.lines.all()) if lines is None else lines
    totals = offer_totals(lines)
    return {
        "language": offer.language if offer.language in ("nb", "en") else "nb",
        "number": offer.label,
        "name": offer.name,
        "issue_date": offer.issue_date.isoformat(),
        "valid_until": offer.valid_until.isoformat(),
        "start_date": offer.start_date.isoformat() if offer.start_date else "",
        "customer_number": offer.customer.number,
        "customer_reference": offer.customer_reference,
        "contract_reference": offer.contract_reference,
        "contact": offer.contact.name if offer.contact else "",
        "made_by": offer.made_by.get_full_name() or offer.made_by.get_username(),
        "intro_text": offer.intro_text,
        "closing_text": offer.closing_text,
        "seller": seller_snapshot(Company.load()),
        "buyer": buyer_snapshot(offer.customer),
        "lines": [
            {
                "section": line.section,
                "kind": line.kind,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit": line.unit,
                "unit_price_ore": line.unit_price_ore,
                "discount_percent": str(line.discount_percent),
                "vat_rate": line.vat_rate,
                "vat_category": line.vat_category,
                "net_ore": line.net_ore,
                "optional": line.optional,
            }
            for line in lines
        ],
        "vat_groups": [
            {
                "category": g.category,
                "rate": g.rate,
                "taxable_ore": g.taxable_ore,
                "vat_ore": g.vat_ore,
            }
            for g in totals.groups
        ],
        "net_ore": totals.net_ore,
        "vat_ore": totals.vat_ore,
        "total_ore": totals.total_ore,
        "optional_net_ore": sum(line.net_ore for line in lines if line.optional),
    }
