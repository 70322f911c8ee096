from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")


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

    class Meta:
        indexes = [
            models.Index(fields=["customer", "status", "-start_date"], name="project_customer")
        ]

    def __str__(self):
        return f"{self.number} {self.name}"


class TimeEntry(models.Model):
    """Hours worked on a project. Time is whole minutes and rates are øre per hour, so that sums
    in SQL stay exact on SQLite too."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="time_entries")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    date = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(_("minutes"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    billable = models.BooleanField(_("billable"), default=True)
    approved = models.BooleanField(_("approved"), default=False)
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
        indexes = [models.Index(fields=["project", "date"], name="time_entry_project_date")]

    def __str__(self):
        return f"{self.date} {self.employee}: {self.minutes} min"


class Expense(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="expenses")
    date = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300)
    cost_ore = models.BigIntegerField(_("cost (øre)"))
    sales_ore = models.BigIntegerField(_("price to customer (øre)"))
    billable = models.BooleanField(_("billable"), default=True)
    approved = models.BooleanField(_("approved"), default=False)
    invoice_line = models.ForeignKey(
        "invoices.InvoiceLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="expenses",
    )

    class Meta:
        indexes = [models.Index(fields=["project", "date"], name="expense_project_date")]

    def __str__(self):
        return f"{self.date} {self.description}"
