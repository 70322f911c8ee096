"""The Peppol BIS Billing 3.0 and Norwegian rules that apply to what Kunde produces, as our own
checks: written from the published rule texts (OpenPeppol `PEPPOL-EN16931-UBL.sch`, release
2026.5 = BIS 3.0.21; ids, flags and texts as published), so that no rule file of theirs is copied
into the repository. The CEN EN 16931 rules and the UBL XSD run from the official files
(kunde.lib.ehf_validation).

Covered: PEPPOL-EN16931-R001, R002, R003, R004, R005, R007, R008, R010, R020, R051, R053, R054,
R055, R061, R120, R121, R130, CL001, CL007, CL008, F001, P0100, P0101; PEPPOL-COMMON-R041;
NO-R-001, NO-R-002. Rules for other countries' identifiers and for elements Kunde never writes
(allowances and charges, invoice periods, line object references) are not.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from kunde.lib.ubl import CUSTOMIZATION_ID, NS_CAC, NS_CBC, NS_CREDIT_NOTE, NS_INVOICE

NS = {"cac": NS_CAC, "cbc": NS_CBC, "inv": NS_INVOICE, "cn": NS_CREDIT_NOTE}
_PREFIX = {NS_CAC: "cac", NS_CBC: "cbc"}


@dataclass(frozen=True)
class Failure:
    rule: str
    flag: str  # "fatal" or "warning"
    location: str
    text: str  # the rule's published text (or the XSD's message)


# Code lists as the Peppol rules restrict them (release 2026.5).
MIME_CODES = frozenset(
    "application/pdf image/png image/jpeg text/csv "
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet "
    "application/vnd.oasis.opendocument.spreadsheet".split()
)
ISO4217 = frozenset(
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR "
    "FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY "
    "KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU "
    "MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON "
    "RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP "
    "TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC "
    "XBD XCD XDR XOF XPD XPF XPT XSU XTS XUA YER ZAR ZMW ZWG CNH XCG XXX".split()
)
EAS = frozenset(
    "0002 0007 0009 0060 0088 0096 0097 0106 0130 0135 0142 0151 0158 0183 0184 0188 0190 0191 "
    "0192 0195 0196 0198 0199 0200 0201 0204 0208 0209 0210 0211 0216 0218 0221 0230 0235 9910 "
    "9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 9930 9931 9932 9933 "
    "9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 "
    "9952 9953 9957 9959 0225 0240 0244 0245 0242 0246 0248".split()
)
INVOICE_TYPE_CODES = frozenset(
    "71 80 82 84 102 218 219 326 331 380 382 383 386 388 393 395 553 575 623 780 817 870 875 "
    "876 877".split()
)
CREDIT_NOTE_TYPE_CODES = frozenset("81 83 261 262 296 308 381 396 420 458 532".split())

TEXTS = {
    "PEPPOL-EN16931-R001": "Business process MUST be provided.",
    "PEPPOL-EN16931-R002": "No more than one note is allowed on document level.",
    "PEPPOL-EN16931-R003": "A buyer reference or purchase order reference MUST be provided.",
    "PEPPOL-EN16931-R004": f"Specification identifier MUST have the value '{CUSTOMIZATION_ID}'.",
    "PEPPOL-EN16931-R005": "VAT accounting currency code MUST be different from invoice "
    "currency code when provided.",
    "PEPPOL-EN16931-R007": "Business process MUST be in the format "
    "'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0' where NN indicates the process number.",
    "PEPPOL-EN16931-R008": "Document MUST not contain empty elements.",
    "PEPPOL-EN16931-R010": "Buyer electronic address MUST be provided",
    "PEPPOL-EN16931-R020": "Seller electronic address MUST be provided",
    "PEPPOL-EN16931-R051": "All currencyID attributes must have the same value as the invoice "
    "currency code (BT-5), except for the invoice total VAT amount in accounting currency "
    "(BT-111).",
    "PEPPOL-EN16931-R053": "Only one tax total with tax subtotals MUST be provided.",
    "PEPPOL-EN16931-R054": "Only one tax total without tax subtotals MUST be provided when tax "
    "currency code is provided.",
    "PEPPOL-EN16931-R055": "Invoice total VAT amount and Invoice total VAT amount in accounting "
    "currency MUST have the same operational sign",
    "PEPPOL-EN16931-R061": "Mandate reference MUST be provided for direct debit.",
    "PEPPOL-EN16931-R120": "Invoice line net amount MUST equal (Invoiced quantity * (Item net "
    "price/item price base quantity) + Sum of invoice line charge amount - sum of invoice line "
    "allowance amount",
    "PEPPOL-EN16931-R121": "Base quantity MUST be a positive number above zero.",
    "PEPPOL-EN16931-R130": "Unit code of price base quantity MUST be same as invoiced quantity.",
    "PEPPOL-EN16931-CL001": "Mime code must be according to subset of IANA code list.",
    "PEPPOL-EN16931-CL007": "Currency code must be according to ISO 4217:2005",
    "PEPPOL-EN16931-CL008": "Electronic address identifier scheme must be from the codelist "
    '"Electronic Address Identifier Scheme"',
    "PEPPOL-EN16931-F001": "A date MUST be formatted YYYY-MM-DD.",
    "PEPPOL-EN16931-P0100": "Invoice type code MUST be set according to the profile.",
    "PEPPOL-EN16931-P0101": "Credit note type code MUST be set according to the profile.",
    "PEPPOL-COMMON-R041": "Norwegian organization number MUST be stated in the correct format.",
    "NO-R-001": "For Norwegian suppliers, a VAT number MUST be the country code prefix NO "
    "followed by a valid Norwegian organization number (nine numbers) followed by the letters "
    "MVA.",
    "NO-R-002": "For Norwegian suppliers, most invoice issuers are required to append "
    '"Foretaksregisteret" to their invoice. "Dersom selger er aksjeselskap, allmennaksjeselskap '
    "eller filial av utenlandsk selskap skal også ordet «Foretaksregisteret» fremgå av "
    'salgsdokumentet, jf. foretaksregisterloven § 10-2."',
}
FLAGS = {rule: "fatal" for rule in TEXTS} | {"NO-R-002": "warning"}

AMOUNT_ELEMENTS = (
    "Amount BaseAmount PriceAmount TaxableAmount LineExtensionAmount TaxExclusiveAmount "
    "TaxInclusiveAmount AllowanceTotalAmount ChargeTotalAmount PrepaidAmount "
    "PayableRoundingAmount PayableAmount"
).split()
DATE_ELEMENTS = "IssueDate DueDate TaxPointDate StartDate EndDate ActualDeliveryDate".split()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PROFILE = re.compile(r"^urn:fdc:peppol\.eu:2017:poacc:billing:\d{2}:1\.0$")
_MVA = re.compile(r"^NO(\d{9})MVA$")


def orgnr_is_valid(value: str) -> bool:
    """Nine digits, mod-11 check digit with weights 3 2 7 6 5 4 3 2 (remainder 1: no number)."""
    if not re.fullmatch(r"\d{9}", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:8], (3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    remainder = total % 11
    if remainder == 1:
        return False
    return (0 if remainder == 0 else 11 - remainder) == int(value[8])


def location(element) -> str:
    """An XPath to the element, with prefixes as in the rules' SVRL: /Invoice/cac:X[2]/cbc:Y."""
    parts = []
    node = element
    while node is not None:
        qname = etree.QName(node)
        prefix = _PREFIX.get(qname.namespace)
        name = f"{prefix}:{qname.localname}" if prefix else qname.localname
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


def _decimal(text) -> Decimal | None:
    try:
        return Decimal((text or "").strip())
    except InvalidOperation:
        return None


class _Checker:
    def __init__(self, root):
        self.root = root
        self.failures: list[Failure] = []

    def fail(self, rule: str, element) -> None:
        self.failures.append(Failure(rule, FLAGS[rule], location(element), TEXTS[rule]))

    def xp(self, path: str, node=None):
        return (self.root if node is None else node).xpath(path, namespaces=NS)

    def text(self, path: str, node=None) -> str:
        found = self.xp(path, node)
        return found[0].text.strip() if found and found[0].text else ""


def check(root) -> list[Failure]:
    """The failed Peppol and Norwegian rules of a parsed UBL Invoice or CreditNote."""
    c = _Checker(root)
    qname = etree.QName(root)
    credit = qname.namespace == NS_CREDIT_NOTE
    if qname.namespace not in (NS_INVOICE, NS_CREDIT_NOTE):
        return []
    _document_level(c, root)
    _parties(c, root)
    _tax(c, root)
    _lines(c, root, credit)
    _code_lists(c, root, credit)
    _norway(c, root)
    return c.failures


def _document_level(c: _Checker, root) -> None:
    profile = c.text("cbc:ProfileID")
    if not c.xp("cbc:ProfileID"):
        c.fail("PEPPOL-EN16931-R001", root)
    elif not _PROFILE.match(profile):
        c.fail("PEPPOL-EN16931-R007", c.xp("cbc:ProfileID")[0])
    if len(c.xp("cbc:Note")) > 1:
        c.fail("PEPPOL-EN16931-R002", root)
    if not (c.text("cbc:BuyerReference") or c.text("cac:OrderReference/cbc:ID")):
        c.fail("PEPPOL-EN16931-R003", root)
    customization = c.text("cbc:CustomizationID")
    if not customization.startswith(CUSTOMIZATION_ID) or "::" in customization:
        c.fail("PEPPOL-EN16931-R004", root)
    tax_currency = c.xp("cbc:TaxCurrencyCode")
    if tax_currency and c.text("cbc:TaxCurrencyCode") == c.text("cbc:DocumentCurrencyCode"):
        c.fail("PEPPOL-EN16931-R005", tax_currency[0])
    for element in root.iter(etree.Element):
        if len(element) == 0 and not (element.text or "").strip():
            c.fail("PEPPOL-EN16931-R008", element)
    for means in c.xp("cac:PaymentMeans"):
        if c.text("cbc:PaymentMeansCode", means) in ("49", "59") and not c.xp(
            "cac:PaymentMandate/cbc:ID", means
        ):
            c.fail("PEPPOL-EN16931-R061", means)


def _parties(c: _Checker, root) -> None:
    for party in c.xp("cac:AccountingCustomerParty/cac:Party"):
        if not c.xp("cbc:EndpointID", party):
            c.fail("PEPPOL-EN16931-R010", party)
    for party in c.xp("cac:AccountingSupplierParty/cac:Party"):
        if not c.xp("cbc:EndpointID", party):
            c.fail("PEPPOL-EN16931-R020", party)
    for element in c.xp(
        "//cbc:EndpointID[@schemeID='0192'] | //cac:PartyIdentification/cbc:ID[@schemeID='0192']"
        " | //cbc:CompanyID[@schemeID='0192']"
    ):
        if not orgnr_is_valid((element.text or "").strip()):
            c.fail("PEPPOL-COMMON-R041", element)


def _tax(c: _Checker, root) -> None:
    document_currency = c.text("cbc:DocumentCurrencyCode")
    with_subtotals = c.xp("cac:TaxTotal[cac:TaxSubtotal]")
    without = c.xp("cac:TaxTotal[not(cac:TaxSubtotal)]")
    if len(with_subtotals) != 1:
        c.fail("PEPPOL-EN16931-R053", root)
    tax_currency = c.text("cbc:TaxCurrencyCode")
    if len(without) != (1 if c.xp("cbc:TaxCurrencyCode") else 0):
        c.fail("PEPPOL-EN16931-R054", root)
    if tax_currency:
        in_tax = [
            _decimal(e.text)
            for e in c.xp(f"cac:TaxTotal/cbc:TaxAmount[@currencyID='{tax_currency}']")
        ]
        in_doc = [
            _decimal(e.text)
            for e in c.xp(f"cac:TaxTotal/cbc:TaxAmount[@currencyID='{document_currency}']")
        ]
        values = [v for v in in_tax + in_doc if v is not None]
        if not (all(v <= 0 for v in values) or all(v >= 0 for v in values)):
            c.fail("PEPPOL-EN16931-R055", root)
    amounts = [e for name in AMOUNT_ELEMENTS for e in root.iter(f"{{{NS_CBC}}}{name}")]
    amounts += c.xp("cac:TaxTotal[cac:TaxSubtotal]/cbc:TaxAmount | //cac:TaxSubtotal/cbc:TaxAmount")
    for element in amounts:
        if element.get("currencyID") != document_currency:
            c.fail("PEPPOL-EN16931-R051", element)


def _lines(c: _Checker, root, credit: bool) -> None:
    quantity_name = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
    for line in c.xp("cac:InvoiceLine | cac:CreditNoteLine"):
        net = _decimal(c.text("cbc:LineExtensionAmount", line)) or Decimal(0)
        quantity_elements = c.xp(quantity_name, line)
        quantity = _decimal(c.text(quantity_name, line)) if quantity_elements else Decimal(1)
        price = _decimal(c.text("cac:Price/cbc:PriceAmount", line)) or Decimal(0)
        base = _decimal(c.text("cac:Price/cbc:BaseQuantity", line))
        if c.xp("cac:Price/cbc:BaseQuantity", line) and (base is None or base <= 0):
            c.fail("PEPPOL-EN16931-R121", line)
        base = base if base else Decimal(1)
        allowances = sum(
            (_decimal(e.text) or 0)
            for e in c.xp(
                "cac:AllowanceCharge[normalize-space(cbc:ChargeIndicator)='false']/cbc:Amount", line
            )
        )
        charges = sum(
            (_decimal(e.text) or 0)
            for e in c.xp(
                "cac:AllowanceCharge[normalize-space(cbc:ChargeIndicator)='true']/cbc:Amount", line
            )
        )
        expected = (quantity or 0) * (price / base) + Decimal(charges) - Decimal(allowances)
        if abs(net - expected) > Decimal("0.02"):
            c.fail("PEPPOL-EN16931-R120", line)
        for base_quantity in c.xp("cac:Price/cbc:BaseQuantity[@unitCode]", line):
            if quantity_elements and base_quantity.get("unitCode") != quantity_elements[0].get(
                "unitCode"
            ):
                c.fail("PEPPOL-EN16931-R130", base_quantity)


def _code_lists(c: _Checker, root, credit: bool) -> None:
    for element in c.xp("//cbc:EmbeddedDocumentBinaryObject[@mimeCode]"):
        if element.get("mimeCode") not in MIME_CODES:
            c.fail("PEPPOL-EN16931-CL001", element)
    for element in root.iter(f"{{{NS_CBC}}}*"):
        name = etree.QName(element).localname
        if name in AMOUNT_ELEMENTS or name == "TaxAmount":
            if element.get("currencyID") not in ISO4217:
                c.fail("PEPPOL-EN16931-CL007", element)
        elif name in DATE_ELEMENTS:
            text = element.text or ""
            if not _DATE.match(text) or not _is_date(text):
                c.fail("PEPPOL-EN16931-F001", element)
    for element in c.xp("//cbc:EndpointID[@schemeID]"):
        if element.get("schemeID") not in EAS:
            c.fail("PEPPOL-EN16931-CL008", element)
    profile_01 = c.text("cbc:ProfileID").endswith(":billing:01:1.0")
    if profile_01:
        for element in c.xp("cbc:InvoiceTypeCode"):
            if (element.text or "").strip() not in INVOICE_TYPE_CODES:
                c.fail("PEPPOL-EN16931-P0100", element)
        for element in c.xp("cbc:CreditNoteTypeCode"):
            if (element.text or "").strip() not in CREDIT_NOTE_TYPE_CODES:
                c.fail("PEPPOL-EN16931-P0101", element)


def _is_date(text: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def supplier_country(c: _Checker) -> str:
    """As the Peppol rules work it out: the seller's VAT id, else the tax representative's,
    else the seller's postal country."""
    party = "cac:AccountingSupplierParty/cac:Party"
    vat = c.text(f"{party}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID")
    if vat:
        return vat[:2].upper()
    representative = c.text(
        "cac:TaxRepresentativeParty/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID"
    )
    if representative:
        return representative[:2].upper()
    return c.text(f"{party}/cac:PostalAddress/cac:Country/cbc:IdentificationCode").upper()


def _norway(c: _Checker, root) -> None:
    if supplier_country(c) != "NO":
        return
    party = "cac:AccountingSupplierParty/cac:Party"
    for element in c.xp(f"{party}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID"):
        value = element.text or ""
        if not value.startswith("NO"):
            continue
        match = _MVA.match(value)
        if not match or not orgnr_is_valid(match.group(1)):
            c.fail("NO-R-001", element)
    if not c.xp(
        f"{party}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='TAX']"
        "[normalize-space(cbc:CompanyID)='Foretaksregisteret']"
    ):
        parties = c.xp(party)
        c.fail("NO-R-002", parties[0] if parties else root)
