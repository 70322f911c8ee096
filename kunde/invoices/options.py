"""The one place that says which invoicing settings apply to a customer (and a project).

Three levels: company defaults, customer, project; the nearest level that sets a value wins.
Everything that needs a setting (drafts, issuing, delivery, the options tab) asks
`effective_options`.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q

from kunde.invoices.models import (
    HourLines,
    HourlyRate,
    InvoiceOptions,
    OptionsLevel,
    VatTreatment,
)

# What applies when not even the company sets a value.
BUILT_IN = {
    "credit_days": 14,
    "your_reference": "",
    "order_reference": "",
    "contract_reference": "",
    "customer_contact": "",
    "line_above_name": "",
    "line_below_name": "",
    "invoice_text": "",
    "footer_text": "",
    "invoice_fee_ore": 0,
    "discount_percent": Decimal(0),
    "vat_treatment": VatTreatment.STANDARD,
    "currency": "NOK",
    "language": "nb",
    "hour_lines": HourLines.EMPLOYEE,
    "attach_hour_specification": False,
    "email_to": "",
    "email_cc": "",
}
SETTINGS = list(BUILT_IN)

# The VAT category and rate each treatment puts on ordinary lines.
VAT_OF_TREATMENT = {
    VatTreatment.STANDARD: ("S", 25),
    VatTreatment.EXEMPT: ("E", 0),
    VatTreatment.REVERSE_CHARGE: ("AE", 0),
    VatTreatment.OUTSIDE_SCOPE: ("O", 0),
}


@dataclass(frozen=True)
class Setting:
    value: object
    source: str  # "built_in", "company", "customer" or "project"


class EffectiveOptions:
    def __init__(self, settings: dict[str, Setting]):
        self.settings = settings

    def __getattr__(self, name):
        try:
            return self.settings[name].value
        except KeyError:
            raise AttributeError(name) from None

    def source(self, name: str) -> str:
        return self.settings[name].source

    @property
    def vat(self) -> tuple[str, int]:
        return VAT_OF_TREATMENT[self.vat_treatment]

    @property
    def email_recipients(self) -> list[str]:
        return _addresses(self.email_to)

    @property
    def email_copies(self) -> list[str]:
        return _addresses(self.email_cc)


def _addresses(text: str) -> list[str]:
    return [a.strip() for a in (text or "").replace(";", ",").split(",") if a.strip()]


def options_rows(customer=None, project=None) -> dict[str, InvoiceOptions]:
    """The stored rows that concern a customer and project, by level, in one query."""
    wanted = Q(level=OptionsLevel.COMPANY)
    if customer is not None:
        wanted |= Q(level=OptionsLevel.CUSTOMER, customer=customer)
    if project is not None:
        wanted |= Q(level=OptionsLevel.PROJECT, project=project)
    return {row.level: row for row in InvoiceOptions.objects.filter(wanted)}


def effective_options(customer=None, project=None) -> EffectiveOptions:
    return _resolve(options_rows(customer, project))


def effective_options_of_projects(customer, projects) -> dict[int, EffectiveOptions]:
    """`effective_options(customer, project)` for each project, by project id, in one query."""
    rows = list(
        InvoiceOptions.objects.filter(
            Q(level=OptionsLevel.COMPANY)
            | Q(level=OptionsLevel.CUSTOMER, customer=customer)
            | Q(level=OptionsLevel.PROJECT, project__in=[p.pk for p in projects])
        )
    )
    shared = {row.level: row for row in rows if row.level != OptionsLevel.PROJECT}
    own = {row.project_id: row for row in rows if row.level == OptionsLevel.PROJECT}
    return {
        p.pk: _resolve({**shared, **({OptionsLevel.PROJECT: own[p.pk]} if p.pk in own else {})})
        for p in projects
    }


def _resolve(rows: dict) -> EffectiveOptions:
    settings = {}
    for name, built_in in BUILT_IN.items():
        settings[name] = Setting(built_in, "built_in")
        for level in (OptionsLevel.COMPANY, OptionsLevel.CUSTOMER, OptionsLevel.PROJECT):
            row = rows.get(level)
            value = getattr(row, name) if row else None
            if value is not None and value != "":
                settings[name] = Setting(value, str(level))
    return EffectiveOptions(settings)


class RateBook:
    """The agreed hourly rates of a customer (and project), loaded once. A project's own rate
    wins over the customer's; without an agreed rate the time entry's own rate applies. With
    `every_project`, the rates of all the customer's projects are loaded in the same one query
    and `rate_ore(project_id=...)` says which project's rates count."""

    def __init__(self, *, customer, project=None, every_project: bool = False):
        rates = HourlyRate.objects.filter(customer=customer)
        if not every_project:
            rates = rates.filter(Q(project__isnull=True) | Q(project=project))
        self.project_id = project.pk if project is not None else None
        self.rates = list(
            rates.values_list("employee_id", "project_id", "valid_from", "valid_until", "rate_ore")
        )

    def rate_ore(self, *, employee_id: int, on: date, project_id: int | None = None) -> int | None:
        project_id = project_id if project_id is not None else self.project_id
        valid = [
            (rate_project is not None, valid_from, rate)
            for employee, rate_project, valid_from, valid_until, rate in self.rates
            if employee == employee_id
            and rate_project in (None, project_id)
            and valid_from <= on
            and (valid_until is None or on <= valid_until)
        ]
        # Project rates first, then the most recent validity start.
        return max(valid)[2] if valid else None


def hour_price_ore(
    *,
    rates: RateBook,
    offer_rate: int | None,
    employee_id: int,
    day: date,
    project_id: int,
    own_rate_ore: int,
) -> int:
    """The price per hour of a time entry on an invoice draft from hours: the rate of the
    project's accepted offer, else the agreed rate on the entry's day, else the entry's own rate
    (set when it was registered). The key statistics value hours not yet invoiced with this
    same function, so the tab and the draft agree."""
    return (
        offer_rate
        or rates.rate_ore(employee_id=employee_id, on=day, project_id=project_id)
        or own_rate_ore
    )
