import pytest
from django.core.exceptions import ValidationError

from kunde.company.models import Company, CompanyArea, CompanyChange
from kunde.company.services import company_update
from kunde.invoices.services_options import company_options_update


def test_a_change_is_logged_with_the_fields_old_and_new(admin):
    Company.objects.update_or_create(pk=1, defaults={"name": "Vårt firma AS", "phone": ""})

    company_update(actor=admin, data={"name": "Fjord Rådgivning AS", "phone": "22 33 44 55"})

    change = CompanyChange.objects.get()
    assert (change.actor, change.area) == (admin, CompanyArea.DATA)
    assert change.shown_changes == {
        "name": {"label": "name", "old": "Vårt firma AS", "new": "Fjord Rådgivning AS"},
        "phone": {"label": "phone", "old": "", "new": "22 33 44 55"},
    }
    assert Company.load().name == "Fjord Rådgivning AS"


def test_a_kid_change_is_logged_as_such_and_only_the_fields_that_differ(admin):
    company = Company.load()

    company_update(
        actor=admin,
        data={"kid_algorithm": "MOD11", "kid_invoice_digits": company.kid_invoice_digits},
        area=CompanyArea.KID,
    )

    change = CompanyChange.objects.get()
    assert change.area == CompanyArea.KID
    assert change.shown_changes == {
        "kid_algorithm": {"label": "KID check digit", "old": "MOD10 (Luhn)", "new": "MOD11"}
    }


def test_switches_are_logged_as_yes_or_no(admin):
    company_update(actor=admin, data={"kid_enabled": False}, area=CompanyArea.KID)

    change = CompanyChange.objects.get().shown_changes["kid_enabled"]
    assert (change["old"], change["new"]) == ("Yes", "No")


def test_saving_the_same_values_logs_nothing(admin):
    company = Company.load()

    company_update(actor=admin, data={"name": company.name, "kid_algorithm": "MOD10"})

    assert not CompanyChange.objects.exists()


def test_a_refused_change_changes_and_logs_nothing(admin):
    with pytest.raises(ValidationError):
        company_update(
            actor=admin,
            data={"kid_invoice_digits": 0, "kid_customer_digits": 0},
            area=CompanyArea.KID,
        )

    assert Company.load().kid_invoice_digits == 7
    assert not CompanyChange.objects.exists()


def test_invoicing_defaults_are_logged_with_the_company_changes(admin):
    company_options_update(actor=admin, data={"credit_days": 20})
    company_options_update(actor=admin, data={"credit_days": 20})

    change = CompanyChange.objects.get()
    assert change.area == CompanyArea.INVOICING
    assert change.shown_changes["credit_days"]["old"] == ""
    assert change.shown_changes["credit_days"]["new"] == "20"


def test_the_service_refuses_a_kid_rule_that_repeats_kids(admin):
    with pytest.raises(ValidationError, match="same KID") as error:
        company_update(
            actor=admin,
            data={"kid_customer_digits": 5, "kid_invoice_digits": 0},
            area=CompanyArea.KID,
        )
    assert error.value.error_dict["__all__"][0].code == "kid_not_unique"
    assert Company.load().kid_invoice_digits == 7
    assert not CompanyChange.objects.exists()


def test_without_kid_the_digits_do_not_matter(admin):
    company_update(
        actor=admin,
        data={"kid_enabled": False, "kid_customer_digits": 5, "kid_invoice_digits": 0},
        area=CompanyArea.KID,
    )
    assert Company.load().kid_invoice_digits == 0
