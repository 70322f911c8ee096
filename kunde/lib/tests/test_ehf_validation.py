"""The EHF gate: the official rule files as pinned, and hand-broken documents failing with the
rule ids that reject them (shared/domain/ehf.md §7)."""

import re
from datetime import date
from decimal import Decimal as D

import pytest

from kunde.lib import ehf_validation, ubl
from kunde.lib.invoice_document import Party, PrintableInvoice, PrintLine, VatGroup

# A change here is a rule-version bump: review what the new rules demand before accepting it.
PINNED = {
    "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd": (
        "936eedc8e9abdff73d2c08e69e04e760fd053b3332f739b8700eb48d14ac92fc"
    ),
    "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd": (
        "e5f978727305365745fcca7a6d1da460e6eb70ef9f6e5425df05f6f94d9666db"
    ),
    "ubl-2.1/common/UBL-CommonAggregateComponents-2.1.xsd": (
        "9c7a2502ed2af655263cc082dc9b3d07398f31dac8959db6b2ba767cdb55f796"
    ),
    "ubl-2.1/common/UBL-CommonBasicComponents-2.1.xsd": (
        "b07c26555b0b270983ac6ee021c28b6c626aa273ced916e6b027987dc031e60e"
    ),
    "ubl-2.1/EN16931-UBL-validation.xslt": (
        "186501ee6048182b36e4bed78583efa828814184bad89843899df44522f6dc59"
    ),
}

SELLER = Party(
    name="Fjordvik Rådgivning AS",
    street="Kirkegata 1",
    postcode="0153",
    city="Oslo",
    organization_number="923609016",
    organization_form="AS",
    vat_number="NO923609016MVA",
    bank_account="86011117947",
)
BUYER = Party(
    name="Kunde AS",
    street="Storgata 1",
    postcode="0155",
    city="Oslo",
    organization_number="921705360",
)


def document(kind="invoice", **fields) -> PrintableInvoice:
    sign = D(-1) if kind == "credit_note" else D(1)
    values = dict(
        kind=kind,
        number=7,
        issue_date=date(2026, 11, 2),
        due_date=date(2026, 11, 16),
        language="nb",
        currency="NOK",
        seller=SELLER,
        buyer=BUYER,
        customer_number=1,
        lines=[
            PrintLine(
                "Rådgivning", sign * 10, "timer", D("1250.00"), D(0), 25, "S", sign * D("12500.00")
            )
        ],
        vat_groups=[VatGroup("S", 25, sign * D("12500.00"), sign * D("3125.00"))],
        net_total=sign * D("12500.00"),
        vat_total=sign * D("3125.00"),
        total=sign * D("15625.00"),
        kid="0000071",
        order_reference="PO-1",
        credited_invoice_number=6 if kind == "credit_note" else None,
    )
    values.update(fields)
    return PrintableInvoice(**values)


def xml(kind="invoice", **fields) -> str:
    attachment = ubl.Attachment("faktura-7.pdf", b"%PDF-1.4\n%test\n")
    return ubl.build_ubl(document(kind, **fields), attachments=(attachment,)).decode()


def failed(text: str) -> set[str]:
    return ehf_validation.validate(text.encode()).rule_ids()


def test_the_rule_files_are_the_pinned_official_ones():
    assert ehf_validation.rule_file_checksums() == PINNED
    head = (ehf_validation.rules_directory() / "EN16931-UBL-validation.xslt").read_text()[:400]
    assert f"Schematron version {ehf_validation.CEN_VERSION}" in head


@pytest.mark.parametrize("kind", ["invoice", "credit_note"])
def test_a_good_document_passes_all_three_layers(kind):
    report = ehf_validation.validate(xml(kind).encode())
    assert report.failures == []


LINE_NET = '<cbc:LineExtensionAmount currencyID="NOK">12500.00</cbc:LineExtensionAmount>'
BROKEN = [
    (
        "no buyer reference",
        lambda x: re.sub(
            r"<cbc:BuyerReference>.*?</cbc:BuyerReference>|"
            r"<cac:OrderReference>.*?</cac:OrderReference>",
            "",
            x,
        ),
        {"PEPPOL-EN16931-R003"},
    ),
    (
        "scheme 9908",
        lambda x: x.replace(
            'schemeID="0192">921705360</cbc:EndpointID>',
            'schemeID="9908">921705360</cbc:EndpointID>',
        ),
        {"PEPPOL-EN16931-CL008", "BR-CL-25"},
    ),
    ("bad check digit", lambda x: x.replace("921705360", "921705361"), {"PEPPOL-COMMON-R041"}),
    ("VAT id without MVA", lambda x: x.replace("NO923609016MVA", "NO923609016"), {"NO-R-001"}),
    (
        "totals do not add up",
        lambda x: x.replace(
            '<cbc:TaxInclusiveAmount currencyID="NOK">15625.00',
            '<cbc:TaxInclusiveAmount currencyID="NOK">15626.00',
        ),
        {"BR-CO-15"},
    ),
    (
        "line amount wrong",
        lambda x: x.replace(
            '<cbc:LineExtensionAmount currencyID="NOK">12500.00</cbc:LineExtensionAmount>\n', ""
        ).replace(LINE_NET + "<cac:Item>", LINE_NET.replace("12500", "12400") + "<cac:Item>"),
        {"PEPPOL-EN16931-R120", "BR-CO-10"},
    ),
    (
        "wrong CustomizationID",
        lambda x: x.replace(ubl.CUSTOMIZATION_ID, "urn:cen.eu:en16931:2017"),
        {"PEPPOL-EN16931-R004"},
    ),
    (
        "no seller endpoint",
        lambda x: x.replace('<cbc:EndpointID schemeID="0192">923609016</cbc:EndpointID>', ""),
        {"PEPPOL-EN16931-R020"},
    ),
    (
        "out of order",
        lambda x: x.replace("<cbc:ProfileID>", "<cbc:Note>x</cbc:Note><cbc:ProfileID>", 1),
        {"XSD"},
    ),
    (
        "empty element",
        lambda x: x.replace("<cbc:PartyName>", "<cbc:PartyName>", 1).replace(
            "<cbc:StreetName>Storgata 1</cbc:StreetName>", "<cbc:StreetName></cbc:StreetName>"
        ),
        {"PEPPOL-EN16931-R008"},
    ),
]


@pytest.mark.parametrize("name, breaking, expected", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_invoice_fails_with_the_rule_that_rejects_it(name, breaking, expected):
    original = xml()
    broken = breaking(original)
    assert broken != original
    assert expected <= failed(broken)


def test_a_credit_note_with_an_invoice_type_code_fails():
    broken = xml("credit_note").replace(
        "<cbc:CreditNoteTypeCode>381<", "<cbc:CreditNoteTypeCode>380<"
    )
    assert {"PEPPOL-EN16931-P0101", "BR-CL-01"} <= failed(broken)


def test_a_credit_note_without_buyer_endpoint_fails():
    broken = xml("credit_note").replace(
        '<cbc:EndpointID schemeID="0192">921705360</cbc:EndpointID>', ""
    )
    assert "PEPPOL-EN16931-R010" in failed(broken)


def test_missing_foretaksregisteret_is_a_warning_only():
    text = xml().replace(
        "<cbc:CompanyID>Foretaksregisteret</cbc:CompanyID>",
        "<cbc:CompanyID>Something</cbc:CompanyID>",
    )
    report = ehf_validation.validate(text.encode())
    assert report.rule_ids() == {"NO-R-002"}
    assert report.valid


def test_not_xml_is_one_fatal_failure():
    report = ehf_validation.validate(b"<Invoice")
    assert [f.rule for f in report.failures] == ["XML"]
