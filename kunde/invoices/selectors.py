"""Reading what can be invoiced. `uninvoiced_work` is the one place that turns a customer's
approved, billable, not yet invoiced hours and expenses into invoice lines: the "new invoice"
page shows its summary, and `invoice_draft_create` saves the very lines it builds, so the two
agree to the øre."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kunde.invoices.models import HourLines, InvoiceLine
from kunde.invoices.options import (
    EffectiveOptions,
    RateBook,
    effective_options_of_projects,
    hour_price_ore,
)
from kunde.invoices.services.lines import build_line
from kunde.lib.vat import line_net_ore
from kunde.offers.invoicing import due_milestones, offer_hour_rates
from kunde.projects.models import Expense, Project, TimeEntry


@dataclass
class EmployeeHours:
    """One employee's hours on a project at one rate, and their value on the draft."""

    employee: object
    rate_ore: int
    minutes: int = 0
    net_ore: int = 0

    @property
    def quantity(self) -> Decimal:
        return _quantity(self.minutes)


@dataclass
class ProjectWork:
    """A project's invoiceable work: the lines a draft from its hours gets (unsaved, in order)
    and, per line, the time entries or expense it is made of."""

    project: Project
    options: EffectiveOptions
    lines: list[InvoiceLine] = field(default_factory=list)
    sources: list[list] = field(default_factory=list)
    employees: list[EmployeeHours] = field(default_factory=list)
    expenses: list[Expense] = field(default_factory=list)
    minutes: int = 0

    @property
    def net_ore(self) -> int:
        """The lines' net, as the draft's lines will have it (before any invoice fee)."""
        return sum(line.net_ore for line in self.lines)

    @property
    def hours_net_ore(self) -> int:
        return sum(
            line.net_ore
            for line, sources in zip(self.lines, self.sources, strict=True)
            if isinstance(sources[0], TimeEntry)
        )

    @property
    def expenses_net_ore(self) -> int:
        return self.net_ore - self.hours_net_ore

    @property
    def hours(self) -> Decimal:
        return _quantity(self.minutes)


def _quantity(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.001"))


def uninvoiced_work(*, customer, project=None, until: date | None = None) -> list[ProjectWork]:
    """The approved, billable, not yet invoiced hours and expenses of the customer's projects
    (or of `project` alone), up to `until`, and the accepted offers' milestones due by then, as
    draft lines at the rates and options the draft uses (hours at the accepted offer's rate).
    Projects with nothing to invoice are left out. Eight queries, however many projects."""
    # Prefetched, not joined: thousands of entries share a few employees and projects, and one
    # instance each is far cheaper than one per entry.
    entries = TimeEntry.objects.filter(
        project__customer=customer, billable=True, approved=True, invoice_line__isnull=True
    ).prefetch_related("employee", "project")
    expenses = Expense.objects.filter(
        project__customer=customer, billable=True, approved=True, invoice_line__isnull=True
    ).select_related("project")
    if project is not None:
        entries, expenses = entries.filter(project=project), expenses.filter(project=project)
    if until:
        entries, expenses = entries.filter(date__lte=until), expenses.filter(date__lte=until)
    entries = list(entries.order_by("date", "id"))
    expenses = list(expenses.order_by("date", "id"))
    milestones = due_milestones(
        customer=customer, project=project, until=until or timezone.localdate()
    )
    projects = {item.project_id: item.project for item in [*entries, *expenses, *milestones]}
    if not projects:
        return []
    options = effective_options_of_projects(customer, list(projects.values()))
    rates = RateBook(customer=customer, every_project=True)
    offer_rates = offer_hour_rates(projects)
    work = []
    for project_id, each in sorted(projects.items(), key=lambda item: -item[1].number):
        work.append(
            _project_work(
                each,
                options[project_id],
                rates,
                [e for e in entries if e.project_id == project_id],
                [e for e in expenses if e.project_id == project_id],
                [m for m in milestones if m.project_id == project_id],
                offer_rates.get(project_id),
            )
        )
    return work


def _project_work(
    project, options, rates, entries, expenses, milestones=(), offer_rate=None
) -> ProjectWork:
    work = ProjectWork(project=project, options=options, expenses=expenses)
    grouping, discount = options.hour_lines, options.discount_percent
    if grouping != HourLines.ENTRY:
        entries = sorted(entries, key=lambda e: e.employee_id)  # stable: date, id within
    groups: dict[tuple, list[TimeEntry]] = {}
    per_employee: dict[tuple, EmployeeHours] = {}
    for entry in entries:
        rate = hour_price_ore(
            rates=rates,
            offer_rate=offer_rate,
            employee_id=entry.employee_id,
            day=entry.date,
            project_id=project.pk,
            own_rate_ore=entry.sales_rate_ore,
        )
        groups.setdefault((*_hour_group(entry, grouping), rate), []).append(entry)
        hours = per_employee.setdefault(
            (entry.employee_id, rate), EmployeeHours(employee=entry.employee, rate_ore=rate)
        )
        hours.minutes += entry.minutes
        work.minutes += entry.minutes
    for hours in per_employee.values():
        hours.net_ore = line_net_ore(hours.quantity, hours.rate_ore, discount)
    work.employees = sorted(per_employee.values(), key=lambda h: (str(h.employee), -h.rate_ore))
    for (*_group, rate), group in groups.items():
        data = {
            "description": _hour_line_text(group[0], grouping),
            "quantity": _quantity(sum(e.minutes for e in group)),
            "unit": _("hours"),
            "unit_price_ore": rate,
        }
        work.lines.append(build_line(len(work.lines), data, options.vat, discount))
        work.sources.append(group)
    for expense in expenses:
        data = {
            "description": expense.description,
            "quantity": 1,
            "unit": _("pcs"),
            "unit_price_ore": expense.sales_ore,
        }
        work.lines.append(build_line(len(work.lines), data, options.vat, discount))
        work.sources.append([expense])
    for milestone in milestones:
        # A milestone is invoiced at most once: the line marks it, as it marks hours.
        text = milestone.description
        if milestone.percent != 100:
            percent = milestone.percent.quantize(Decimal("0.01")).normalize()
            text = f"{text} ({percent:f} %)"
        data = {
            "description": _("Milestone: %(text)s") % {"text": text},
            "quantity": 1,
            "unit": _("pcs"),
            "unit_price_ore": milestone.net_ore,
            "discount_percent": 0,
            "vat_category": milestone.vat_category,
            "vat_rate": milestone.vat_rate,
        }
        work.lines.append(build_line(len(work.lines), data, options.vat, 0))
        work.sources.append([milestone])
    return work


def _hour_group(entry: TimeEntry, grouping: str) -> tuple:
    """What puts time entries (at the same price) on one line."""
    if grouping == HourLines.ENTRY:
        return (entry.pk,)
    if grouping == HourLines.PRICE:
        return ()
    return (entry.employee_id,)


def _hour_line_text(entry: TimeEntry, grouping: str) -> str:
    """The description of a line of hours, from its first entry."""
    if grouping == HourLines.ENTRY:
        text = _("%(date)s, %(employee)s") % {
            "date": formats.date_format(entry.date, "SHORT_DATE_FORMAT"),
            "employee": entry.employee,
        }
        return f"{text}: {entry.description}"[:500] if entry.description else text
    if grouping == HourLines.PRICE:
        return _("Consulting hours")
    return _("Consulting hours, %(employee)s") % {"employee": entry.employee}
