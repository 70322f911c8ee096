"""The period and project a statistics page is for, read from the query string."""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

THIS_YEAR = "this_year"
LAST_YEAR = "last_year"
LAST_12_MONTHS = "last_12_months"
ALL_TIME = "all"
CUSTOM = "custom"
PERIOD_CHOICES = [
    (THIS_YEAR, _("This year")),
    (LAST_YEAR, _("Last year")),
    (LAST_12_MONTHS, _("Last 12 months")),
    (ALL_TIME, _("All time")),
    (CUSTOM, _("From – to")),
]


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included; None on a side means open on that side."""

    start: date | None
    end: date | None

    def previous(self) -> "Period | None":
        """The period of the same length just before this one (None for an open period)."""
        if self.start is None or self.end is None:
            return None
        length = self.end - self.start
        end = self.start - timedelta(days=1)
        return Period(end - length, end)


def period_for(choice: str, *, today: date, start=None, end=None) -> Period:
    if choice == THIS_YEAR:
        return Period(date(today.year, 1, 1), date(today.year, 12, 31))
    if choice == LAST_YEAR:
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    if choice == LAST_12_MONTHS:
        # This month and the eleven before it.
        return Period(_next_month(date(today.year - 1, today.month, 1)), today)
    if choice == CUSTOM:
        return Period(start, end)
    return Period(None, None)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


class StatisticsForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    project = forms.TypedChoiceField(label=_("Project"), coerce=int, required=False)

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", _("All projects"))] + [
            (p.pk, str(p)) for p in projects
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if data.get("period") == CUSTOM and start and end and start > end:
            raise forms.ValidationError(_("The period must start before it ends."))
        return data


@dataclass(frozen=True)
class StatisticsParams:
    """What the page shows: the period's choice and its days, and at most one project."""

    choice: str
    period: Period
    project_id: int | None = None

    @classmethod
    def from_query(cls, query, *, projects, today: date) -> tuple["StatisticsParams", forms.Form]:
        """The params from the query string; bad input gives this year and a form with errors."""
        form = StatisticsForm(query, projects=projects)
        if not form.is_valid():
            return cls(THIS_YEAR, period_for(THIS_YEAR, today=today)), form
        data = form.cleaned_data
        choice = data.get("period") or THIS_YEAR
        period = period_for(choice, today=today, start=data.get("start"), end=data.get("end"))
        return cls(choice, period, data.get("project") or None), form

    def previous(self) -> "StatisticsParams | None":
        previous = self.period.previous()
        return previous and replace(self, choice=CUSTOM, period=previous)

    def querystring(self, **extra) -> str:
        values = {"period": self.choice}
        if self.choice == CUSTOM:
            values["start"] = self.period.start.isoformat() if self.period.start else ""
            values["end"] = self.period.end.isoformat() if self.period.end else ""
        if self.project_id:
            values["project"] = self.project_id
        return urlencode({**values, **extra})
