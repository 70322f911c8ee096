import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kunde.activity.models import ActivityEntry
from kunde.invoices.models import HourlyRate, InvoiceOptions
from kunde.invoices.options import effective_options
from kunde.invoices.services_options import customer_options_update, hourly_rate_add

ROLES = ["admin", "finance", "manager", "reader"]
DISCOUNT_RANGE = "The discount must be between 0 and 100 %."
CURRENCY_CODE = "Enter a currency code of three capital letters, such as NOK or EUR."
NOT_NEGATIVE = "Ensure this value is greater than or equal to 0."


def _url(customer):
    return f"/customers/{customer.pk}/invoicing-options/"


def _options(**changes):
    """A full POST of the options form: everything empty (inherited) unless given."""
    fields = [
        "credit_days", "invoice_fee", "discount_percent", "vat_treatment", "currency",
        "your_reference", "order_reference", "contract_reference", "customer_contact",
        "line_above_name", "line_below_name", "invoice_text", "footer_text", "language",
        "attach_hour_specification", "email_to", "email_cc",
    ]  # fmt: skip
    return {**dict.fromkeys(fields, ""), **changes}


def _rate(employee, **changes):
    return {"employee": employee.pk, "project": "", "rate": "1200", "valid_from": "2026-01-01",
            "valid_until": "", **changes}  # fmt: skip


def _setting(html: str, name: str) -> str:
    """The table row of one setting, as text without tags."""
    row = re.search(rf'<tr data-setting="{name}">(.*?)</tr>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


# Reading -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_tab_with_values_and_where_they_come_from(
    request, client_for, role, customer, company
):
    InvoiceOptions.objects.create(level="company", credit_days=10)
    InvoiceOptions.objects.create(level="customer", customer=customer, email_to="a@x.no")
    response = client_for(request.getfixturevalue(role)).get(_url(customer))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Fjellheim Konsult AS</h1>" in html  # the profile header
    assert "10 From company default" in _setting(html, "credit_days")
    assert "a@x.no Set for this customer" in _setting(html, "email_to")
    assert "NOK Built-in default" in _setting(html, "currency")
    may_save = role in ("admin", "finance")
    assert ("Save invoicing options" in html) is may_save
    assert ('name="credit_days"' in html) is may_save
    assert ("Add hourly rate" in html) is may_save
    assert ("Only finance and administrators can change" in html) is not may_save


def test_the_form_shows_what_the_customer_sets_itself(client_for, finance, customer):
    customer_options_update(
        actor=finance,
        customer=customer,
        data={"invoice_fee_ore": 4950, "attach_hour_specification": False},
    )
    form = client_for(finance).get(_url(customer)).context["form"]
    assert form.initial == {"invoice_fee": Decimal("49.50"), "attach_hour_specification": "no"}


def test_an_unknown_customer_is_404(client_for, reader, db):
    assert client_for(reader).get("/customers/999/invoicing-options/").status_code == 404


def test_the_tab_lists_projects_with_how_many_settings_they_set(
    client_for, reader, finance, customer, project
):
    from kunde.invoices.services_options import project_options_update

    project_options_update(
        actor=finance, project=project, data={"credit_days": 45, "your_reference": "Kari"}
    )
    html = client_for(reader).get(_url(customer)).content.decode()
    assert "2 settings set here" in html
    assert f'href="/projects/{project.pk}/invoicing-options/"' in html


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_tab_needs_the_same_queries_whatever_the_number_of_rates(
    client_for, finance, manager, reader, customer, project
):
    client = client_for(finance)
    hourly_rate_add(
        actor=finance,
        customer=customer,
        data={"employee": manager, "project": None, "rate_ore": 100000,
              "valid_from": date(2020, 1, 1), "valid_until": date(2020, 1, 1)},
    )  # fmt: skip
    one = _queries(client, _url(customer))
    for day in range(1, 10):
        start = date(2021, 1, 1) + timedelta(days=day * 40)
        hourly_rate_add(
            actor=finance,
            customer=customer,
            data={"employee": (manager, reader, finance)[day % 3], "project": project,
                  "rate_ore": 100000 + day, "valid_from": start,
                  "valid_until": start + timedelta(days=30)},
        )  # fmt: skip
    assert HourlyRate.objects.count() == 10
    assert _queries(client, _url(customer)) == one == 13


# Changing the options ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "reader"])
def test_only_finance_and_administrators_may_change_options(request, client_for, role, customer):
    client = client_for(request.getfixturevalue(role))
    response = client.post(_url(customer), _options(credit_days="30"))
    assert response.status_code == 403
    assert client.post(_url(customer), {"clear": "credit_days"}).status_code == 403
    assert not InvoiceOptions.objects.exists()
    assert not ActivityEntry.objects.filter(action__startswith="invoice_options").exists()


@pytest.mark.parametrize("role", ["admin", "finance"])
def test_finance_saves_the_customers_options(request, client_for, role, customer, company):
    InvoiceOptions.objects.create(level="company", credit_days=10, footer_text="Takk!")
    client = client_for(request.getfixturevalue(role))
    response = client.post(
        _url(customer) + "?q=fjell",
        _options(
            credit_days="30", invoice_fee="49,50", discount_percent="12.5", currency="eur",
            vat_treatment="reverse_charge", language="en", attach_hour_specification="yes",
            email_to="faktura@fjellheim.no; kari@fjellheim.no",
        ),
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == _url(customer) + "?q=fjell"
    options = effective_options(customer)
    assert options.credit_days == 30
    assert options.invoice_fee_ore == 4950
    assert str(options.discount_percent) == "12.50"
    assert (options.currency, options.vat_treatment, options.language) == (
        "EUR", "reverse_charge", "en",
    )  # fmt: skip
    assert options.attach_hour_specification is True
    assert options.email_recipients == ["faktura@fjellheim.no", "kari@fjellheim.no"]
    assert (options.footer_text, options.source("footer_text")) == ("Takk!", "company")
    entry = ActivityEntry.objects.get(action="invoice_options.updated")
    assert entry.shown_changes["credit_days"] == {"label": "credit days", "old": "", "new": "30"}

    html = client.get(_url(customer)).content.decode()
    assert "Invoicing options saved." in html
    assert "30 Set for this customer" in _setting(html, "credit_days")
    assert "12,5 % Set for this customer" in _setting(html, "discount_percent")
    assert "Inherited: 10 (from company default)" in _setting(html, "credit_days")


def test_an_empty_field_inherits_again(client_for, finance, customer):
    customer_options_update(
        actor=finance, customer=customer, data={"credit_days": 30, "currency": "EUR"}
    )
    client_for(finance).post(_url(customer), _options(currency="EUR"))
    options = effective_options(customer)
    assert (options.credit_days, options.source("credit_days")) == (14, "built_in")
    assert options.source("currency") == "customer"


def test_use_inherited_value_clears_one_setting_only(client_for, finance, customer):
    customer_options_update(
        actor=finance, customer=customer, data={"credit_days": 30, "currency": "EUR"}
    )
    client = client_for(finance)
    assert 'form="clear-options" name="clear" value="credit_days"' in (
        client.get(_url(customer)).content.decode()
    )
    response = client.post(_url(customer), {"clear": "credit_days"})
    assert response.status_code == 302
    options = effective_options(customer)
    assert options.source("credit_days") == "built_in"
    assert (options.currency, options.source("currency")) == ("EUR", "customer")
    assert client.post(_url(customer), {"clear": "level"}).status_code == 400


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email_to": "ok@x.no, nope"}, "email_to", "“nope” is not a valid e-mail address."),
        ({"email_cc": "a@x.no;;b@"}, "email_cc", "“b@” is not a valid e-mail address."),
        ({"discount_percent": "101"}, "discount_percent", DISCOUNT_RANGE),
        ({"discount_percent": "-1"}, "discount_percent", DISCOUNT_RANGE),
        ({"currency": "KR"}, "currency", CURRENCY_CODE),
        ({"currency": "N0K"}, "currency", CURRENCY_CODE),
        ({"currency": "kroner"}, "currency", CURRENCY_CODE),
        ({"credit_days": "400"}, "credit_days", "Credit days must be between 0 and 365."),
        ({"credit_days": "-1"}, "credit_days", NOT_NEGATIVE),
        ({"credit_days": "tretti"}, "credit_days", "Enter a whole number."),
        ({"invoice_fee": "-5"}, "invoice_fee", NOT_NEGATIVE),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(
    client_for, finance, customer, changes, field, message
):
    data = {**_options(credit_days="30"), **changes}
    response = client_for(finance).post(_url(customer), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    html = response.content.decode()
    assert "Nothing was saved." in html
    assert f'<small class="error" id="id_{field}_error">' in html
    assert not InvoiceOptions.objects.exists()
    assert not ActivityEntry.objects.filter(action="invoice_options.updated").exists()


# Hourly rates ----------------------------------------------------------------------------------


def _rates_url(customer):
    return f"/customers/{customer.pk}/invoicing-options/rates/"


def test_finance_adds_and_deletes_an_hourly_rate(client_for, finance, manager, customer, project):
    client = client_for(finance)
    response = client.post(_rates_url(customer), _rate(manager, project=project.pk, rate="1250.50"))
    assert response.status_code == 302
    rate = HourlyRate.objects.get()
    assert (rate.employee, rate.project, rate.rate_ore) == (manager, project, 125050)
    html = client.get(_url(customer)).content.decode()
    assert "1\xa0250,50\xa0kr" in html
    assert "until further notice" in html

    delete_url = f"/customers/{customer.pk}/invoicing-options/rates/{rate.pk}/delete/"
    assert client.post(delete_url).status_code == 302
    assert not HourlyRate.objects.exists()
    assert (
        ActivityEntry.objects.filter(
            action__in=["hourly_rate.added", "hourly_rate.deleted"]
        ).count()
        == 2
    )


def test_an_overlapping_rate_is_refused_with_the_conflicting_rate_named(
    client_for, finance, manager, customer
):
    client = client_for(finance)
    client.post(_rates_url(customer), _rate(manager))
    response = client.post(
        _rates_url(customer), _rate(manager, rate="1500", valid_from="2026-03-01")
    )
    assert response.status_code == 200
    [error] = response.context["rate_form"].non_field_errors()
    assert error.startswith("This period overlaps the rate Mats Kundeansvarlig, all projects:")
    assert "1\xa0200,00\xa0kr from 01.01.2026" in error
    assert HourlyRate.objects.count() == 1


def test_a_rate_ending_before_it_starts_is_refused_next_to_the_field(
    client_for, finance, manager, customer
):
    response = client_for(finance).post(
        _rates_url(customer), _rate(manager, valid_from="2026-06-01", valid_until="2026-05-01")
    )
    assert response.status_code == 200
    assert response.context["rate_form"].errors == {
        "valid_until": ["“Valid until” cannot be before “valid from”."]
    }
    assert 'id="id_valid_until_error"' in response.content.decode()
    assert not HourlyRate.objects.exists()


def test_a_refused_rate_leaves_the_options_form_showing_the_stored_options(
    client_for, finance, manager, customer
):
    customer_options_update(actor=finance, customer=customer, data={"credit_days": 30})
    response = client_for(finance).post(_rates_url(customer), _rate(manager, valid_from=""))
    assert "valid_from" in response.context["rate_form"].errors
    form = response.context["form"]
    assert not form.is_bound
    assert form.initial == {"credit_days": 30}
    assert 'name="credit_days" value="30"' in response.content.decode()


def test_a_rate_needs_a_price_and_a_start(client_for, finance, manager, customer):
    response = client_for(finance).post(
        _rates_url(customer), _rate(manager, rate="-1", valid_from="")
    )
    assert set(response.context["rate_form"].errors) == {"rate", "valid_from"}
    assert not HourlyRate.objects.exists()


def test_only_this_customers_projects_can_be_chosen(client_for, finance, manager, customer):
    from kunde.customers.services import customer_create
    from kunde.projects.models import Project

    other = customer_create(actor=manager, data={"name": "Annen AS"})
    foreign = Project.objects.create(number=2001, name="Annet", customer=other)
    response = client_for(finance).post(_rates_url(customer), _rate(manager, project=foreign.pk))
    assert "project" in response.context["rate_form"].errors
    assert not HourlyRate.objects.exists()


@pytest.mark.parametrize("role", ["manager", "reader"])
def test_only_finance_and_administrators_may_change_rates(
    request, client_for, finance, role, customer
):
    rate = hourly_rate_add(
        actor=finance,
        customer=customer,
        data={"employee": finance, "project": None, "rate_ore": 100000,
              "valid_from": date(2026, 1, 1), "valid_until": None},
    )  # fmt: skip
    client = client_for(request.getfixturevalue(role))
    new_rate = _rate(finance, valid_from="2027-01-01")
    assert client.post(_rates_url(customer), new_rate).status_code == 403
    delete_url = f"/customers/{customer.pk}/invoicing-options/rates/{rate.pk}/delete/"
    assert client.post(delete_url).status_code == 403
    assert list(HourlyRate.objects.all()) == [rate]


def test_a_rate_is_deleted_only_through_its_own_customer(client_for, finance, manager, customer):
    from kunde.customers.services import customer_create

    other = customer_create(actor=manager, data={"name": "Annen AS"})
    rate = hourly_rate_add(
        actor=finance,
        customer=customer,
        data={"employee": finance, "project": None, "rate_ore": 100000,
              "valid_from": date(2026, 1, 1), "valid_until": None},
    )  # fmt: skip
    url = f"/customers/{other.pk}/invoicing-options/rates/{rate.pk}/delete/"
    assert client_for(finance).post(url).status_code == 404
    assert HourlyRate.objects.exists()


# Project options ---------------------------------------------------------------------------------


def _project_url(project):
    return f"/projects/{project.pk}/invoicing-options/"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_a_projects_options_inherited_from_the_customer(
    request, client_for, finance, role, customer, project
):
    customer_options_update(actor=finance, customer=customer, data={"credit_days": 30})
    response = client_for(request.getfixturevalue(role)).get(_project_url(project))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Invoicing options for project 1001 Nytt intranett" in html
    assert "30 From the customer" in _setting(html, "credit_days")
    assert ("Save project options" in html) is (role in ("admin", "finance"))


def test_finance_sets_a_projects_own_options(client_for, finance, customer, project):
    customer_options_update(actor=finance, customer=customer, data={"credit_days": 30})
    response = client_for(finance).post(
        _project_url(project), _options(credit_days="45", your_reference="Kari")
    )
    assert response.status_code == 302
    options = effective_options(customer, project)
    assert (options.credit_days, options.source("credit_days")) == (45, "project")
    assert effective_options(customer).credit_days == 30
    html = client_for(finance).get(_project_url(project)).content.decode()
    assert "45 Set for this project" in _setting(html, "credit_days")
    assert "Inherited: 30 (from the customer)" in _setting(html, "credit_days")


def test_bad_project_options_are_refused(client_for, finance, customer, project):
    response = client_for(finance).post(_project_url(project), _options(currency="kroner"))
    assert response.status_code == 200
    assert "currency" in response.context["form"].errors
    assert not InvoiceOptions.objects.exists()


@pytest.mark.parametrize("role", ["manager", "reader"])
def test_only_finance_and_administrators_may_change_project_options(
    request, client_for, role, project
):
    client = client_for(request.getfixturevalue(role))
    assert client.post(_project_url(project), _options(credit_days="45")).status_code == 403
    assert not InvoiceOptions.objects.exists()


def test_an_unknown_project_is_404(client_for, reader, db):
    assert client_for(reader).get("/projects/999/invoicing-options/").status_code == 404
