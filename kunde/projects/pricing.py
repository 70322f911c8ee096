"""The price of an hour. One rule, used when hours are registered (the entry's `sales_rate_ore`),
when an invoice draft is made from a project's hours, and by statistics of what is not yet
invoiced:

1. hours on an hourly activity with a rate: the activity's rate (from the accepted offer);
2. hours on a fixed-price activity: not invoiced by the hour (its milestones are), so 0;
3. otherwise the customer's agreed rate for the employee on the day (`invoices.HourlyRate`,
   a project's own agreed rate first);
4. otherwise the project's price per hour when the hours were registered.
"""

from django.db.models import Q

from kunde.projects.models import ActivityKind, ProjectActivity, TimeEntry

# Time entries invoiced by the hour: all but those on a fixed-price activity.
BILLED_BY_THE_HOUR = ~Q(activity__kind=ActivityKind.FIXED)


def hour_price_ore(
    *,
    activity: ProjectActivity | None,
    agreed_ore: int | None,
    project_rate_ore: int,
) -> int:
    """Øre per hour, from what is known of the hours (see the module's rule)."""
    if activity is not None:
        if activity.kind == ActivityKind.FIXED:
            return 0
        if activity.rate_ore:
            return activity.rate_ore
    return agreed_ore if agreed_ore is not None else project_rate_ore


def time_entry_price_ore(entry: TimeEntry, rates, *, activities: dict | None = None) -> int:
    """Øre per hour of a saved time entry on an invoice. `rates` is an
    `invoices.options.RateBook` of the entry's customer (loaded once for many entries);
    `activities` maps activity ids to activities (else `entry.activity` is read: prefetch it).
    The project's rate is the one the entry took when it was registered (`sales_rate_ore`), so
    changing a project's rate later does not reprice hours already registered."""
    activity = None
    if entry.activity_id is not None:
        activity = activities[entry.activity_id] if activities is not None else entry.activity
    agreed = None
    if activity is None or (activity.by_the_hour and not activity.rate_ore):
        agreed = rates.rate_ore(
            employee_id=entry.employee_id, on=entry.date, project_id=entry.project_id
        )
    return hour_price_ore(
        activity=activity, agreed_ore=agreed, project_rate_ore=entry.sales_rate_ore
    )


class HourPrices:
    """The prices of the hours of one customer's projects, everything loaded once (two
    queries): `HourPrices(customer=c).of(entry)` is `time_entry_price_ore` for many entries."""

    def __init__(self, *, customer):
        from kunde.invoices.options import RateBook

        self.rates = RateBook(customer=customer, every_project=True)
        self.activities = {
            activity.pk: activity
            for activity in ProjectActivity.objects.filter(project__customer=customer)
        }

    def of(self, entry: TimeEntry) -> int:
        return time_entry_price_ore(entry, self.rates, activities=self.activities)
