"""An issued invoice or credit note as a UBL 2.1 document by Peppol BIS Billing 3.0 (= EHF Billing
3.0).

Pure: built from a `PrintableInvoice` (the same lines, VAT groups and totals the PDF shows, so the
two never disagree by an øre) plus the stored PDF to embed. Element order follows the UBL XSD
sequences; what goes where is in docs/architecture.md and shared/domain/ehf.md.

Kunde keeps credit notes with negative amounts; UBL wants them positive (the document type says
it is a credit), so a credit note's amounts and quantities are negated here.
"""

import base64
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from kunde.lib.invoice_document import Party, PrintableInvoice

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ORGNR_SCHEME = "0192"  # Enhetsregisteret, the Norwegian organisation number

# Our units (as typed on invoice lines) to UN/ECE Recommendation 20 codes; anything else is
# sent as C62 ("one", a unit without a name).
UNIT_CODES = {
    "t": "HUR",
    "time": "HUR",
    "timer": "HUR",
    "hour": "HUR",
    "hours": "HUR",
    "h": "HUR",
    "stk": "EA",
    "pcs": "EA",
    "ea": "EA",
    "dag": "DAY",
    "dager": "DAY",
    "day": "DAY",
    "days": "DAY",
    "mnd": "MON",
    "måned": "MON",
    "måneder": "MON",
    "month": "MON",
    "km": "KMT",
    "kg": "KGM",
    "l": "LTR",
}

# Why a category without VAT has none (BR-E-10, BR-AE-10, BR-O-10): code and text per language.
EXEMPTION = {
    "E": ("", {"nb": "Unntatt fra merverdiavgift", "en": "Exempt from VAT"}),
    "AE": ("VATEX-EU-AE", {"nb": "Omvendt avgiftsplikt", "en": "Reverse charge"}),
    "O": ("VATEX-EU-O", {"nb": "Utenfor merverdiavgiftsloven", "en": "Not subject to VAT"}),
}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/pdf"
    description: str = ""


def _amount(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')):f}"


def _plain(value: Decimal) -> str:
    """A quantity or unit price with no trailing zeros and no exponent."""
    text = f"{Decimal(value).normalize():f}"
    return "0" if text in ("-0", "") else text


def unit_code(unit: str) -> str:
    return UNIT_CODES.get(unit.strip().lower().rstrip("."), "C62")


def _category(doc: PrintableInvoice, category: str) -> str:
    """EN 16931 lets "not subject to VAT" (O) stand only alone on a document of a seller without
    a VAT id (BR-O-02, BR-O-11…14). A VAT-registered seller's out-of-scope lines (outlays, say)
    are sent as exempt (E) with the reason text saying they are outside the VAT act."""
    if category == "O" and (doc.seller.vat_number or _has_other_than_o(doc)):
        return "E"
    return category


def _has_other_than_o(doc: PrintableInvoice) -> bool:
    return any(line.vat_category != "O" for line in doc.lines)


class _Writer:
    def __init__(self, root):
        self.root = root

    def cbc(self, parent, tag: str, text, **attrs):
        element = etree.SubElement(parent, f"{{{NS_CBC}}}{tag}", attrs)
        element.text = str(text)
        return element

    def cac(self, parent, tag: str):
        return etree.SubElement(parent, f"{{{NS_CAC}}}{tag}")


def build_ubl(
    doc: PrintableInvoice,
    *,
    attachments: tuple[Attachment, ...] = (),
    vat_total_nok: Decimal | None = None,
    iban: str = "",
    bic: str = "",
) -> bytes:
    """The UBL XML of `doc`. `vat_total_nok` is the VAT total converted to NOK, required by
    Norwegian law on a foreign-currency document (BT-111); `iban`/`bic` (else the seller's)
    are a second way to pay beside the account number."""
    credit = doc.kind == "credit_note"
    sign = Decimal(-1) if credit else Decimal(1)
    ns_root = NS_CREDIT_NOTE if credit else NS_INVOICE
    root = etree.Element(
        f"{{{ns_root}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: ns_root, "cac": NS_CAC, "cbc": NS_CBC},
    )
    w = _Writer(root)
    currency = doc.currency
    language = doc.language if doc.language in ("nb", "en") else "nb"

    w.cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    w.cbc(root, "ProfileID", PROFILE_ID)
    w.cbc(root, "ID", doc.number)
    w.cbc(root, "IssueDate", doc.issue_date.isoformat())
    if credit:
        w.cbc(root, "CreditNoteTypeCode", "381")
    else:
        if doc.due_date:
            w.cbc(root, "DueDate", doc.due_date.isoformat())
        w.cbc(root, "InvoiceTypeCode", "380")
    note = doc.invoice_text.strip()
    if note:
        w.cbc(root, "Note", note)
    w.cbc(root, "DocumentCurrencyCode", currency)
    foreign = currency != "NOK" and vat_total_nok is not None
    if foreign:
        w.cbc(root, "TaxCurrencyCode", "NOK")
    buyer_reference = (doc.order_reference or doc.your_reference).strip()
    if buyer_reference:
        w.cbc(root, "BuyerReference", buyer_reference)
    if doc.order_reference.strip():
        order = w.cac(root, "OrderReference")
        w.cbc(order, "ID", doc.order_reference.strip())
    if credit and doc.credited_invoice_number:
        reference = w.cac(w.cac(root, "BillingReference"), "InvoiceDocumentReference")
        w.cbc(reference, "ID", doc.credited_invoice_number)
        if doc.credited_invoice_date:
            w.cbc(reference, "IssueDate", doc.credited_invoice_date.isoformat())
    if doc.contract_reference.strip():
        contract = w.cac(root, "ContractDocumentReference")
        w.cbc(contract, "ID", doc.contract_reference.strip())
    for attachment in attachments:
        reference = w.cac(root, "AdditionalDocumentReference")
        w.cbc(reference, "ID", attachment.filename)
        if attachment.description:
            w.cbc(reference, "DocumentDescription", attachment.description)
        w.cbc(
            w.cac(reference, "Attachment"),
            "EmbeddedDocumentBinaryObject",
            base64.b64encode(attachment.content).decode("ascii"),
            mimeCode=attachment.mime_type,
            filename=attachment.filename,
        )

    _party(w, w.cac(root, "AccountingSupplierParty"), doc.seller, seller=True)
    _party(w, w.cac(root, "AccountingCustomerParty"), doc.buyer, contact=doc.your_reference)

    delivery = w.cac(root, "Delivery")
    w.cbc(delivery, "ActualDeliveryDate", (doc.delivery_date or doc.issue_date).isoformat())
    _delivery_place(w, delivery, doc.buyer)

    for index, (account_id, branch) in enumerate(
        [] if credit else _accounts(doc.seller, iban, bic)
    ):
        means = w.cac(root, "PaymentMeans")
        # The means' text once only (UBL-SR-46); every means has the same code (UBL-SR-47).
        w.cbc(means, "PaymentMeansCode", "30", **({} if index else {"name": "Credit transfer"}))
        if doc.kid:
            w.cbc(means, "PaymentID", doc.kid)
        account = w.cac(means, "PayeeFinancialAccount")
        w.cbc(account, "ID", account_id)
        if branch:
            w.cbc(w.cac(account, "FinancialInstitutionBranch"), "ID", branch)

    tax_total = w.cac(root, "TaxTotal")
    w.cbc(tax_total, "TaxAmount", _amount(sign * doc.vat_total), currencyID=currency)
    for category, rate, taxable, vat in _vat_breakdown(doc):
        subtotal = w.cac(tax_total, "TaxSubtotal")
        w.cbc(subtotal, "TaxableAmount", _amount(sign * taxable), currencyID=currency)
        w.cbc(subtotal, "TaxAmount", _amount(sign * vat), currencyID=currency)
        _tax_category(w, w.cac(subtotal, "TaxCategory"), category, rate, language)
    if foreign:
        nok_total = w.cac(root, "TaxTotal")
        w.cbc(nok_total, "TaxAmount", _amount(sign * vat_total_nok), currencyID="NOK")

    totals = w.cac(root, "LegalMonetaryTotal")
    w.cbc(totals, "LineExtensionAmount", _amount(sign * doc.net_total), currencyID=currency)
    w.cbc(totals, "TaxExclusiveAmount", _amount(sign * doc.net_total), currencyID=currency)
    w.cbc(totals, "TaxInclusiveAmount", _amount(sign * doc.total), currencyID=currency)
    w.cbc(totals, "PayableAmount", _amount(sign * doc.total), currencyID=currency)

    line_name = "CreditNoteLine" if credit else "InvoiceLine"
    quantity_name = "CreditedQuantity" if credit else "InvoicedQuantity"
    for index, line in enumerate(doc.lines, start=1):
        quantity, price = sign * line.quantity, line.unit_price
        if price < 0:  # the item net price is never negative (BR-27): a negative quantity is
            quantity, price = -quantity, -price
        net_price = price * (100 - line.discount_percent) / 100
        element = w.cac(root, line_name)
        w.cbc(element, "ID", index)
        w.cbc(element, quantity_name, _plain(quantity), unitCode=unit_code(line.unit))
        w.cbc(element, "LineExtensionAmount", _amount(sign * line.net_amount), currencyID=currency)
        item = w.cac(element, "Item")
        w.cbc(item, "Name", line.description.strip() or "-")
        tax = w.cac(item, "ClassifiedTaxCategory")
        category = _category(doc, line.vat_category)
        w.cbc(tax, "ID", category)
        if category != "O":
            w.cbc(tax, "Percent", line.vat_rate)
        w.cbc(w.cac(tax, "TaxScheme"), "ID", "VAT")
        w.cbc(w.cac(element, "Price"), "PriceAmount", _plain(net_price), currencyID=currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _accounts(seller: Party, iban: str, bic: str) -> list[tuple[str, str]]:
    """(account id, BIC) per way to pay: the account number, and the IBAN with its BIC when
    the company has one (payers abroad need it). A bank account that is itself an IBAN gets
    the BIC."""
    iban, bic = iban or seller.iban, bic or seller.bic
    accounts = []
    if seller.bank_account:
        accounts.append((seller.bank_account, "" if seller.bank_account.isdigit() else bic))
    if iban and iban != seller.bank_account:
        accounts.append((iban, bic))
    return accounts


def _vat_breakdown(doc: PrintableInvoice):
    """The document's VAT groups, merged where O became E (one subtotal per category and
    rate, BR-CO-18)."""
    merged: dict[tuple[str, int], list[Decimal]] = {}
    for group in doc.vat_groups:
        key = (_category(doc, group.category), group.rate)
        sums = merged.setdefault(key, [Decimal(0), Decimal(0)])
        sums[0] += group.taxable_amount
        sums[1] += group.vat_amount
    return [(category, rate, taxable, vat) for (category, rate), (taxable, vat) in merged.items()]


def _tax_category(w: _Writer, element, category: str, rate: int, language: str) -> None:
    w.cbc(element, "ID", category)
    if category != "O":
        w.cbc(element, "Percent", rate)
    if category in EXEMPTION:
        code, texts = EXEMPTION[category]
        if code:
            w.cbc(element, "TaxExemptionReasonCode", code)
        w.cbc(element, "TaxExemptionReason", texts[language])
    w.cbc(w.cac(element, "TaxScheme"), "ID", "VAT")


def _address(w: _Writer, address, street: str, postcode: str, city: str, country: str) -> None:
    """A UBL address in the XSD's order: street, city, post code, country."""
    street_lines = [s.strip() for s in street.splitlines() if s.strip()]
    if street_lines:
        w.cbc(address, "StreetName", street_lines[0])
    if len(street_lines) > 1:
        w.cbc(address, "AdditionalStreetName", ", ".join(street_lines[1:]))
    if city.strip():
        w.cbc(address, "CityName", city.strip())
    if postcode.strip():
        w.cbc(address, "PostalZone", postcode.strip())
    w.cbc(w.cac(address, "Country"), "IdentificationCode", country or "NO")


def _delivery_place(w: _Writer, delivery, buyer: Party) -> None:
    """Where it was delivered (bokføringsforskriften § 5-1-1; BG-15): the buyer's delivery
    address, else its postal address."""
    if buyer.delivery_street.strip() or buyer.delivery_city.strip():
        street, postcode, city = buyer.delivery_street, buyer.delivery_postcode, buyer.delivery_city
    else:
        street, postcode, city = buyer.street, buyer.postcode, buyer.city
    if not (street.strip() or city.strip()):
        return
    address = w.cac(w.cac(delivery, "DeliveryLocation"), "Address")
    _address(w, address, street, postcode, city, buyer.country)


def _party(w: _Writer, holder, party: Party, *, seller: bool = False, contact: str = "") -> None:
    element = w.cac(holder, "Party")
    norwegian_orgnr = party.country in ("NO", "") and party.organization_number
    if norwegian_orgnr:
        w.cbc(element, "EndpointID", party.organization_number, schemeID=ORGNR_SCHEME)
    w.cbc(w.cac(element, "PartyName"), "Name", party.name)
    address = w.cac(element, "PostalAddress")
    _address(w, address, party.street, party.postcode, party.city, party.country)
    if party.vat_number:
        scheme = w.cac(element, "PartyTaxScheme")
        w.cbc(scheme, "CompanyID", party.vat_number)
        w.cbc(w.cac(scheme, "TaxScheme"), "ID", "VAT")
    if seller and party.shows_foretaksregisteret:
        scheme = w.cac(element, "PartyTaxScheme")
        w.cbc(scheme, "CompanyID", "Foretaksregisteret")
        w.cbc(w.cac(scheme, "TaxScheme"), "ID", "TAX")
    legal = w.cac(element, "PartyLegalEntity")
    w.cbc(legal, "RegistrationName", party.name)
    if norwegian_orgnr:
        w.cbc(legal, "CompanyID", party.organization_number, schemeID=ORGNR_SCHEME)
    names = {"Name": contact.strip()}
    if seller:
        names = {"Telephone": party.phone.strip(), "ElectronicMail": party.email.strip()}
    if any(names.values()):
        contact_element = w.cac(element, "Contact")
        for name, value in names.items():
            if value:
                w.cbc(contact_element, name, value)
