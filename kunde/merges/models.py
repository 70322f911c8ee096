from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class CustomerMerge(models.Model):
    """One customer merged into another: who, when, the field values before and after, and the
    id of every row that moved (`moved`, keyed by the reference "app.Model.field"), so that the
    merge can be explained and undone exactly. Never deleted; an undo is recorded on it."""

    survivor = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="merges_kept"
    )
    merged = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="merges_away"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    # {"field": "survivor" | "merged"}: whose value the survivor kept.
    field_choices = models.JSONField(default=dict)
    # {"field": {"old": survivor's before, "new": after}} for the survivor's changed fields.
    changes = models.JSONField(default=dict)
    # Both profiles as they were (editable fields and tags), JSON values.
    survivor_before = models.JSONField(default=dict)
    merged_before = models.JSONField(default=dict)
    # {"app.Model.field": [ids]}: the rows moved from the merged customer to the survivor.
    moved = models.JSONField(default=dict)
    # {"app.Model.field": {...}}: how a unique clash was resolved (rows left on the merged
    # customer, a primary contact made ordinary), never a deleted row.
    resolved = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(survivor=F("merged")), name="merge_not_into_itself"
            ),
        ]

    def __str__(self):
        return f"merge {self.pk}"

    @property
    def moved_counts(self) -> dict[str, int]:
        return {key: len(ids) for key, ids in self.moved.items() if ids}


class DuplicateDismissal(models.Model):
    """ "Not a duplicate": a pair of customers the suggestions never offer again. The pair is
    stored with the lower id first."""

    first = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_dismissal_per_pair"),
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="dismissal_ordered"),
        ]
        verbose_name = _("dismissed duplicate")

    def __str__(self):
        return f"{self.first_id} / {self.second_id}"
