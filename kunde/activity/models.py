from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kunde.activity.messages import describe, describe_changes


class ActivityEntry(models.Model):
    """One change on a customer: who, when, what, and for updates the fields old -> new.

    An entry stores its action code and parameters, not text: `activity.messages` words it in
    the reader's language when it is shown. Rows are only ever added, through
    `activity.services.log_activity` (or `log_activities` for a batch).
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="activity"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    # The document's own date when it differs from the day the entry was written (an invoice
    # issued with an earlier date, a payment of last month, imported or demo history).
    occurred_on = models.DateField(null=True, blank=True)
    action = models.CharField(max_length=50)  # e.g. "customer.updated", see activity.messages
    # JSON values only: money as øre, dates as ISO text, documents as {"kind", "number"}.
    params = models.JSONField(default=dict, blank=True)
    # Only entries written before params existed, and not convertible: their text as written.
    summary = models.CharField(max_length=300, blank=True)
    # For updates: {"field": {"old": ..., "new": ..., "type": "money" | "date" | "bool"}}
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "-at", "-id"], name="activity_timeline")]
        verbose_name_plural = _("activity")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    @property
    def text(self) -> str:
        return describe(self.action, self.params, self.summary)

    @property
    def shown_changes(self) -> dict:
        return describe_changes(self.action, self.changes)
