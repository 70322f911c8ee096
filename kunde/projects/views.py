import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kunde.accounts.decorators import role_required
from kunde.accounts.models import User
from kunde.customers.models import Customer
from kunde.invoices.fields import IdListField
from kunde.lib.duration import format_minutes
from kunde.projects import selectors, services
from kunde.projects.forms import (
    ActivityForm,
    CostRateForm,
    ExpenseForm,
    ProjectForm,
    monday_of,
    parse_week,
    staff,
    week_choice,
)
from kunde.projects.models import CostRate, Project, ProjectStatus


def _project_or_404(project_id: int) -> Project:
    try:
        return Project.objects.select_related("customer", "manager").get(pk=project_id)
    except Project.DoesNotExist:
        raise Http404(_("No such project.")) from None


def _positive_int(text) -> int | None:
    return int(text) if text and str(text).isdigit() and 0 < int(text) < 2**63 else None


@require_http_methods(["GET"])
def project_list(request):
    q = request.GET.get("q", "")[:200]
    status = request.GET.get("status", "")
    status = status if status in ProjectStatus.values else ""
    customer_id = _positive_int(request.GET.get("customer"))
    projects = selectors.project_list(q=q, status=status, customer_id=customer_id)
    page = Paginator(projects, selectors.PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/list.html",
        {
            "page": page,
            "q": q,
            "status": status,
            "statuses": ProjectStatus.choices,
            "customer": Customer.objects.filter(pk=customer_id).first() if customer_id else None,
        },
    )


@role_required("can_edit_customers")
@require_http_methods(["GET", "POST"])
def project_create(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    form = ProjectForm(
        request.POST or None, initial={"status": ProjectStatus.ACTIVE, "manager": request.user.pk}
    )
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                actor=request.user, customer=customer, data=form.service_data()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Project %(project)s created.") % {"project": project})
            return redirect("projects:detail", project.pk)
    return render(request, "projects/form.html", {"form": form, "customer": customer})


@role_required("can_edit_customers")
@require_http_methods(["GET", "POST"])
def project_edit(request, project_id: int):
    project = _project_or_404(project_id)
    form = ProjectForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(actor=request.user, project=project, data=form.service_data())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Project saved."))
            return redirect("projects:detail", project.pk)
    return render(
        request,
        "projects/form.html",
        {"form": form, "customer": project.customer, "project": project},
    )


@require_http_methods(["GET"])
def project_detail(request, project_id: int):
    return _detail(request, _project_or_404(project_id))


def _detail(request, project, expense_form=None, activity_form=None, status=200):
    show_all = request.GET.get("hours") == "all"
    entries = selectors.project_entries(project)
    budgets = selectors.activity_budgets(project)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "customer": project.customer,
            "totals": selectors.project_totals(project),
            "entries": entries if show_all else entries[: selectors.ENTRIES_ON_PAGE],
            "more_entries": not show_all
            and entries[selectors.ENTRIES_ON_PAGE : selectors.ENTRIES_ON_PAGE + 1].exists(),
            "expenses": selectors.project_expenses(project),
            "may_approve": services.may_approve(request.user, project),
            "may_edit": request.user.can_edit_customers,
            "expense_form": expense_form or ExpenseForm(initial={"date": timezone.localdate()}),
            "budgets": budgets,
            "budget_totals": selectors.budget_totals(budgets),
            "activity_form": activity_form or ActivityForm(),
        },
        status=status,
    )


def _ids(request) -> list[int]:
    field = IdListField(required=True)
    try:
        return field.clean(request.POST.getlist("ids"))
    except ValidationError:
        return []


@require_POST
def hours_approve(request, project_id: int):
    project = _project_or_404(project_id)
    if request.POST.get("all") == "1":
        ids = list(selectors.project_entries(project, open_only=True).values_list("pk", flat=True))
    else:
        ids = _ids(request)
    if not ids:
        messages.error(request, _("Choose the hours to approve."))
        return redirect("projects:detail", project.pk)
    # Only this project's hours are approved from its page.
    ids = list(project.time_entries.filter(pk__in=ids).values_list("pk", flat=True))
    count = services.time_entries_approve(actor=request.user, ids=ids)
    messages.success(request, _("%(count)s time entries approved.") % {"count": count})
    return redirect("projects:detail", project.pk)


@require_POST
def expenses_approve(request, project_id: int):
    project = _project_or_404(project_id)
    ids = list(project.expenses.filter(pk__in=_ids(request)).values_list("pk", flat=True))
    if not ids:
        messages.error(request, _("Choose the expenses to approve."))
        return redirect("projects:detail", project.pk)
    count = services.expenses_approve(actor=request.user, ids=ids)
    messages.success(request, _("%(count)s expense(s) approved.") % {"count": count})
    return redirect("projects:detail", project.pk)


@role_required("can_edit_customers")
@require_POST
def expense_add(request, project_id: int):
    project = _project_or_404(project_id)
    form = ExpenseForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.expense_create(actor=request.user, project=project, **form.service_data())
        except ValidationError as error:
            for field, errors in getattr(error, "message_dict", {None: error.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Expense registered."))
            return redirect(reverse("projects:detail", args=[project.pk]) + "#expenses")
    return _detail(request, project, expense_form=form, status=422)


@role_required("can_edit_customers")
@require_POST
def activity_add(request, project_id: int):
    project = _project_or_404(project_id)
    form = ActivityForm(request.POST)
    if form.is_valid():
        try:
            services.activity_create(actor=request.user, project=project, **form.service_data())
        except ValidationError as error:
            for field, errors in getattr(error, "message_dict", {None: error.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Activity added."))
            return redirect(reverse("projects:detail", args=[project.pk]) + "#activities")
    return _detail(request, project, activity_form=form, status=422)


# The weekly grid ------------------------------------------------------------------------------

BLANK_ROWS = 3


def _week_employee(request) -> User:
    employee_id = _positive_int(request.GET.get("employee"))
    if employee_id is None or employee_id == request.user.pk:
        return request.user
    if not request.user.can_manage_finance:
        raise PermissionDenied(_("Only finance may open the hours of other employees."))
    return get_object_or_404(User, pk=employee_id, is_active=True)


@require_http_methods(["GET", "POST"])
def week(request):
    today = timezone.localdate()
    monday = monday_of(request.GET.get("week"), today)
    days = [monday + dt.timedelta(days=k) for k in range(7)]
    employee = _week_employee(request)
    projects = {project.pk: project for project in selectors.open_projects()}
    activities = {activity.pk: activity for activity in selectors.open_activities()}
    errors, posted = {}, None
    if request.method == "POST":
        if not request.user.can_edit_customers:
            raise PermissionDenied
        rows, errors = parse_week(request.POST, projects=projects, days=days, activities=activities)
        if not errors:
            try:
                services.week_save(actor=request.user, employee=employee, rows=rows)
            except ValidationError as error:
                errors["general"] = " ".join(error.messages)
            else:
                messages.success(request, _("The week is saved."))
                return redirect(request.get_full_path())
        posted = request.POST
    rows = selectors.week_rows(employee=employee, days=days)
    grid = _grid(rows, days, posted)
    return render(
        request,
        "projects/week.html",
        {
            "employee": employee,
            "employees": staff() if request.user.can_manage_finance else None,
            "days": days,
            "today": today,
            "grid": grid,
            "choices": _week_choices(projects, activities),
            "errors": errors,
            "previous_week": (monday - dt.timedelta(days=7)).isoformat(),
            "next_week": (monday + dt.timedelta(days=7)).isoformat(),
            "day_totals": [sum(row.cells[k]["minutes"] for row in rows) for k in range(7)],
            "week_total": sum(row.minutes for row in rows),
            "may_edit": request.user.can_edit_customers,
        },
        status=422 if errors else 200,
    )


def _week_choices(projects: dict, activities: dict) -> list[tuple[str, str]]:
    """(value, label) of each project, followed by each of its activities."""
    per_project: dict[int, list] = {}
    for activity in activities.values():
        per_project.setdefault(activity.project_id, []).append(activity)
    choices = []
    for project in projects.values():
        label = f"{project} · {project.customer.name}"
        choices.append((week_choice(project), label))
        for activity in per_project.get(project.pk, []):
            choices.append(
                (
                    week_choice(project, activity),
                    f"{project} – {activity} · {project.customer.name}",
                )
            )
    return choices


def _grid(rows, days, posted) -> list[dict]:
    """The rows of the form: the saved ones, then blank ones to add projects. After a refused
    save the typed values are shown again."""
    grid = []
    for index, row in enumerate(rows):
        grid.append(
            {
                "index": index,
                "project": row.project,
                "activity": row.activity,
                "choice": week_choice(row.project, row.activity),
                "description": row.description,
                "billable": row.billable,
                "cells": [
                    {"value": format_minutes(cell["minutes"]), "locked": cell["locked"], "day": day}
                    for cell, day in zip(row.cells, days, strict=True)
                ],
            }
        )
    for index in range(len(rows), len(rows) + BLANK_ROWS):
        grid.append(
            {
                "index": index,
                "project": None,
                "description": "",
                "billable": True,
                "cells": [{"value": "", "locked": False, "day": day} for day in days],
            }
        )
    if posted is not None:
        for row in grid:
            prefix = f"row-{row['index']}-"
            if row["project"] is None:
                row["chosen"] = posted.get(prefix + "project", "")
            row["description"] = posted.get(prefix + "description", row["description"])
            row["billable"] = posted.get(prefix + "billable") == "on"
            for k, cell in enumerate(row["cells"]):
                if not cell["locked"]:
                    cell["value"] = posted.get(f"{prefix}day-{k}", cell["value"])
    return grid


# Cost rates -----------------------------------------------------------------------------------


@role_required("can_manage_finance")
@require_http_methods(["GET", "POST"])
def cost_rates(request):
    from kunde.lib.money import kroner_to_ore

    form = CostRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.cost_rate_set(
            actor=request.user,
            employee=data["employee"],
            valid_from=data["valid_from"],
            rate_ore=kroner_to_ore(data["rate"]),
        )
        messages.success(request, _("Cost rate saved."))
        return redirect("projects:cost_rates")
    rates = CostRate.objects.select_related("employee").order_by(
        "employee__username", "-valid_from"
    )
    return render(request, "projects/cost_rates.html", {"form": form, "rates": rates})


# CSV import of hours --------------------------------------------------------------------------


def _import_name(user, token: str) -> str | None:
    if len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
        return None
    return f"time-imports/{user.pk}/{token}.csv"


@role_required("can_edit_customers")
@require_http_methods(["GET", "POST"])
def hours_import(request):
    import secrets

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from kunde.projects.csv_import import PREVIEW_ROWS, time_entries_import
    from kunde.projects.forms import ImportForm

    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "preview_rows": PREVIEW_ROWS}
    token = request.POST.get("token", "")
    if request.method == "POST" and token:
        name = _import_name(request.user, token)
        if name is None or not default_storage.exists(name):
            messages.error(request, _("The checked file is gone; choose it again."))
            return redirect("projects:import")
        with default_storage.open(name, "rb") as stored:
            data = stored.read()
        result = time_entries_import(actor=request.user, data=data)
        if result.ok:
            default_storage.delete(name)
            messages.success(
                request,
                _("%(count)s time entries imported.") % {"count": result.imported},
            )
            return redirect("projects:list")
        context.update(result=result, token=token)
        return render(request, "projects/import.html", context, status=422)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        result = time_entries_import(actor=request.user, data=data, dry_run=True)
        context["result"] = result
        if result.ok:
            token = secrets.token_hex(16)
            default_storage.save(_import_name(request.user, token), ContentFile(data))
            context["token"] = token
        return render(request, "projects/import.html", context, status=200 if result.ok else 422)
    return render(request, "projects/import.html", context)


# Approvals across projects --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def approvals(request):
    """The open hours and expenses of the projects the user approves (finance: all), one row
    per project and employee; chosen rows are approved in one go."""
    if request.method == "POST":
        keys = request.POST.getlist("shown" if request.POST.get("all") == "1" else "groups")
        if not keys:
            messages.error(request, _("Choose the hours or expenses to approve."))
            return redirect(request.get_full_path())
        try:
            hours, expenses = services.open_work_approve(actor=request.user, keys=keys[:1000])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(hours)s time entries and %(expenses)s expense(s) approved.")
                % {"hours": hours, "expenses": expenses},
            )
        return redirect(request.get_full_path())
    per_page = selectors.APPROVAL_GROUPS_PER_PAGE
    # One grouped query each, read whole (groups are few) and paged here: a paginated
    # queryset would scan the open entries twice, for the count and for the page.
    hours = list(selectors.approval_groups(request.user, kind="hours"))
    hours_page = Paginator(hours, per_page).get_page(request.GET.get("page"))
    expenses = list(selectors.approval_groups(request.user, kind="expenses"))
    expenses_page = Paginator(expenses, per_page).get_page(request.GET.get("epage"))
    return render(
        request,
        "projects/approvals.html",
        {
            "hours_page": hours_page,
            "hour_groups": selectors.approval_rows(hours_page.object_list, kind="hours"),
            "expenses_page": expenses_page,
            "expense_groups": selectors.approval_rows(expenses_page.object_list, kind="expenses"),
        },
    )
