"""Changing invoicing options (company, customer, project) and agreed hourly rates.

Each function is one business action: it validates, saves in one transaction and writes the
customer's activity log. Views, the API, commands and tests call these. Which value applies is
`kunde.invoices.options.effective_options`, never worked out here.
"""

import re
from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.db import transaction
from django.db.models import Case, Q, When
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kunde.activity.services import field_changes, log_activity
from kunde.company.models import Company, CompanyArea
from kunde.company.services import company_change_log
from kunde.customers.models import Customer
from kunde.invoices.models import HourlyRate, InvoiceOptions, OptionsLevel
from kunde.invoices.options import SETTINGS, _addresses
from kunde.lib.money import format_money
from kunde.projects.models import Project, ProjectStatus
from kunde.stats.summary import hours_repriced

OPTION_FIELDS = SETTINGS
RATE_FIELDS = ["employee", "project", "rate_ore", "valid_from", "valid_until"]
MAX_CREDIT_DAYS = 365

_CURRENCY = re.compile(r"[A-Z]{3}")


def validate_email_list(value: str) -> None:
    """Addresses separated by commas or semicolons, each a valid e-mail address."""
    # Split exactly as delivery will (EffectiveOptions.email_recipients).
    for address in _addresses(value):
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                _("“%(address)s” is not a valid e-mail address."),
                code="invalid_email",
                params={"address": address},
            ) from None


def validate_currency(value: str) -> None:
    if value and not _CURRENCY.fullmatch(value):
        raise ValidationError(
            _("Enter a currency code of three capital letters, such as NOK or EUR."),
            code="invalid_currency",
        )


# The rules on top of the model's own field checks. The options form applies the same ones, so
# every error shows at once; this module applies them for every other caller.
FIELD_VALIDATORS = {
    "credit_days": [
        MinValueValidator(0),
        MaxValueValidator(
            MAX_CREDIT_DAYS,
            message=gettext_lazy("Credit days must be between 0 and %(limit_value)s."),
        ),
    ],
    "invoice_fee_ore": [MinValueValidator(0)],
    # "%%": validators put their limit into the message with the % operator.
    "discount_percent": [
        MinValueValidator(0, message=gettext_lazy("The discount must be between 0 and 100 %%.")),
        MaxValueValidator(100, message=gettext_lazy("The discount must be between 0 and 100 %%.")),
    ],
    "currency": [validate_currency],
    "email_to": [validate_email_list],
    "email_cc": [validate_email_list],
}


# Invoicing options -----------------------------------------------------------------------------


def option_display(name: str, value) -> str:
    """A setting's value as a person reads it ("" for "not set")."""
    if value is None or value == "":
        return ""
    if name == "invoice_fee_ore":
        return format_money(value)
    if name == "discount_percent":
        # 10.00 -> "10 %", 12.50 -> "12.5 %" (with the interface's decimal separator).
        text = format(Decimal(value).quantize(Decimal("0.01")), "f").rstrip("0").rstrip(".")
        return f"{formats.number_format(Decimal(text))} %"
    if name == "attach_hour_specification":
        return _("Yes") if value else _("No")
    field = InvoiceOptions._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def options_set_count(row: InvoiceOptions | None) -> int:
    """How many settings a stored row sets (the others inherit)."""
    if row is None:
        return 0
    return sum(getattr(row, name) not in (None, "") for name in OPTION_FIELDS)


def _snapshot(row: InvoiceOptions) -> dict:
    # Raw values: the activity log words them (choice labels, money) in the reader's language.
    return {name: getattr(row, name) for name in OPTION_FIELDS}


def _clean_options(row: InvoiceOptions) -> None:
    errors: dict[str, list] = {}
    try:
        row.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
    for name, validators in FIELD_VALIDATORS.items():
        value = getattr(row, name)
        if value is None or name in errors:
            continue
        for validator in validators:
            try:
                validator(value)
            except ValidationError as exc:
                errors.setdefault(name, []).extend(exc.messages)
                break
    if errors:
        raise ValidationError(errors)


def _options_update(*, row: InvoiceOptions, data: dict) -> dict:
    """Apply `data` to `row` (its owner locked by the caller), validate and save it. Returns
    the field changes; nothing is saved when nothing changed."""
    unknown = set(data) - set(OPTION_FIELDS)
    if unknown:
        raise ValueError(f"Not invoicing options: {sorted(unknown)}")
    before = _snapshot(row)
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        # An empty value means "as the level above".
        setattr(row, name, None if value == "" else value)
    _clean_options(row)
    changes = field_changes(before, _snapshot(row))
    if changes:
        row.save()
    return changes


def customer_options_update(*, actor, customer: Customer, data: dict) -> InvoiceOptions:
    """Set the customer's own invoicing options; an empty or None value inherits again.
    `data` may hold only some settings; the others stay as they are."""
    with transaction.atomic():
        # Locking the customer makes two first saves queue instead of both inserting a row.
        Customer.objects.select_for_update().only("pk").get(pk=customer.pk)
        row = InvoiceOptions.objects.filter(
            level=OptionsLevel.CUSTOMER, customer=customer
        ).first() or InvoiceOptions(level=OptionsLevel.CUSTOMER, customer=customer)
        changes = _options_update(row=row, data=data)
        if changes:
            log_activity(
                customer=customer,
                actor=actor,
                action="invoice_options.updated",
                params={"fields": list(changes)},
                changes=changes,
            )
    return row


def project_options_update(*, actor, project: Project, data: dict) -> InvoiceOptions:
    """Set one project's own invoicing options (logged on the project's customer)."""
    with transaction.atomic():
        Project.objects.select_for_update().only("pk").get(pk=project.pk)
        row = InvoiceOptions.objects.filter(
            level=OptionsLevel.PROJECT, project=project
        ).first() or InvoiceOptions(level=OptionsLevel.PROJECT, project=project)
        changes = _options_update(row=row, data=data)
        if changes:
            log_activity(
                customer=project.customer,
                actor=actor,
                action="invoice_options.project_updated",
                params={"project": str(project), "fields": list(changes)},
                changes=changes,
            )
    return row


def company_options_update(*, actor, data: dict) -> InvoiceOptions:
    """Set the company's invoicing defaults (administrators only; the view checks the role).
    The change is logged with the company's other settings (`company_change_log`)."""
    company = Company.load()
    with transaction.atomic():
        # The company row is the lock that makes two first saves queue.
        Company.objects.select_for_update().only("pk").get(pk=company.pk)
        row = InvoiceOptions.objects.filter(level=OptionsLevel.COMPANY).first() or InvoiceOptions(
            level=OptionsLevel.COMPANY
        )
        changes = _options_update(row=row, data=data)
        if changes:
            company_change_log(actor=actor, area=CompanyArea.INVOICING, changes=changes)
    return row


# Hourly rates ----------------------------------------------------------------------------------


def _date(value: date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def hourly_rate_description(rate: HourlyRate) -> str:
    """One rate in words, e.g. "Frida Finans, all projects: kr 1 200,00 from 01.01.2026"."""
    scope = str(rate.project) if rate.project_id else _("all projects")
    period = (
        _("%(start)s – %(end)s") % {"start": _date(rate.valid_from), "end": _date(rate.valid_until)}
        if rate.valid_until
        else _("from %(start)s") % {"start": _date(rate.valid_from)}
    )
    return f"{rate.employee}, {scope}: {format_money(rate.rate_ore)} {period}"


def _rate_params(rate: HourlyRate) -> dict:
    """The rate for its activity entry: scope "" means all projects."""
    return {
        "employee": str(rate.employee),
        "scope": str(rate.project) if rate.project_id else "",
        "rate_ore": rate.rate_ore,
    }


def _rate_changes(rate: HourlyRate, *, removed: bool) -> dict:
    values = {
        "employee": str(rate.employee),
        "project": str(rate.project) if rate.project_id else "",
        "rate_ore": rate.rate_ore,
        "valid_from": rate.valid_from,
        "valid_until": rate.valid_until,
    }
    empty = dict.fromkeys(values)
    before, after = (values, empty) if removed else (empty, values)
    return field_changes(before, after)


def _overlapping_rate(rate: HourlyRate) -> HourlyRate | None:
    """Another rate of the same employee and project (or both for all projects) whose period
    meets this one's. An open end (no valid until) runs for ever."""
    others = (
        HourlyRate.objects.filter(customer=rate.customer, employee=rate.employee)
        .filter(Q(project=rate.project) if rate.project_id else Q(project__isnull=True))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=rate.valid_from))
        .select_related("employee", "project")
        .order_by("valid_from", "id")
    )
    if rate.valid_until:
        others = others.filter(valid_from__lte=rate.valid_until)
    return others.first()


def hourly_rate_add(*, actor, customer: Customer, data: dict) -> HourlyRate:
    """Agree an hourly rate for one employee on the customer's work (or one of its projects).
    Refused when it overlaps another rate of the same employee and project."""
    unknown = set(data) - set(RATE_FIELDS)
    if unknown:
        raise ValueError(f"Not hourly rate fields: {sorted(unknown)}")
    rate = HourlyRate(customer=customer, **data)
    errors: dict[str, list] = {}
    try:
        rate.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
    if rate.valid_from and rate.valid_until and rate.valid_until < rate.valid_from:
        errors.setdefault("valid_until", []).append(
            _("“Valid until” cannot be before “valid from”.")
        )
    if rate.project_id and rate.project.customer_id != customer.pk:
        errors.setdefault("project", []).append(_("Choose one of this customer's projects."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Locking the customer makes two overlapping additions queue; the second one is refused.
        Customer.objects.select_for_update().only("pk").get(pk=customer.pk)
        other = _overlapping_rate(rate)
        if other:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: _(
                        "This period overlaps the rate %(other)s. Give that rate an end date "
                        "before this one starts, or delete it first."
                    )
                    % {"other": hourly_rate_description(other)}
                }
            )
        rate.save()
        hours_repriced([customer.pk])  # hours not yet invoiced are valued at agreed rates
        log_activity(
            customer=customer,
            actor=actor,
            action="hourly_rate.added",
            params=_rate_params(rate),
            changes=_rate_changes(rate, removed=False),
        )
    return rate


def hourly_rate_delete(*, actor, rate: HourlyRate) -> None:
    """Remove an agreed rate. Invoices already made keep their line prices."""
    with transaction.atomic():
        params = _rate_params(rate)
        changes = _rate_changes(rate, removed=True)
        customer = rate.customer
        rate.delete()
        hours_repriced([customer.pk])
        log_activity(
            customer=customer,
            actor=actor,
            action="hourly_rate.deleted",
            params=params,
            changes=changes,
        )


# Reads for the options pages -------------------------------------------------------------------


def customer_hourly_rates(customer: Customer) -> list[HourlyRate]:
    """The customer's agreed rates with their employees and projects, in one query."""
    return list(
        HourlyRate.objects.filter(customer=customer)
        .select_related("employee", "project")
        .order_by("employee__first_name", "employee__last_name", "employee_id", "-valid_from")
    )


def customer_project_settings(customer: Customer) -> list[tuple[Project, int]]:
    """The customer's projects, open ones first, each with how many settings it sets itself:
    two queries whatever the number of projects."""
    counts = {
        row.project_id: options_set_count(row)
        for row in InvoiceOptions.objects.filter(
            level=OptionsLevel.PROJECT, project__customer=customer
        )
    }
    projects = Project.objects.filter(customer=customer).order_by(
        Case(When(status=ProjectStatus.COMPLETED, then=1), default=0), "number"
    )
    return [(project, counts.get(project.pk, 0)) for project in projects]
