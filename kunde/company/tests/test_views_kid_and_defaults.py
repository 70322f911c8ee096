import re

import pytest
from django.utils import translation

from kunde.company.models import Company
from kunde.invoices.models import InvoiceOptions
from kunde.invoices.options import effective_options


def _kid(**changes):
    return {
        "section": "kid",
        "kid_enabled": "on",
        "kid_algorithm": "MOD10",
        "kid_fixed_digits": "",
        "kid_customer_digits": "0",
        "kid_invoice_digits": "7",
        "kid_mod11_dash": "dash",
        **changes,
    }


def _defaults(**changes):
    fields = [
        "credit_days", "invoice_fee", "discount_percent", "vat_treatment", "currency",
        "your_reference", "order_reference", "contract_reference", "customer_contact",
        "line_above_name", "line_below_name", "invoice_text", "footer_text", "language",
        "attach_hour_specification", "email_to", "email_cc",
    ]  # fmt: skip
    return {"section": "invoicing", **dict.fromkeys(fields, ""), **changes}


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _kid_example(html: str) -> str:
    return _text(re.search(r'data-testid="kid-example">(.*?)</div>', html, re.S).group(1))


# KID ----------------------------------------------------------------------------------------


def test_the_page_shows_an_example_kid_and_its_length(client_for, reader, db):
    html = client_for(reader).get("/company/").content.decode()
    # Default rule: invoice number in 7 digits, MOD10 check digit.
    assert _kid_example(html) == (
        "Example: invoice 1234 to customer 10001 gets KID 00012344 . "
        "Every KID has 8 characters, check digit included."
    )


def test_an_administrator_changes_the_kid_setting(client_for, admin, db):
    client = client_for(admin)
    response = client.post(
        "/company/",
        _kid(kid_customer_digits="5", kid_invoice_digits="6", kid_fixed_digits="9",
             kid_document_type_digit="on", kid_algorithm="MOD11"),
    )  # fmt: skip
    assert response.status_code == 302
    company = Company.load()
    assert (company.kid_customer_digits, company.kid_invoice_digits) == (5, 6)
    assert (company.kid_fixed_digits, company.kid_algorithm) == ("9", "MOD11")
    example = _kid_example(client.get("/company/").content.decode())
    # 9 | 10001 | 001234 | 1 (invoice) and the MOD11 check digit: 14 characters.
    assert example == (
        "Example: invoice 1234 to customer 10001 gets KID 91000100123417 . "
        "A credit note gets KID 91000100123433 . "
        "Every KID has 14 characters, check digit included."
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"kid_invoice_digits": "0", "kid_customer_digits": "0"},
            "This KID setting cannot work: A KID rule needs the invoice number, "
            "the customer number or both.",
        ),
        (
            {"kid_invoice_digits": "20", "kid_customer_digits": "5"},
            "This KID setting cannot work: A KID has 2 to 25 characters including the check "
            "digit; this rule makes 26.",
        ),
    ],
)
def test_a_kid_setting_that_cannot_work_is_refused_with_the_reason(
    client_for, admin, db, changes, message
):
    response = client_for(admin).post("/company/", _kid(**changes))
    assert response.status_code == 200
    assert response.context["kid_form"].non_field_errors() == [message]
    html = response.content.decode()
    assert "The KID setting was not saved." in html
    assert message in html
    # The example still shows the stored setting.
    assert "Every KID has 8 characters" in _kid_example(html)
    company = Company.load()
    assert (company.kid_invoice_digits, company.kid_customer_digits) == (7, 0)


def test_an_example_that_does_not_fit_the_setting_says_why(db, client_for, reader):
    company = Company.load()
    company.kid_customer_digits = 4
    company.save()
    example = _kid_example(client_for(reader).get("/company/").content.decode())
    assert example == (
        "Invoice 1234 to customer 10001 cannot get a KID with this setting: "
        "Customer number 10001 needs 5 digits but the KID rule has room for 4."
    )


def test_saving_the_kid_setting_leaves_the_company_data_alone(client_for, admin, db):
    company = Company.load()
    company.name = "Fjordvik Rådgivning AS"
    company.save()
    client_for(admin).post("/company/", _kid(kid_invoice_digits="9", name="Hacked AS"))
    company = Company.load()
    assert (company.name, company.kid_invoice_digits) == ("Fjordvik Rådgivning AS", 9)


# Invoicing defaults ----------------------------------------------------------------------------


def test_everyone_sees_the_invoicing_defaults_and_where_they_come_from(client_for, reader, db):
    InvoiceOptions.objects.create(level="company", credit_days=21)
    html = client_for(reader).get("/company/").content.decode()
    row = re.search(r'<tr data-setting="credit_days">(.*?)</tr>', html, re.S).group(1)
    assert _text(row) == "Credit days 21 Company default"
    currency = re.search(r'<tr data-setting="currency">(.*?)</tr>', html, re.S).group(1)
    assert _text(currency) == "Currency NOK Built-in default"
    assert "Save invoicing defaults" not in html


def test_an_administrator_sets_the_invoicing_defaults(client_for, admin, customer):
    client = client_for(admin)
    response = client.post("/company/", _defaults(credit_days="21", footer_text="Takk!"))
    assert response.status_code == 302
    options = effective_options(customer)
    assert (options.credit_days, options.source("credit_days")) == (21, "company")
    assert options.footer_text == "Takk!"

    client.post("/company/", {"section": "invoicing", "clear": "footer_text"})
    options = effective_options(customer)
    assert (options.footer_text, options.source("footer_text")) == ("", "built_in")
    assert options.credit_days == 21


def test_bad_invoicing_defaults_are_refused(client_for, admin, db):
    response = client_for(admin).post("/company/", _defaults(email_to="faktura(at)firma.no"))
    assert response.status_code == 200
    assert response.context["options_form"].errors == {
        "email_to": ["“faktura(at)firma.no” is not a valid e-mail address."]
    }
    assert not InvoiceOptions.objects.exists()


@pytest.mark.parametrize("role", ["finance", "manager", "reader"])
def test_only_administrators_change_kid_and_defaults(request, client_for, role, db):
    client = client_for(request.getfixturevalue(role))
    assert client.post("/company/", _kid(kid_invoice_digits="9")).status_code == 403
    assert client.post("/company/", _defaults(credit_days="21")).status_code == 403
    assert Company.load().kid_invoice_digits == 7
    assert not InvoiceOptions.objects.exists()


# History of changes ---------------------------------------------------------------------------


def _history(html: str) -> str:
    return _text(re.search(r'<section[^>]*id="history".*?</section>', html, re.S).group(0))


def test_everyone_sees_the_history_of_changes_newest_first(client_for, admin, reader, db):
    admin_client = client_for(admin)
    assert "Nothing has happened yet." in _history(admin_client.get("/company/").content.decode())
    admin_client.post("/company/", _kid(kid_algorithm="MOD11"))
    admin_client.post("/company/", _defaults(credit_days="21"))

    history = _history(client_for(reader).get("/company/").content.decode())

    assert history.index("Invoicing defaults") < history.index("KID on invoices")
    assert "Credit days – → 21" in history
    assert "KID check digit MOD10 (Luhn) → MOD11" in history
    assert history.count(admin.get_full_name()) == 2


def test_a_kid_of_customer_digits_only_is_refused_in_the_form(client_for, admin, db):
    response = client_for(admin).post(
        "/company/", _kid(kid_customer_digits="5", kid_invoice_digits="0")
    )
    assert response.status_code == 200
    [message] = response.context["kid_form"].non_field_errors()
    assert "would give all invoices of a customer the same KID" in message
    company = Company.load()
    assert (company.kid_invoice_digits, company.kid_customer_digits) == (7, 0)


def test_the_refusal_is_in_norwegian_for_a_norwegian_user(client_for, admin, db):
    response = client_for(admin).post(
        "/company/",
        _kid(kid_customer_digits="5", kid_invoice_digits="0"),
        HTTP_ACCEPT_LANGUAGE="nb",
    )
    assert "samme KID" in response.content.decode()


@pytest.fixture(autouse=True)
def _language_restored():
    """A request in Norwegian leaves Norwegian active in the thread; later tests expect English."""
    with translation.override("en"):
        yield
