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


class CustomerMonth(models.Model):
    """What the monthly sums kept by database triggers are keyed by first (`InvoiceMonth`,
    `PaymentMonth`): the customer, the project (empty without one), the month and currency.
    No unique key (a project may be empty, and NULLs are never equal in one): two writers
    adding the same new month at once may each add a row, and the readers sum."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    month = models.DateField()  # the first day
    currency = models.CharField(max_length=3)

    class Meta:
        abstract = True


class InvoiceMonth(CustomerMonth):
    """Issued invoices and credit notes of one customer, project, month, currency and kind,
    summed: what the Key statistics read for whole months instead of every document. Kept by
    database triggers (`stats.invoice_months`) as documents are issued and moved by a merge;
    issued documents never change otherwise."""

    kind = models.CharField(max_length=12)
    net_ore = models.BigIntegerField()
    documents = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["customer", "month", "currency", "kind", "project", "net_ore", "documents"],
                name="invoice_month_customer",
            )
        ]

    def __str__(self):
        return f"{self.customer_id} {self.month} {self.kind}: {self.net_ore}"


class PaymentMonth(CustomerMonth):
    """A customer's payments of one month summed by what the Key statistics tell apart: the
    project of the invoice paid, currency, method, money in or out, the days from the invoice's
    date to the payment's and whether that was after its due date (both empty without an
    invoice). Kept by database triggers (`stats.payment_months`); a payment without a customer
    (unmatched) is in none until it is assigned."""

    method = models.CharField(max_length=12)
    received = models.BooleanField()  # the payments' amounts are positive
    days = models.IntegerField(null=True)
    late = models.BooleanField()
    amount_ore = models.BigIntegerField()
    payments = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["customer", "month", "currency", "method", "received", "days", "late"],
                name="payment_month_customer",
            )
        ]

    def __str__(self):
        return f"{self.customer_id} {self.month} {self.method}: {self.amount_ore}"
