"""Users and roles, for administrators (`/users/`), and the one-time set-password page."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kunde.accounts import services
from kunde.accounts.decorators import role_required
from kunde.accounts.forms import RoleForm, UserInviteForm
from kunde.accounts.models import User

logger = logging.getLogger(__name__)
HISTORY_LENGTH = 20


@require_GET
@role_required("can_manage_users")
def user_list(request):
    users = User.objects.order_by("-is_active", "username")
    return render(request, "accounts/user_list.html", {"users": users})


def _send_link(request, user: User, link: str) -> None:
    """E-mail the link after commit; a failing mail server must not undo the user, and the
    administrator has the link on screen anyway."""
    if not user.email:
        return

    def send():
        try:
            send_mail(
                _("Your user in Kunde"),
                _("Set your password for the user %(username)s here: %(link)s")
                % {"username": user.username, "link": link},
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
        except OSError:
            logger.warning("Could not e-mail the set-password link to user %s", user.pk)

    transaction.on_commit(send)


def _link_page(request, user: User, path: str):
    link = request.build_absolute_uri(path)
    _send_link(request, user, link)
    # Shown on this page only, never put in a message cookie or a log.
    return render(request, "accounts/user_link.html", {"target": user, "link": link})


@role_required("can_manage_users")
def user_invite(request):
    form = UserInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = services.user_invite(actor=request.user, **form.cleaned_data)
                path = services.set_password_path(user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _link_page(request, user, path)
    return render(request, "accounts/user_form.html", {"form": form})


@require_GET
@role_required("can_manage_users")
def user_detail(request, user_id: int):
    target = get_object_or_404(User, pk=user_id)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "form": RoleForm(initial={"role": target.role}),
            "history": target.changes.select_related("actor")[:HISTORY_LENGTH],
        },
    )


def _act(request, user_id: int, action, done_message: str):
    target = get_object_or_404(User, pk=user_id)
    try:
        action(target)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done_message % {"user": target})
    return redirect("user_detail", user_id=target.pk)


@require_POST
@role_required("can_manage_users")
def user_role(request, user_id: int):
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return redirect("user_detail", user_id=user_id)
    return _act(
        request,
        user_id,
        lambda user: services.user_role_change(
            actor=request.user, user=user, role=form.cleaned_data["role"]
        ),
        _("The role of %(user)s was saved."),
    )


@require_POST
@role_required("can_manage_users")
def user_deactivate(request, user_id: int):
    return _act(
        request,
        user_id,
        lambda user: services.user_deactivate(actor=request.user, user=user),
        _("%(user)s was deactivated and can no longer sign in."),
    )


@require_POST
@role_required("can_manage_users")
def user_reactivate(request, user_id: int):
    return _act(
        request,
        user_id,
        lambda user: services.user_reactivate(actor=request.user, user=user),
        _("%(user)s was reactivated."),
    )


@require_POST
@role_required("can_manage_users")
def user_password_link(request, user_id: int):
    target = get_object_or_404(User, pk=user_id)
    return _link_page(
        request, target, services.password_link_issue(actor=request.user, user=target)
    )


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The one-time link: Django's password-reset token, void once the password is set."""

    template_name = "registration/set_password.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form):
        messages.success(self.request, _("Your password is set. Sign in with it."))
        return super().form_valid(form)


set_password = login_not_required(SetPasswordView.as_view())
