from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")


# A completed project is closed: no more hours or expenses are registered on it.
CLOSED_STATUSES = (ProjectStatus.COMPLETED,)


class PriceModel(models.TextChoices):
    HOURLY = "hourly", _("Hourly rate")
    FIXED = "fixed", _("Fixed price")
    OFFER = "offer", _("Offer-based")
    NON_BILLABLE = "non_billable", _("Non-billable")


class Project(models.Model):
    number = models.PositiveIntegerField(_("project number"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="projects"
    )
    status = models.CharField(_("status"), max_length=10, choices=ProjectStatus, default="active")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_projects",
        verbose_name=_("project manager"),
    )
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    price_model = models.CharField(
        _("price model"), max_length=20, choices=PriceModel, default=PriceModel.HOURLY
    )
    # The price per hour of hours registered on the project when the customer has no agreed
    # rate for the employee (invoices.HourlyRate wins).
    hourly_rate_ore = models.PositiveIntegerField(_("price per hour (øre)"), default=0)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "status", "-start_date"], name="project_customer")
        ]

    def __str__(self):
        return f"{self.number} {self.name}"

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end is before the start.")})

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class ActivityKind(models.TextChoices):
    HOURLY = "hourly", _("By the hour")
    FIXED = "fixed", _("Fixed price")


class ProjectActivity(models.Model):
    """A budget line of a project: work priced by the hour (estimated time × rate) or at a fixed
    price. An accepted offer makes one per chosen hourly or fixed line (`offer_line`); the
    milestones of a fixed activity are the offer's `Milestone` rows of that same line. Hours
    registered on an hourly activity are invoiced at its rate; hours on a fixed one are covered
    by its price and are not invoiced by the hour."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="activities")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("activity"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind, default="hourly")
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=0)
    # Øre per hour on an hourly activity (0: the customer's agreed rate or the project's rate).
    rate_ore = models.PositiveIntegerField(_("price per hour (øre)"), default=0)
    # The price of a fixed activity.
    fixed_ore = models.BigIntegerField(_("fixed price (øre)"), default=0)
    offer_line = models.ForeignKey(
        "offers.OfferLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )

    class Meta:
        ordering = ["project_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="activity_name_per_project")
        ]

    def __str__(self):
        return self.name

    @property
    def by_the_hour(self) -> bool:
        return self.kind == ActivityKind.HOURLY


class TimeEntry(models.Model):
    """Hours worked on a project. Time is whole minutes and rates are øre per hour, so that sums
    in SQL stay exact on SQLite too."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="time_entries")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    # The activity of the project the hours were spent on (None: the project in general).
    activity = models.ForeignKey(
        ProjectActivity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_entries",
        verbose_name=_("activity"),
    )
    date = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(_("minutes"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    billable = models.BooleanField(_("billable"), default=True)
    approved = models.BooleanField(_("approved"), default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    cost_rate_ore = models.PositiveIntegerField(_("cost per hour (øre)"), default=0)
    sales_rate_ore = models.PositiveIntegerField(_("price per hour (øre)"), default=0)
    # The invoice line that bills these hours; None while they are still to be invoiced.
    invoice_line = models.ForeignKey(
        "invoices.InvoiceLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="time_entries",
    )

    class Meta:
        indexes = [
            models.Index(fields=["project", "date"], name="time_entry_project_date"),
            models.Index(fields=["employee", "date"], name="time_entry_employee_date"),
            # The approvals page groups the open hours by project and employee from this
            # index alone (it holds every column the query reads; the id is SQLite's rowid).
            models.Index(
                fields=["project", "employee", "date", "minutes"],
                condition=models.Q(approved=False),
                name="time_entry_open",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.employee}: {self.minutes} min"

    @property
    def locked(self) -> bool:
        """Approved or invoiced hours are never edited."""
        return self.approved or self.invoice_line_id is not None


class Expense(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="expenses")
    date = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300)
    cost_ore = models.BigIntegerField(_("cost (øre)"))
    sales_ore = models.BigIntegerField(_("price to customer (øre)"))
    billable = models.BooleanField(_("billable"), default=True)
    approved = models.BooleanField(_("approved"), default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expenses",
        verbose_name=_("employee"),
    )
    # The receipt, kept in the customer's files (kunde/files) like any other upload.
    receipt = models.ForeignKey(
        "files.CustomerFile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receipt"),
    )
    invoice_line = models.ForeignKey(
        "invoices.InvoiceLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="expenses",
    )

    class Meta:
        indexes = [
            models.Index(fields=["project", "date"], name="expense_project_date"),
            models.Index(
                fields=["project", "date"], condition=models.Q(approved=False), name="expense_open"
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.description}"


class CostRate(models.Model):
    """What an hour of an employee costs the firm from `valid_from` on (until the next rate).
    A time entry takes the rate valid on its date, for cost and profitability."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cost_rates",
        verbose_name=_("employee"),
    )
    valid_from = models.DateField(_("valid from"))
    rate_ore = models.PositiveIntegerField(_("cost per hour (øre)"))

    class Meta:
        ordering = ["employee_id", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "valid_from"], name="cost_rate_once_a_day")
        ]

    def __str__(self):
        return f"{self.employee} {self.valid_from}: {self.rate_ore}"
