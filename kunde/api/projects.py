"""Projects, their time entries and expenses, over the services of kunde.projects."""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, File, Query, Schema, Status
from ninja.files import UploadedFile
from pydantic import StrictBool, StrictInt

from kunde.accounts.models import Role, User
from kunde.api.api import api
from kunde.api.common import MAX_INT, InputSchema, IsoDate, QuerySchema, by_id, page_of
from kunde.customers.models import Customer
from kunde.projects import selectors, services
from kunde.projects.models import (
    ActivityKind,
    Expense,
    PriceModel,
    Project,
    ProjectActivity,
    ProjectStatus,
    TimeEntry,
)


class ProjectData(Schema):
    id: int
    number: int
    name: str
    customer: int = Field(..., alias="customer_id")
    manager: int | None = Field(None, alias="manager_id")
    status: str
    price_model: str
    start_date: dt.date | None
    end_date: dt.date | None
    hourly_rate_ore: int


class ProjectIn(InputSchema):
    """PATCH takes any of the fields; POST needs `customer` and `name`."""

    customer: StrictInt | None = None
    number: StrictInt | None = Field(None, ge=1, le=2**31 - 1)
    name: str | None = None
    manager: StrictInt | None = None
    status: ProjectStatus | None = None
    price_model: PriceModel | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    hourly_rate_ore: StrictInt | None = Field(None, ge=0, le=2**31 - 1)


class ProjectPage(Schema):
    count: int
    page: int
    pages: int
    results: list[ProjectData]


class ProjectFilters(QuerySchema):
    customer: int | None = Field(None, description="Customer id.")
    status: ProjectStatus | None = None
    q: str = Field("", description="Words in the name, the customer's name, or the number.")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


def _project(project_id: int) -> Project:
    return get_object_or_404(Project.objects.select_related("customer"), pk=project_id)


def _project_data(payload: ProjectIn) -> dict:
    data = payload.dict(exclude_unset=True)
    data.pop("customer", None)
    if "manager" in data and data["manager"] is not None:
        manager = (
            User.objects.filter(pk=data["manager"], is_active=True)
            .exclude(role=Role.READ_ONLY)
            .first()
        )
        if manager is None:
            raise ValidationError({"manager": "No active user with that id may manage projects."})
        data["manager"] = manager
    if data.get("name") is None and "name" in data:
        raise ValidationError({"name": "A project needs a name."})
    for field in ("status", "price_model"):
        if field in data and data[field] is None:
            raise ValidationError({field: "This field cannot be null."})
    if "hourly_rate_ore" in data and data["hourly_rate_ore"] is None:
        data["hourly_rate_ore"] = 0
    return data


@api.get("/projects", response=ProjectPage, tags=["projects"])
def list_projects(request, filters: Query[ProjectFilters]):
    projects = selectors.project_list(
        q=filters.q, status=filters.status or "", customer_id=filters.customer
    )
    return page_of(projects, page=filters.page, page_size=filters.page_size)


@api.post("/projects", response={201: ProjectData}, tags=["projects"])
def create_project(request, payload: ProjectIn):
    if payload.customer is None:
        raise ValidationError({"customer": "Say which customer the project is for."})
    if not payload.name:
        raise ValidationError({"name": "A project needs a name."})
    customer = by_id(Customer, payload.customer, "customer")
    return 201, services.project_create(
        actor=request.user, customer=customer, data=_project_data(payload)
    )


@api.get("/projects/{project_id}", response=ProjectData, tags=["projects"])
def get_project(request, project_id: int):
    return _project(project_id)


@api.patch("/projects/{project_id}", response=ProjectData, tags=["projects"])
def update_project(request, project_id: int, payload: ProjectIn):
    if payload.customer is not None:
        raise ValidationError({"customer": "A project cannot move to another customer here."})
    return services.project_update(
        actor=request.user, project=_project(project_id), data=_project_data(payload)
    )


# Time entries ---------------------------------------------------------------------------------


class TimeEntryOut(Schema):
    id: int
    project: int = Field(..., alias="project_id")
    date: dt.date
    employee: int = Field(..., alias="employee_id")
    activity: int | None = Field(None, alias="activity_id")
    minutes: int
    description: str
    billable: bool
    approved: bool
    invoiced: bool
    cost_rate_ore: int
    sales_rate_ore: int

    @staticmethod
    def resolve_invoiced(entry) -> bool:
        return entry.invoice_line_id is not None


class TimeEntryIn(InputSchema):
    date: IsoDate
    employee: StrictInt | None = Field(None, description="User id; yourself when left out.")
    minutes: StrictInt = Field(..., ge=1, le=24 * 60)
    description: str = Field("", max_length=300)
    billable: StrictBool = True
    activity: StrictInt | None = Field(
        None, description="Id of an activity of the project; its rate prices the hours."
    )


class TimeEntryPage(Schema):
    count: int
    page: int
    pages: int
    results: list[TimeEntryOut]


class EntryFilters(QuerySchema):
    employee: int | None = Field(None, description="User id.")
    activity: int | None = Field(None, description="Id of one of the project's activities.")
    approved: bool | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(100, ge=1, le=1000)


@api.get("/projects/{project_id}/time-entries", response=TimeEntryPage, tags=["projects"])
def list_time_entries(request, project_id: int, filters: Query[EntryFilters]):
    entries = TimeEntry.objects.filter(project=_project(project_id)).order_by("-date", "-id")
    if filters.employee is not None:
        entries = entries.filter(employee_id=filters.employee)
    if filters.activity is not None:
        entries = entries.filter(activity_id=filters.activity)
    if filters.approved is not None:
        entries = entries.filter(approved=filters.approved)
    if filters.date_from:
        entries = entries.filter(date__gte=filters.date_from)
    if filters.date_to:
        entries = entries.filter(date__lte=filters.date_to)
    return page_of(entries, page=filters.page, page_size=filters.page_size)


@api.post("/projects/{project_id}/time-entries", response={201: TimeEntryOut}, tags=["projects"])
def create_time_entry(request, project_id: int, payload: TimeEntryIn):
    project = _project(project_id)
    employee = request.user
    if payload.employee is not None:
        employee = User.objects.filter(pk=payload.employee, is_active=True).first()
        if employee is None:
            raise ValidationError({"employee": f"No active user has id {payload.employee}."})
    activity = None
    if payload.activity is not None:
        activity = project.activities.filter(pk=payload.activity).first()
        if activity is None:
            raise ValidationError(
                {
                    "activity": f"Project {project.number} has no activity "
                    f"with id {payload.activity}."
                }
            )
    return 201, services.time_entry_create(
        actor=request.user,
        project=project,
        employee=employee,
        date=payload.date,
        minutes=payload.minutes,
        description=payload.description,
        billable=payload.billable,
        activity=activity,
    )


class ApproveIn(InputSchema):
    ids: list[Annotated[StrictInt, Field(ge=1, le=MAX_INT)]] = Field(
        ..., min_length=1, max_length=10000
    )


class ApprovedOut(Schema):
    approved: int = Field(..., description="How many entries were approved now.")


@api.post("/time-entries/approve", response=ApprovedOut, tags=["projects"])
def approve_time_entries(request, payload: ApproveIn):
    if not request.user.can_edit_customers and not request.user.can_manage_finance:
        raise PermissionDenied("Your role may not approve hours.")
    return {"approved": services.time_entries_approve(actor=request.user, ids=payload.ids)}


# Expenses -------------------------------------------------------------------------------------


class ExpenseOut(Schema):
    id: int
    project: int = Field(..., alias="project_id")
    date: dt.date
    description: str
    employee: int | None = Field(None, alias="employee_id")
    cost_ore: int
    sales_ore: int
    billable: bool
    approved: bool
    receipt: int | None = Field(None, alias="receipt_id", description="Id of the customer file.")


class ExpenseIn(InputSchema):
    date: IsoDate
    description: str = Field(..., min_length=1, max_length=300)
    cost_ore: StrictInt = Field(..., ge=0, le=10**12)
    sales_ore: StrictInt | None = Field(
        None, ge=0, le=10**12, description="The cost when left out."
    )
    billable: StrictBool = True
    employee: StrictInt | None = Field(None, description="User id; yourself when left out.")


@api.get("/projects/{project_id}/expenses", response=list[ExpenseOut], tags=["projects"])
def list_expenses(request, project_id: int):
    return list(Expense.objects.filter(project=_project(project_id)).order_by("-date", "-id"))


@api.post("/projects/{project_id}/expenses", response={201: ExpenseOut}, tags=["projects"])
def create_expense(request, project_id: int, payload: ExpenseIn):
    project = _project(project_id)
    employee = by_id(User, payload.employee, "employee")
    return 201, services.expense_create(
        actor=request.user,
        project=project,
        date=payload.date,
        description=payload.description,
        cost_ore=payload.cost_ore,
        sales_ore=payload.sales_ore,
        billable=payload.billable,
        employee=employee,
    )


class ExpensesApprovedOut(Schema):
    approved: int = Field(..., description="How many expenses were approved now.")


@api.post("/expenses/approve", response=ExpensesApprovedOut, tags=["projects"])
def approve_expenses(request, payload: ApproveIn):
    """Approve open expenses by id, as the project's manager or finance; already approved
    ones are left as they are, an id the user may not approve refuses the whole batch."""
    return {"approved": services.expenses_approve(actor=request.user, ids=payload.ids)}


@api.post(
    "/expenses/{expense_id}/receipt",
    response={201: ExpenseOut},
    tags=["projects"],
    description="Upload the receipt of an expense as multipart/form-data field `file`. It is "
    "stored among the customer's files as bookkeeping material, as the web form does. An "
    "expense with a receipt already, an empty file or a blocked type answers 422; a file over "
    "MAX_UPLOAD_MB answers 413.",
)
def upload_expense_receipt(request, expense_id: int, file: File[UploadedFile] = None):
    expense = get_object_or_404(Expense.objects.select_related("project__customer"), pk=expense_id)
    if file is None:
        raise ValidationError({"file": ["Send the receipt as the multipart field “file”."]})
    try:
        expense = services.expense_receipt_attach(actor=request.user, expense=expense, upload=file)
    except ValidationError as exc:
        if exc.code == "too_large":
            return Status(413, {"detail": " ".join(exc.messages)})
        if not hasattr(exc, "error_dict"):
            raise ValidationError({"file": exc.messages}) from exc
        raise
    return Status(201, expense)


# Activities and milestones --------------------------------------------------------------------


class ActivityOut(Schema):
    id: int
    project: int = Field(..., alias="project_id")
    name: str
    kind: str
    estimated_minutes: int
    rate_ore: int = Field(..., description="Øre per hour of an hourly activity.")
    fixed_ore: int = Field(..., description="The price of a fixed-price activity.")
    offer_line: int | None = Field(None, alias="offer_line_id")
    minutes: int = Field(0, description="Registered minutes.")
    approved_minutes: int = 0
    invoiced_minutes: int = 0
    budget_ore: int = Field(0, description="Estimated hours × rate, or the fixed price.")
    invoiced_ore: int = 0
    remaining_ore: int = Field(0, description="Budget less invoiced, never below zero.")


class ActivityIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: ActivityKind = ActivityKind.HOURLY
    estimated_minutes: StrictInt = Field(0, ge=0, le=2**31 - 1)
    rate_ore: StrictInt = Field(0, ge=0, le=2**31 - 1)
    fixed_ore: StrictInt = Field(0, ge=0, le=2**31 - 1)


def _activity_out(budget) -> dict:
    activity = budget.activity
    return {
        "id": activity.pk,
        "project_id": activity.project_id,
        "name": activity.name,
        "kind": activity.kind,
        "estimated_minutes": activity.estimated_minutes,
        "rate_ore": activity.rate_ore,
        "fixed_ore": activity.fixed_ore,
        "offer_line_id": activity.offer_line_id,
        "minutes": budget.minutes,
        "approved_minutes": budget.approved_minutes,
        "invoiced_minutes": budget.invoiced_minutes,
        "budget_ore": budget.budget_ore,
        "invoiced_ore": budget.invoiced_ore,
        "remaining_ore": budget.remaining_ore,
    }


@api.get("/projects/{project_id}/activities", response=list[ActivityOut], tags=["projects"])
def list_activities(request, project_id: int):
    """The project's activities with budget vs actual."""
    budgets = selectors.activity_budgets(_project(project_id))
    return [_activity_out(budget) for budget in budgets if budget.activity is not None]


@api.post("/projects/{project_id}/activities", response={201: ActivityOut}, tags=["projects"])
def create_activity(request, project_id: int, payload: ActivityIn):
    project = _project(project_id)
    activity = services.activity_create(actor=request.user, project=project, **payload.dict())
    budget = next(b for b in selectors.activity_budgets(project) if b.activity == activity)
    return 201, _activity_out(budget)


class MilestoneOut(Schema):
    id: int
    offer: int = Field(..., alias="offer_id")
    activity: int | None = Field(None, description="The project's activity of the same line.")
    description: str
    percent: Decimal
    net_ore: int
    vat_rate: int
    due_date: dt.date | None
    invoiced: bool

    @staticmethod
    def resolve_invoiced(milestone) -> bool:
        return milestone.invoice_line_id is not None

    @staticmethod
    def resolve_activity(milestone) -> int | None:
        return getattr(milestone, "activity_id", None)


@api.get("/projects/{project_id}/milestones", response=list[MilestoneOut], tags=["projects"])
def list_milestones(request, project_id: int):
    """The fixed-price milestones of the project's accepted offers, due first."""
    project = _project(project_id)
    activity_of_line = dict(
        ProjectActivity.objects.filter(project=project, offer_line__isnull=False).values_list(
            "offer_line_id", "pk"
        )
    )
    milestones = list(project.milestones.order_by("due_date", "id"))
    for milestone in milestones:
        milestone.activity_id = activity_of_line.get(milestone.line_id)
    return milestones
