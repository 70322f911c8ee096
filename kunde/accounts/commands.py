"""Who a management command acts as, for the commands that change finance records (the export
to accounting, the payment import): their runs are logged with a user like any other."""

from django.core.management.base import CommandError

from kunde.accounts.models import Role, User


def finance_command_actor(username: str | None, *, may_not: str) -> User:
    """The active user named `username`, who must be allowed to manage finance; without a name,
    the first active administrator. `may_not` completes the refusal: "{username} may not …"."""
    if username:
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user with the username “{username}”.")
        if not actor.can_manage_finance:
            raise CommandError(
                f"{username} may not {may_not}: an administrator or finance user must."
            )
        return actor
    actor = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if actor is None:
        raise CommandError("There is no active administrator; name a user with --user.")
    return actor
