"""Every change to users: one atomic function per action, each writing its UserChange row.

Administrators manage users in the app (`/users/`) and `kunde create-admin` makes the first one.
A user made in the app gets no password: a one-time set-password link (Django's password-reset
token, void once used or after PASSWORD_RESET_TIMEOUT) is shown to the administrator and e-mailed,
so a new install works without outgoing mail.
"""

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from kunde.accounts.models import Role, User, UserChange, UserChangeAction


def _log(*, actor, user: User, action: str, details: dict | None = None) -> None:
    UserChange.objects.create(actor=actor, user=user, action=action, details=details or {})


def _refuse_unless_admin(actor) -> None:
    if actor is not None and not actor.can_manage_users:
        raise ValidationError(_("Only administrators may manage users."))


def _check_username_free(username: str) -> None:
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {"username": _("A user named %(username)s already exists.") % {"username": username}}
        )


def _keep_an_admin(user: User) -> None:
    """Refuse a change that would leave no active administrator. The active administrators are
    locked first, so two administrators demoting each other at once cannot both succeed."""
    admins = list(
        User.objects.select_for_update()
        .filter(role=Role.ADMIN, is_active=True)
        .values_list("pk", flat=True)
    )
    if admins == [user.pk]:
        raise ValidationError(
            _("%(user)s is the last active administrator. Make another administrator first.")
            % {"user": user}
        )


def set_password_path(user: User) -> str:
    """The path of a one-time link with which `user` sets a password."""
    return reverse(
        "set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


@transaction.atomic
def user_invite(
    *, actor, username: str, first_name: str, last_name: str, email: str, role: str
) -> User:
    """A new active user without a password; `set_password_path` gives the link to send."""
    _refuse_unless_admin(actor)
    _check_username_free(username)
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=Role(role),
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    _log(
        actor=actor,
        user=user,
        action=UserChangeAction.CREATED,
        details={"role": {"old": None, "new": user.role}},
    )
    return user


@transaction.atomic
def password_link_issue(*, actor, user: User) -> str:
    """A fresh set-password link for `user` (e.g. the first one was lost), logged."""
    _refuse_unless_admin(actor)
    _log(actor=actor, user=user, action=UserChangeAction.PASSWORD_LINK)
    return set_password_path(user)


@transaction.atomic
def user_role_change(*, actor, user: User, role: str) -> User:
    _refuse_unless_admin(actor)
    role = Role(role)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == role:
        return user
    if user.role == Role.ADMIN and user.is_active:
        _keep_an_admin(user)
    old = user.role
    user.role = role
    user.save(update_fields=["role"])
    _log(
        actor=actor,
        user=user,
        action=UserChangeAction.ROLE_CHANGED,
        details={"role": {"old": old, "new": role.value}},
    )
    return user


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    """The user can no longer sign in, and their API tokens stop working; nothing is deleted."""
    _refuse_unless_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    if user.role == Role.ADMIN:
        _keep_an_admin(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    _log(actor=actor, user=user, action=UserChangeAction.DEACTIVATED)
    return user


@transaction.atomic
def user_reactivate(*, actor, user: User) -> User:
    _refuse_unless_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    _log(actor=actor, user=user, action=UserChangeAction.REACTIVATED)
    return user


@transaction.atomic
def admin_create(*, username: str, email: str, password: str) -> User:
    """The first administrator of a fresh install (`kunde create-admin`); no actor."""
    _check_username_free(username)
    user = User(username=username, email=email, role=Role.ADMIN)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    _log(
        actor=None,
        user=user,
        action=UserChangeAction.CREATED,
        details={"role": {"old": None, "new": user.role}},
    )
    return user
