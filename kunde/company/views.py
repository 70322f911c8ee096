from copy import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kunde.company.forms import CompanyForm, KidSettingsForm
from kunde.company.kid import kid_rule
from kunde.company.models import Company, CompanyArea, CompanyChange
from kunde.company.services import company_update
from kunde.invoices.forms_options import InvoiceOptionsForm, setting_groups
from kunde.invoices.models import OptionsLevel
from kunde.invoices.options import BUILT_IN, EffectiveOptions, Setting, effective_options
from kunde.invoices.services_options import company_options_update
from kunde.lib.kid import KidRuleError, make_kid

# The page has three forms, posted separately; `section` says which one was sent.
SECTIONS = ("company", "kid", "invoicing")
EXAMPLE_INVOICE_NUMBER = 1234
EXAMPLE_CUSTOMER_NUMBER = 10001
HISTORY_LENGTH = 20  # changes shown on the page, newest first


def kid_example(company: Company) -> dict:
    """An example KID under the company's rule and its length, to compare with the bank
    agreement; or why the rule cannot make it."""
    rule = kid_rule(company)
    example = {
        "length": rule.length,
        "invoice_number": EXAMPLE_INVOICE_NUMBER,
        "customer_number": EXAMPLE_CUSTOMER_NUMBER,
    }
    numbers = {
        "invoice_number": EXAMPLE_INVOICE_NUMBER,
        "customer_number": EXAMPLE_CUSTOMER_NUMBER,
    }
    try:
        example["kid"] = make_kid(rule, **numbers)
        if rule.document_type_digit:
            example["credit_note_kid"] = make_kid(rule, **numbers, credit_note=True)
    except KidRuleError as exc:
        example["error"] = str(exc)
    return example


def _save_company(form, actor, area: str) -> bool:
    if not form.is_valid():
        return False
    try:
        company_update(actor=actor, data=form.cleaned_data, area=area)
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


def company_settings(request):
    """Everyone signed in may see our company's data, KID setting and invoicing defaults; only
    administrators may change them."""
    if request.method == "POST" and not request.user.can_edit_company:
        raise PermissionDenied
    company = Company.load()
    options = effective_options()
    section = request.POST.get("section", "company") if request.method == "POST" else None
    if section not in (None, *SECTIONS):
        section = "company"
    data = {name: request.POST if section == name else None for name in SECTIONS}
    # Each form gets its own copy: a bound model form writes into its instance while validating.
    company_form = CompanyForm(data["company"], instance=copy(company))
    kid_form = KidSettingsForm(data["kid"], instance=copy(company))
    options_form = InvoiceOptionsForm(
        data["invoicing"], initial=InvoiceOptionsForm.initial_from(options, OptionsLevel.COMPANY)
    )

    saved = False
    if section == "company":
        saved = _save_company(company_form, request.user, CompanyArea.DATA)
    elif section == "kid":
        saved = _save_company(kid_form, request.user, CompanyArea.KID)
    elif section == "invoicing":
        saved = options_form.submit(
            lambda values: company_options_update(actor=request.user, data=values),
            clear=request.POST.get("clear"),
        )
    if saved:
        messages.success(request, _("Company settings saved."))
        return redirect("company")

    editable = request.user.can_edit_company
    built_in = EffectiveOptions(
        {name: Setting(value, "built_in") for name, value in BUILT_IN.items()}
    )
    return render(
        request,
        "company/settings.html",
        {
            "form": company_form,
            "kid_form": kid_form,
            "options_form": options_form if editable else None,
            "company": company,
            "kid": kid_example(company),
            "changes": CompanyChange.objects.select_related("actor")[:HISTORY_LENGTH],
            "groups": setting_groups(
                form=options_form if editable else None,
                options=options,
                inherited=built_in,
                level=OptionsLevel.COMPANY,
            ),
        },
    )
