"""Every document Kunde produces passes the EHF gate, and the EHF shows what the PDF shows."""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from kunde.ehf.documents import ehf_document
from kunde.ehf.models import NokRate
from kunde.invoices import services
from kunde.lib.peppol_rules import NS


def _valid(invoice):
    document = ehf_document(invoice)
    assert document.report.fatal == [], document.report.failures
    return etree.fromstring(document.xml), document


def _text(root, path):
    return root.xpath(path, namespaces=NS)[0].text


@pytest.mark.django_db
def test_an_invoice_passes_and_shows_the_pdf_totals(make_issued):
    invoice = make_issued(
        lines=[
            {
                "description": "Rådgivning",
                "quantity": "7.5",
                "unit": "timer",
                "unit_price_ore": 133333,
                "discount_percent": "10",
            },
            {"description": "Reise", "quantity": "1", "unit_price_ore": 50050, "vat_rate": 12},
            {
                "description": "Bok",
                "quantity": "3",
                "unit": "stk",
                "unit_price_ore": 19990,
                "vat_rate": 15,
            },
        ]
    )
    root, document = _valid(invoice)
    assert document.report.warnings == []
    assert (
        _text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == f"{invoice.total_ore / 100:.2f}"
    )
    assert _text(root, "cac:TaxTotal/cbc:TaxAmount") == f"{invoice.vat_ore / 100:.2f}"
    assert _text(root, "cbc:CustomizationID").endswith("poacc:billing:3.0")
    assert root.xpath(
        "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID/@schemeID", namespaces=NS
    ) == ["0192"]
    seller_ids = root.xpath(
        "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID/text()",
        namespaces=NS,
    )
    assert seller_ids == ["NO923609016MVA", "Foretaksregisteret"]
    assert _text(root, "cbc:BuyerReference") == "PO-4711"
    assert len(root.xpath("cac:TaxTotal/cac:TaxSubtotal", namespaces=NS)) == 3
    pdf = root.xpath("//cbc:EmbeddedDocumentBinaryObject", namespaces=NS)[0]
    assert pdf.get("mimeCode") == "application/pdf"


@pytest.mark.django_db
@pytest.mark.parametrize("category", ["Z", "E", "AE", "O"])
def test_each_vat_category_passes(make_issued, category):
    invoice = make_issued(
        lines=[
            {"description": "Rådgivning", "quantity": "2", "unit_price_ore": 100000},
            {
                "description": "Annet",
                "quantity": "1",
                "unit_price_ore": 20000,
                "vat_category": category,
                "vat_rate": 0,
            },
        ]
    )
    root, _document = _valid(invoice)
    categories = root.xpath(
        "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID/text()", namespaces=NS
    )
    assert "S" in categories and len(categories) == 2


@pytest.mark.django_db
def test_a_credit_note_refers_to_its_invoice_with_positive_amounts(make_issued, finance):
    invoice = make_issued()
    credit = services.credit_note_create(actor=finance, invoice=invoice)
    credit = services.invoice_issue(actor=finance, invoice=credit)
    root, _document = _valid(credit)
    assert etree.QName(root).localname == "CreditNote"
    assert _text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == str(
        invoice.number
    )
    assert (
        _text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == f"{-credit.total_ore / 100:.2f}"
    )
    assert _text(root, "cac:CreditNoteLine/cbc:CreditedQuantity") == "10"


@pytest.mark.django_db
def test_a_foreign_currency_invoice_states_the_vat_in_nok(make_issued):
    NokRate.objects.create(currency="EUR", date=date(2020, 1, 1), nok=Decimal("11.5"))
    invoice = make_issued(currency="EUR")
    root, _document = _valid(invoice)
    assert _text(root, "cbc:TaxCurrencyCode") == "NOK"
    nok = root.xpath("cac:TaxTotal/cbc:TaxAmount[@currencyID='NOK']/text()", namespaces=NS)
    assert nok == [f"{Decimal(invoice.vat_ore) / 100 * Decimal('11.5'):.2f}"]


@pytest.mark.django_db
def test_a_foreign_currency_invoice_without_a_rate_is_refused_with_a_reason(make_issued):
    invoice = make_issued(currency="EUR")
    document = ehf_document(invoice)
    assert document.report.rule_ids() == {"NOK-RATE"}
    assert not document.valid


@pytest.mark.django_db
def test_with_and_without_kid(make_issued, company):
    with_kid = make_issued()
    root, _document = _valid(with_kid)
    assert _text(root, "cac:PaymentMeans/cbc:PaymentID") == with_kid.kid
    assert _text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == "86011117947"
    company.kid_enabled = False
    company.save()
    without = make_issued()
    root, _document = _valid(without)
    assert root.xpath("cac:PaymentMeans/cbc:PaymentID", namespaces=NS) == []


@pytest.mark.django_db
def test_the_company_iban_and_bic_are_a_second_way_to_pay(make_issued, company):
    company.iban, company.bic = "NO93 8601 1117 947", "dnbanokkxxx"
    company.full_clean()
    company.save()
    invoice = make_issued()
    root, _document = _valid(invoice)
    accounts = root.xpath("cac:PaymentMeans/cac:PayeeFinancialAccount", namespaces=NS)
    assert [_text(a, "cbc:ID") for a in accounts] == ["86011117947", "NO9386011117947"]
    assert _text(accounts[1], "cac:FinancialInstitutionBranch/cbc:ID") == "DNBANOKKXXX"
    assert root.xpath("cac:PaymentMeans/cbc:PaymentID/text()", namespaces=NS) == [invoice.kid] * 2
    assert invoice.seller["iban"] == "NO9386011117947"  # kept with the document at issue


@pytest.mark.django_db
def test_the_place_of_delivery_is_the_delivery_address_else_the_postal_address(
    make_issued, ehf_customer
):
    from kunde.customers.models import Customer

    place = "cac:Delivery/cac:DeliveryLocation/cac:Address/"
    root, _document = _valid(make_issued())
    assert _text(root, place + "cbc:StreetName") == ehf_customer.postal_street
    assert _text(root, place + "cac:Country/cbc:IdentificationCode") == "NO"
    Customer.objects.filter(pk=ehf_customer.pk).update(
        delivery_street="Lagerveien 5", delivery_postcode="2000", delivery_city="Lillestrøm"
    )
    root, _document = _valid(make_issued())
    assert [
        _text(root, place + f"cbc:{name}") for name in ("StreetName", "PostalZone", "CityName")
    ] == [
        "Lagerveien 5",
        "2000",
        "Lillestrøm",
    ]


@pytest.mark.django_db
def test_an_invoice_with_hour_specification_passes(make_issued, project, hours):
    invoice = make_issued(
        lines=[], project=project, from_project_hours=True, attach_hour_specification=True
    )
    root, _document = _valid(invoice)
    assert root.xpath("cac:InvoiceLine/cbc:InvoicedQuantity/@unitCode", namespaces=NS)[0] == "HUR"


@pytest.mark.django_db
def test_an_enk_seller_passes_with_no_foretaksregisteret(make_issued, company):
    company.organization_form = "ENK"
    company.save()
    root, document = _valid(make_issued())
    assert document.report.rule_ids() == {"NO-R-002"}  # a warning: valid
    assert "Foretaksregisteret" not in etree.tostring(root).decode()


@pytest.mark.django_db
def test_a_missing_buyer_reference_is_explained(make_issued):
    from kunde.ehf.explain import explain

    document = ehf_document(make_issued(order_reference="", your_reference=""))
    assert not document.valid
    failure = next(f for f in document.report.fatal if f.rule == "PEPPOL-EN16931-R003")
    assert "buyer reference" in explain(failure)
