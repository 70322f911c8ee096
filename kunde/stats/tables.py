"""The tab's tables per month, project and employee as HTML rows built in Python.

In a template loop every cell costs a variable lookup, a filter call, localization and an escape:
for the bench's large customer (25 months, 120 projects, 11 employees: over 900 cells) that was
about half of the tab's render. Joining plain strings gives the same cells at a fraction of the
cost. The cells read as the template's filters wrote them: `ore`, `hours`, a localized ratio.
"""

from html import escape

from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kunde.lib.money import format_hours, format_money

# What the template put between rows (and after the last one): keeps the page's markup as it was.
ROW_BREAK = "\n      "


def month_rows(months) -> SafeString:
    return mark_safe(
        ROW_BREAK.join(
            f'<tr><th scope="row">{m.month.strftime("%m.%Y")}</th>'
            f'<td class="num">{format_money(m.invoiced_ore)}</td>'
            f'<td class="num">{format_money(m.paid_ore)}</td>'
            f'<td class="num">{format_hours(m.minutes)}</td>'
            f'<td class="num">{format_money(m.cost_ore)}</td>'
            f'<td class="num">{format_money(m.margin_ore)}</td></tr>'
            for m in months
        )
    )


def employee_rows(employees) -> SafeString:
    return mark_safe(
        ROW_BREAK.join(
            f'<tr><th scope="row">{escape(e.name)}</th>'
            f'<td class="num">{format_hours(e.minutes)}</td>'
            f'<td class="num">{format_money(e.value_ore)}</td>'
            f'<td class="num">{format_money(e.cost_ore)}</td></tr>'
            for e in employees
        )
    )


def project_rows(projects) -> SafeString:
    no_project = _("No project")
    return mark_safe(
        ROW_BREAK.join(
            f'<tr><th scope="row">{escape(p.name or no_project)}</th>'
            f'<td class="num">{format_money(p.invoiced_ore)}</td>'
            f'<td class="num">{format_hours(p.minutes)}</td>'
            f'<td class="num">{format_money(p.cost_ore)}</td>'
            f'<td class="num">{format_money(p.margin_ore)}</td>'
            f'<td class="num">{_ratio(p.margin_ratio)}</td></tr>'
            for p in projects
        )
    )


def _ratio(value) -> str:
    return "–" if value is None else escape(localize(value))
