from django.conf import settings
from django.db import models


class HourSums(models.Model):
    """The sums each summary row holds. Values are sums of per-entry values rounded half up to
    whole øre, as the figures define them."""

    entries = models.BigIntegerField(default=0)
    minutes = models.BigIntegerField(default=0)
    # At each entry's own price per hour (set when it was registered).
    sales_value_ore = models.BigIntegerField(default=0)
    # Invoiced: at the invoice line's price; not yet: at the price a draft from hours would
    # use (`projects.pricing.time_entry_price_ore`).
    price_value_ore = models.BigIntegerField(default=0)
    cost_ore = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class HoursSummary(HourSums):
    """The time entries of one project, employee and month with the same flags, summed: what
    the key statistics and the ranking read instead of every time entry. Kept by
    `stats.summary` in the same transaction as each change to time entries; `kunde
    stats-rebuild` makes it again from the entries.

    Keyed by project, not customer: a merge moves projects to another customer, and the
    customer is one join away (projects are few)."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField()  # the first day
    billable = models.BooleanField()
    # On an issued invoice's line (hours on a draft are not invoiced yet).
    invoiced = models.BooleanField()
    approved = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month", "employee", "billable", "invoiced", "approved"],
                name="hours_summary_key",
            )
        ]

    def __str__(self):
        return f"{self.project_id} {self.employee_id} {self.month}: {self.minutes} min"


class CustomerHours(HourSums):
    """`HoursSummary` added up per customer, month, employee, billable and invoiced: what the
    tab of a whole customer and the ranking read (a customer with 120 projects has a hundred
    times fewer of these rows). Kept with it by `stats.summary`."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField()
    billable = models.BooleanField()
    invoiced = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "month", "employee", "billable", "invoiced"],
                name="customer_hours_key",
            )
        ]
        # The ranking reads only these columns: from the index alone, without the table.
        indexes = [
            models.Index(
                fields=["customer", "month", "invoiced", "price_value_ore", "cost_ore"],
                name="customer_hours_ranking",
            )
        ]

    def __str__(self):
        return f"{self.customer_id} {self.employee_id} {self.month}: {self.minutes} min"


class ProjectHours(HourSums):
    """`HoursSummary` added up per project and month: the tab's hours per project (a project
    has a few hundred times fewer of these rows than time entries). Kept with it."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="project_hours_key")
        ]

    def __str__(self):
        return f"{self.project_id} {self.month}: {self.minutes} min"
