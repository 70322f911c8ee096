import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kunde.accounts.decorators import role_required
from kunde.customers.models import Customer
from kunde.ehf.delivery import ehf_status_update
from kunde.ehf.forms import NokRateForm
from kunde.ehf.models import EhfDelivery
from kunde.ehf.rates import nok_rate_set, nok_rates_latest
from kunde.ehf.receivers import customer_ehf_verify


@require_POST
@role_required("can_edit_customers")
def customer_ehf_verify_view(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    try:
        receiver = customer_ehf_verify(actor=request.user, customer=customer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("EHF lookup: %(detail)s") % {"detail": receiver.detail})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("customers:detail", args=[customer.pk])
    return redirect(back)


@csrf_exempt
@login_not_required
@require_POST
def access_point_callback(request):
    """The access point's news about a sent document: JSON {"id", "status", "reason"} with
    the bearer token EHF_CALLBACK_TOKEN (no token set: no callback). Only "delivered" and
    "rejected" of a document waiting for them change anything; a repeat is harmless."""
    token = settings.EHF_CALLBACK_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return JsonResponse({"detail": "Wrong or missing token."}, status=401)
    try:
        body = json.loads(request.body)
        provider_id, status = str(body["id"]), str(body["status"])
        reason = str(body.get("reason") or "")[:2000]
    except (ValueError, TypeError, KeyError):
        return JsonResponse({"detail": "Expected JSON with id and status."}, status=400)
    delivery = (
        EhfDelivery.objects.select_related("invoice__customer")
        .filter(provider_id=provider_id)
        .exclude(provider_id="")
        .first()
    )
    if delivery is None:
        return JsonResponse({"detail": "Unknown document."}, status=404)
    delivery = ehf_status_update(delivery, status, reason)
    return JsonResponse({"status": delivery.status})


@role_required("can_manage_finance")
def nok_rates_view(request):
    form = NokRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rate = nok_rate_set(actor=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("Rate saved: 1 %(currency)s = %(nok)s NOK on %(date)s.")
            % {"currency": rate.currency, "nok": rate.nok.normalize(), "date": rate.date},
        )
        return redirect("ehf:nok_rates")
    return render(request, "ehf/nok_rates.html", {"form": form, "rates": nok_rates_latest()})
