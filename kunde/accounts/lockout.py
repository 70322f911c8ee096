"""Sign-in rate limiting with django-axes: the client's address, and the lock-out page."""

import logging

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger("kunde.accounts.lockout")


def client_ip(request) -> str:
    """The address that failed sign-ins count against. Behind our TLS proxy every request
    comes from the proxy, so the proxy's own entry in X-Forwarded-For (the last one; the
    ones before it are the client's word) is used; otherwise REMOTE_ADDR."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")


def locked_out(request, original_response=None, credentials=None):
    """The sign-in page again, with why it refuses: 429 Too Many Requests."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    logger.warning("Sign-in locked out: username=%r ip=%s", username, client_ip(request))
    form = AuthenticationForm(request, initial={"username": username})
    message = _(
        "Too many failed sign-ins. Sign-in for this user or from this address is locked for "
        "%(minutes)s minutes. Try again later, or ask an administrator to unlock it."
    ) % {"minutes": minutes}
    return render(
        request, "registration/login.html", {"form": form, "locked_out": message}, status=429
    )
