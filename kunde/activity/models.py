from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityEntry(models.Model):
    """One change on a customer: who, when, what, and for updates the fields old -> new.

    Rows are only ever added, through `activity.services.log_activity` (or `log_activities` for
    a batch).
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="activity"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=50)  # e.g. "customer.updated", "note.added"
    summary = models.CharField(max_length=300)
    # For updates: {"field": {"label": ..., "old": ..., "new": ...}}
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "-at", "-id"], name="activity_timeline")]
        verbose_name_plural = _("activity")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.summary}"
