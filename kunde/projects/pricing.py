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


def time_entry_price_ore(entry: TimeEntry, rates) -> int:
    """Øre per hour of a saved time entry on an invoice. `rates` is an
    `invoices.options.RateBook` of the entry's customer (loaded once for many entries); the
    entry's `activity` should be prefetched. The project's rate is the one the entry took when
    it was registered (`sales_rate_ore`), so changing a project's rate later does not reprice
    hours already registered."""
    activity = entry.activity if entry.activity_id is not None else None
    agreed = None
    if activity is None or (activity.by_the_hour and not activity.rate_ore):
        agreed = rates.rate_ore(
            employee_id=entry.employee_id, on=entry.date, project_id=entry.project_id
        )
    return hour_price_ore(
        activity=activity, agreed_ore=agreed, project_rate_ore=entry.sales_rate_ore
    )
