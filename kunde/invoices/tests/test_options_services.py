from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from kunde.activity.models import ActivityEntry
from kunde.invoices.models import HourlyRate, InvoiceOptions
from kunde.invoices.options import effective_options
from kunde.invoices.services_options import (
    company_options_update,
    customer_options_update,
    hourly_rate_add,
    hourly_rate_delete,
    project_options_update,
)


def _entries(customer, action):
    return list(ActivityEntry.objects.filter(customer=customer, action=action).order_by("id"))


# Customer options ------------------------------------------------------------------------------


def test_the_first_save_creates_the_customer_row_and_logs_each_field(finance, customer):
    customer_options_update(
        actor=finance,
        customer=customer,
        data={"credit_days": 30, "email_to": "faktura@fjellheim.no", "invoice_fee_ore": 4950},
    )
    row = InvoiceOptions.objects.get(level="customer", customer=customer)
    assert (row.credit_days, row.email_to, row.invoice_fee_ore) == (
        30,
        "faktura@fjellheim.no",
        4950,
    )
    [entry] = _entries(customer, "invoice_options.updated")
    assert entry.actor == finance
    assert entry.text == (
        "Changed invoicing options: credit days, invoice fee, invoice e-mail recipients"
    )
    assert entry.shown_changes["credit_days"] == {"label": "credit days", "old": "", "new": "30"}
    assert entry.shown_changes["invoice_fee_ore"]["new"] == "NOK49.50"
    assert set(entry.changes) == {"credit_days", "email_to", "invoice_fee_ore"}


def test_an_update_logs_old_and_new_values_and_keeps_the_other_settings(finance, customer):
    customer_options_update(
        actor=finance, customer=customer, data={"credit_days": 30, "vat_treatment": "exempt"}
    )
    customer_options_update(actor=finance, customer=customer, data={"credit_days": 20})
    assert InvoiceOptions.objects.filter(customer=customer).count() == 1
    options = effective_options(customer)
    assert (options.credit_days, options.vat_treatment) == (20, "exempt")
    latest = _entries(customer, "invoice_options.updated")[-1]
    assert latest.shown_changes == {
        "credit_days": {"label": "credit days", "old": "30", "new": "20"}
    }


def test_saving_the_same_values_logs_nothing(finance, customer):
    customer_options_update(actor=finance, customer=customer, data={"credit_days": 30})
    customer_options_update(
        actor=finance, customer=customer, data={"credit_days": 30, "footer_text": ""}
    )
    assert len(_entries(customer, "invoice_options.updated")) == 1


def test_clearing_a_setting_makes_it_inherit_from_the_company_again(finance, customer):
    InvoiceOptions.objects.create(level="company", credit_days=10)
    customer_options_update(actor=finance, customer=customer, data={"credit_days": 30})
    assert effective_options(customer).source("credit_days") == "customer"

    customer_options_update(actor=finance, customer=customer, data={"credit_days": None})
    options = effective_options(customer)
    assert (options.credit_days, options.source("credit_days")) == (10, "company")
    latest = _entries(customer, "invoice_options.updated")[-1]
    assert latest.shown_changes["credit_days"] == {"label": "credit days", "old": "30", "new": ""}


def test_an_emptied_text_falls_back_to_the_built_in_default(finance, customer):
    customer_options_update(actor=finance, customer=customer, data={"footer_text": "Ny konto!"})
    customer_options_update(actor=finance, customer=customer, data={"footer_text": "  "})
    assert InvoiceOptions.objects.get(customer=customer).footer_text is None
    options = effective_options(customer)
    assert (options.footer_text, options.source("footer_text")) == ("", "built_in")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email_to": "a@x.no, not-an-address"}, "email_to", "“not-an-address” is not a valid"),
        ({"email_cc": "a@x.no; b@"}, "email_cc", "“b@” is not a valid e-mail address."),
        ({"discount_percent": Decimal("100.5")}, "discount_percent", "between 0 and 100 %"),
        ({"discount_percent": Decimal(-1)}, "discount_percent", "between 0 and 100 %"),
        ({"currency": "nok"}, "currency", "three capital letters"),
        ({"currency": "NO1"}, "currency", "three capital letters"),
        ({"credit_days": 366}, "credit_days", "between 0 and 365"),
        ({"invoice_fee_ore": -100}, "invoice_fee_ore", "greater than or equal to 0"),
        ({"vat_treatment": "free"}, "vat_treatment", "not a valid choice"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_saved(finance, customer, data, field, message):
    with pytest.raises(ValidationError) as caught:
        customer_options_update(
            actor=finance, customer=customer, data={"footer_text": "Takk!", **data}
        )
    assert message in " ".join(caught.value.message_dict[field])
    assert not InvoiceOptions.objects.filter(customer=customer).exists()
    assert _entries(customer, "invoice_options.updated") == []


def test_a_refused_change_leaves_the_stored_options_as_they_were(finance, customer):
    customer_options_update(actor=finance, customer=customer, data={"credit_days": 30})
    with pytest.raises(ValidationError):
        customer_options_update(
            actor=finance, customer=customer, data={"credit_days": 45, "currency": "euro"}
        )
    assert InvoiceOptions.objects.get(customer=customer).credit_days == 30
    assert len(_entries(customer, "invoice_options.updated")) == 1


def test_semicolon_separated_recipients_are_accepted(finance, customer):
    customer_options_update(
        actor=finance, customer=customer, data={"email_to": "a@x.no; b@x.no", "email_cc": ""}
    )
    assert effective_options(customer).email_recipients == ["a@x.no", "b@x.no"]


def test_unknown_settings_are_a_programming_error(finance, customer):
    with pytest.raises(ValueError, match="level"):
        customer_options_update(actor=finance, customer=customer, data={"level": "company"})


# Project and company options ---------------------------------------------------------------------


def test_project_options_override_the_customer_and_are_logged_on_the_customer(
    finance, customer, project
):
    customer_options_update(actor=finance, customer=customer, data={"credit_days": 30})
    project_options_update(
        actor=finance, project=project, data={"credit_days": 45, "your_reference": "Kari"}
    )
    for_project = effective_options(customer, project)
    assert (for_project.credit_days, for_project.source("credit_days")) == (45, "project")
    assert effective_options(customer).credit_days == 30
    [entry] = _entries(customer, "invoice_options.project_updated")
    assert entry.text == (
        "Changed invoicing options of project 1001 Nytt intranett: credit days, your reference"
    )

    project_options_update(actor=finance, project=project, data={"credit_days": None})
    for_project = effective_options(customer, project)
    assert (for_project.credit_days, for_project.source("credit_days")) == (30, "customer")


def test_company_defaults_apply_to_customers_without_their_own(admin, customer):
    company_options_update(actor=admin, data={"credit_days": 21, "currency": "EUR"})
    company_options_update(actor=admin, data={"currency": None})
    assert InvoiceOptions.objects.filter(level="company").count() == 1
    options = effective_options(customer)
    assert (options.credit_days, options.source("credit_days")) == (21, "company")
    assert (options.currency, options.source("currency")) == ("NOK", "built_in")


# Hourly rates ----------------------------------------------------------------------------------


def _rate(employee, **changes):
    return {
        "employee": employee,
        "project": None,
        "rate_ore": 120000,
        "valid_from": date(2026, 1, 1),
        "valid_until": None,
        **changes,
    }


def test_a_rate_is_added_and_logged(finance, manager, customer):
    rate = hourly_rate_add(actor=finance, customer=customer, data=_rate(manager))
    assert HourlyRate.objects.get() == rate
    [entry] = _entries(customer, "hourly_rate.added")
    assert entry.text == "Added hourly rate for Mats Kundeansvarlig, all projects: NOK1,200.00"
    assert entry.shown_changes["rate_ore"]["new"] == "NOK1,200.00"
    assert entry.shown_changes["employee"]["new"] == "Mats Kundeansvarlig"


def test_valid_until_before_valid_from_is_refused(finance, manager, customer):
    with pytest.raises(ValidationError) as caught:
        hourly_rate_add(
            actor=finance,
            customer=customer,
            data=_rate(manager, valid_from=date(2026, 6, 1), valid_until=date(2026, 5, 31)),
        )
    assert caught.value.message_dict["valid_until"] == [
        "“Valid until” cannot be before “valid from”."
    ]
    assert not HourlyRate.objects.exists()
    assert _entries(customer, "hourly_rate.added") == []


def test_a_one_day_rate_is_accepted(finance, manager, customer):
    day = date(2026, 6, 1)
    hourly_rate_add(
        actor=finance, customer=customer, data=_rate(manager, valid_from=day, valid_until=day)
    )
    assert HourlyRate.objects.count() == 1


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        # open-ended existing rate; a later start overlaps
        ((date(2026, 1, 1), None), (date(2026, 6, 1), date(2026, 6, 30))),
        # new open-ended rate starting inside an existing period
        ((date(2026, 1, 1), date(2026, 6, 30)), (date(2026, 6, 30), None)),
        # new period around an existing one
        ((date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 1, 1), date(2026, 12, 31))),
        # new period ending on the existing one's first day
        ((date(2026, 3, 1), None), (date(2026, 1, 1), date(2026, 3, 1))),
    ],
)
def test_an_overlapping_rate_for_the_same_employee_is_refused(
    finance, manager, customer, existing, new
):
    hourly_rate_add(
        actor=finance,
        customer=customer,
        data=_rate(manager, valid_from=existing[0], valid_until=existing[1]),
    )
    with pytest.raises(ValidationError) as caught:
        hourly_rate_add(
            actor=finance,
            customer=customer,
            data=_rate(manager, rate_ore=150000, valid_from=new[0], valid_until=new[1]),
        )
    [message] = caught.value.message_dict[NON_FIELD_ERRORS]
    assert message.startswith("This period overlaps the rate Mats Kundeansvarlig, all projects:")
    assert "1\xa0200,00\xa0kr" in message
    assert HourlyRate.objects.count() == 1
    assert len(_entries(customer, "hourly_rate.added")) == 1


def test_rates_that_do_not_overlap_or_concern_another_project_or_employee_are_accepted(
    finance, manager, customer, project
):
    hourly_rate_add(
        actor=finance,
        customer=customer,
        data=_rate(manager, valid_from=date(2026, 1, 1), valid_until=date(2026, 6, 30)),
    )
    hourly_rate_add(
        actor=finance, customer=customer, data=_rate(manager, valid_from=date(2026, 7, 1))
    )
    hourly_rate_add(actor=finance, customer=customer, data=_rate(manager, project=project))
    hourly_rate_add(actor=finance, customer=customer, data=_rate(finance))
    assert HourlyRate.objects.count() == 4


def test_a_rate_for_another_customers_project_is_refused(finance, manager, customer, project):
    from kunde.customers.services import customer_create

    other = customer_create(actor=manager, data={"name": "Annen AS"})
    with pytest.raises(ValidationError) as caught:
        hourly_rate_add(actor=finance, customer=other, data=_rate(manager, project=project))
    assert caught.value.message_dict["project"] == ["Choose one of this customer's projects."]
    assert not HourlyRate.objects.exists()


def test_deleting_a_rate_is_logged(finance, manager, customer):
    rate = hourly_rate_add(actor=finance, customer=customer, data=_rate(manager))
    hourly_rate_delete(actor=finance, rate=rate)
    assert not HourlyRate.objects.exists()
    [entry] = _entries(customer, "hourly_rate.deleted")
    assert entry.text.startswith("Deleted hourly rate for Mats Kundeansvarlig, all projects:")
    assert entry.shown_changes["rate_ore"] == {
        "label": "price per hour",
        "old": "NOK1,200.00",
        "new": "",
    }
