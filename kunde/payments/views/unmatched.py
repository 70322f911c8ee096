"""Payments whose owner is not known: the list with suggested invoices, and finance's
assignment of each to an invoice (by its number) or to a customer as credit."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kunde.accounts.decorators import role_required
from kunde.lib.money import format_money
from kunde.payments import selectors, services
from kunde.payments.forms import AssignForm
from kunde.payments.models import Payment

# Each payment's suggestions cost two queries (`unmatched_suggestions`); a page stays small.
PER_PAGE = 20


def _unmatched_or_404(payment_id: int) -> Payment:
    try:
        return selectors.unmatched_payments().get(pk=payment_id)
    except Payment.DoesNotExist:
        raise Http404(_("No such unmatched payment; it may have been assigned already.")) from None


@require_GET
@role_required("can_manage_finance")
def unmatched_list(request):
    return _render_list(request)


def _render_list(request, bound: tuple[int, AssignForm] | None = None):
    page = Paginator(selectors.unmatched_payments(), PER_PAGE).get_page(request.GET.get("page"))
    items = []
    for payment in page.object_list:
        form = bound[1] if bound and bound[0] == payment.pk else AssignForm(prefix=f"p{payment.pk}")
        items.append(
            {
                "payment": payment,
                "suggestions": services.unmatched_suggestions(payment),
                "form": form,
            }
        )
    return render(
        request,
        "payments/unmatched.html",
        {"page": page, "items": items, "page_query": request.GET.urlencode()},
    )


@require_POST
@role_required("can_manage_finance")
def unmatched_assign(request, payment_id: int):
    payment = _unmatched_or_404(payment_id)
    form = AssignForm(request.POST, prefix=f"p{payment.pk}")
    if form.is_valid():
        try:
            written = services.unmatched_assign(
                actor=request.user, payment=payment, invoice=form.invoice, customer=form.customer
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _assigned_message(payment, form, written))
            url = reverse("payments:unmatched")
            query = request.GET.urlencode()
            return redirect(f"{url}?{query}" if query else url)
    return _render_list(request, bound=(payment.pk, form))


def _assigned_message(payment: Payment, form: AssignForm, written: list[Payment]) -> str:
    amount = format_money(payment.amount_ore, payment.currency)
    if form.invoice is None:
        return _("%(amount)s assigned to %(customer)s as credit.") % {
            "amount": amount,
            "customer": form.customer.name,
        }
    text = _("%(amount)s assigned to %(doc)s (%(customer)s).") % {
        "amount": amount,
        "doc": form.invoice,
        "customer": form.invoice.customer.name,
    }
    if len(written) > 1:
        text += " " + _("%(excess)s more than was open went to the customer's credit.") % {
            "excess": format_money(written[-1].amount_ore, payment.currency)
        }
    return text
