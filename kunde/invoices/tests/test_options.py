from decimal import Decimal

from kunde.invoices.models import HourlyRate, InvoiceOptions
from kunde.invoices.options import RateBook, effective_options


def test_without_any_settings_the_built_in_defaults_apply(customer):
    options = effective_options(customer)
    assert (options.credit_days, options.currency, options.vat) == (14, "NOK", ("S", 25))
    assert options.source("credit_days") == "built_in"


def test_the_nearest_level_wins_and_says_where_it_comes_from(customer, project):
    InvoiceOptions.objects.create(level="company", credit_days=10, footer_text="Takk!")
    InvoiceOptions.objects.create(level="customer", customer=customer, credit_days=20)
    InvoiceOptions.objects.create(level="project", project=project, your_reference="Kari")
    for_customer = effective_options(customer)
    for_project = effective_options(customer, project)
    assert (for_customer.credit_days, for_customer.source("credit_days")) == (20, "customer")
    assert (for_customer.footer_text, for_customer.source("footer_text")) == ("Takk!", "company")
    assert for_customer.your_reference == ""
    assert (for_project.your_reference, for_project.source("your_reference")) == ("Kari", "project")
    assert for_project.credit_days == 20


def test_another_customers_settings_do_not_leak(customer, manager):
    from kunde.customers.services import customer_create

    other = customer_create(actor=manager, data={"name": "Annen AS"})
    InvoiceOptions.objects.create(level="customer", customer=other, discount_percent=Decimal(10))
    assert effective_options(customer).discount_percent == 0


def test_email_recipients_are_split(customer):
    InvoiceOptions.objects.create(
        level="customer", customer=customer, email_to="a@x.no; b@x.no", email_cc="c@x.no"
    )
    options = effective_options(customer)
    assert options.email_recipients == ["a@x.no", "b@x.no"]
    assert options.email_copies == ["c@x.no"]


def test_a_project_rate_wins_over_the_customer_rate_within_its_dates(customer, project, manager):
    from datetime import date

    HourlyRate.objects.create(
        customer=customer, employee=manager, rate_ore=100000, valid_from=date(2026, 1, 1)
    )
    HourlyRate.objects.create(
        customer=customer,
        project=project,
        employee=manager,
        rate_ore=150000,
        valid_from=date(2026, 6, 1),
        valid_until=date(2026, 6, 30),
    )
    rates = RateBook(customer=customer, project=project)
    assert rates.rate_ore(employee_id=manager.pk, on=date(2026, 6, 15)) == 150000
    assert rates.rate_ore(employee_id=manager.pk, on=date(2026, 7, 1)) == 100000
    assert rates.rate_ore(employee_id=manager.pk, on=date(2025, 12, 31)) is None
    assert (
        RateBook(customer=customer).rate_ore(employee_id=manager.pk, on=date(2026, 6, 15)) == 100000
    )
