from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kunde.accounts.decorators import role_required
from kunde.customers.models import Customer
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
