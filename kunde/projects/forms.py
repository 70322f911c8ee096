"""Forms turn what people type (kroner, hours as 1:30) into the services' terms (øre, minutes)."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kunde.accounts.models import Role, User
from kunde.lib.duration import parse_minutes
from kunde.lib.money import MAX_AMOUNT_ORE, kroner_to_ore, ore_to_kroner
from kunde.projects.models import ActivityKind, PriceModel, ProjectStatus

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_MAX_KRONER = Decimal(MAX_AMOUNT_ORE) / 100


def staff():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def _kroner(label, required=True):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_value=_MAX_KRONER,
        decimal_places=2,
        localize=True,
    )


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    number = forms.IntegerField(
        label=_("Project number"),
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("Leave empty for the next free number."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices)
    price_model = forms.ChoiceField(label=_("Price model"), choices=PriceModel.choices)
    manager = forms.ModelChoiceField(
        label=_("Project manager"),
        queryset=User.objects.none(),
        required=False,
    )
    start_date = forms.DateField(label=_("Start"), required=False, widget=_DATE)
    end_date = forms.DateField(label=_("End"), required=False, widget=_DATE)
    hourly_rate = _kroner(_("Price per hour (kr)"), required=False)

    def __init__(self, *args, project=None, **kwargs):
        if project is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": project.name,
                    "number": project.number,
                    "status": project.status,
                    "price_model": project.price_model,
                    "manager": project.manager_id,
                    "start_date": project.start_date,
                    "end_date": project.end_date,
                    "hourly_rate": ore_to_kroner(project.hourly_rate_ore),
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = staff().exclude(role=Role.READ_ONLY)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        rate = data.pop("hourly_rate")
        data["hourly_rate_ore"] = kroner_to_ore(rate) if rate is not None else 0
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        fields = {"hourly_rate_ore": "hourly_rate"}
        for field, messages in getattr(error, "message_dict", {"__all__": error.messages}).items():
            name = fields.get(field, field)
            self.add_error(name if name in self.fields else None, messages)


class ExpenseForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=_DATE)
    description = forms.CharField(label=_("Description"), max_length=300)
    cost = _kroner(_("Cost (kr)"))
    sales = _kroner(_("Price to customer (kr)"), required=False)
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)
    receipt = forms.FileField(label=_("Receipt"), required=False)

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "date": data["date"],
            "description": data["description"],
            "cost_ore": kroner_to_ore(data["cost"]),
            "sales_ore": kroner_to_ore(data["sales"]) if data["sales"] is not None else None,
            "billable": data["billable"],
            "receipt": data["receipt"],
        }


class ActivityForm(forms.Form):
    name = forms.CharField(label=_("Activity"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    estimated_hours = forms.DecimalField(
        label=_("Estimated hours"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100_000),
        decimal_places=2,
        localize=True,
    )
    price = _kroner(_("Price per hour or fixed price (kr)"), required=False)

    def clean_estimated_hours(self) -> int:
        hours = self.cleaned_data["estimated_hours"] or Decimal(0)
        return int((hours * 60).quantize(Decimal(1)))

    def service_data(self) -> dict:
        data = self.cleaned_data
        price = kroner_to_ore(data["price"]) if data["price"] is not None else 0
        hourly = data["kind"] == ActivityKind.HOURLY
        return {
            "name": data["name"],
            "kind": data["kind"],
            "estimated_minutes": data["estimated_hours"],
            "rate_ore": price if hourly else 0,
            "fixed_ore": 0 if hourly else price,
        }


class CostRateForm(forms.Form):
    employee = forms.ModelChoiceField(label=_("Employee"), queryset=User.objects.none())
    valid_from = forms.DateField(label=_("Valid from"), widget=_DATE)
    rate = _kroner(_("Cost per hour (kr)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = staff()


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


def monday_of(text: str | None, today: dt.date) -> dt.date:
    """The Monday of the week that holds the ISO date `text` (this week when it is not one)."""
    try:
        day = dt.date.fromisoformat(text or "")
    except ValueError:
        day = today
    return day - dt.timedelta(days=day.weekday())


def parse_week(
    post, *, projects: dict, days: list[dt.date], activities: dict | None = None
) -> tuple[list[dict], dict]:
    """The rows of the weekly grid from the POST: row-N-project ("project id" or "project
    id:activity id"), row-N-description, row-N-billable, row-N-day-K (hours as 1.5 or 1:30).
    Returns (rows, errors by input name)."""
    activities = activities or {}
    rows, errors = [], {}
    indexes = sorted(
        {
            int(key.split("-")[1])
            for key in post
            if key.startswith("row-") and key.count("-") >= 2 and key.split("-")[1].isdigit()
        }
    )
    seen = set()
    for index in indexes[:200]:
        prefix = f"row-{index}-"
        choice = post.get(prefix + "project", "")
        if not choice:
            continue
        project_id, _sep, activity_id = choice.partition(":")
        project = projects.get(int(project_id)) if project_id.isdigit() else None
        activity = activities.get(int(activity_id)) if activity_id.isdigit() else None
        if project is None or (activity_id and getattr(activity, "project_id", None) != project.pk):
            errors[prefix + "project"] = _("Choose an open project.")
            continue
        if (project.pk, activity) in seen:
            errors[prefix + "project"] = _("This project has a row already.")
            continue
        seen.add((project.pk, activity))
        row_days = {}
        for k, day in enumerate(days):
            name = f"{prefix}day-{k}"
            if name not in post:
                continue
            try:
                row_days[day] = parse_minutes(post.get(name, ""))
            except ValidationError as error:
                errors[name] = error.messages[0]
        rows.append(
            {
                "project": project,
                "activity": activity,
                "description": post.get(prefix + "description", "")[:300],
                "billable": post.get(prefix + "billable") == "on",
                "days": row_days,
            }
        )
    return rows, errors


def week_choice(project, activity=None) -> str:
    """The value of a row's project field: "project id" or "project id:activity id"."""
    return f"{project.pk}:{activity.pk}" if activity is not None else str(project.pk)
