"""Payments on one issued invoice: the section of the invoice page (its payments, paid and open,
finance's form for a new payment and the write-off of a small remainder) and the two actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kunde.accounts.decorators import role_required
from kunde.company.models import Company
from kunde.invoices.models import Invoice, InvoiceKind
from kunde.lib.money import format_money
from kunde.payments import selectors, services
from kunde.payments.forms import PaymentForm, WriteOffForm, add_service_errors
from kunde.payments.status import payment_status_text


def _invoice_or_404(invoice_id: int) -> Invoice:
    try:
        return Invoice.objects.select_related("customer").get(pk=invoice_id)
    except Invoice.DoesNotExist:
        raise Http404(_("No such invoice or credit note.")) from None


def invoice_payment_context(request, invoice: Invoice, form: PaymentForm | None = None) -> dict:
    """What the invoice page's payment section needs: empty for drafts and credit notes."""
    if not invoice.is_issued or invoice.kind != InvoiceKind.INVOICE:
        return {}
    state = selectors.payment_states([invoice])[invoice.pk]
    context = {
        "payment_state": state,
        "payment_status_text": payment_status_text(state),
        "overpaid_ore": max(-state.open_ore, 0),
        "payments": list(selectors.invoice_payments(invoice)),
    }
    if request.user.can_manage_finance:
        context["payment_form"] = form or PaymentForm()
        if 0 < state.open_ore:
            tolerance = Company.load().write_off_tolerance_ore
            context["write_off_tolerance_ore"] = tolerance
            context["can_write_off"] = state.open_ore <= tolerance
    return context


@require_http_methods(["GET", "POST"])
@role_required("can_manage_finance")
def payment_new(request, invoice_id: int):
    """The form posts here from the invoice page; a refused payment is shown again here, with
    the reasons next to the fields."""
    invoice = _invoice_or_404(invoice_id)
    form = PaymentForm(request.POST) if request.method == "POST" else PaymentForm()
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.payment_register(
                actor=request.user,
                invoice=invoice,
                amount_ore=form.cleaned_data["amount"],
                date=form.cleaned_data["date"],
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, PaymentForm.SERVICE_FIELDS)
        else:
            messages.success(
                request,
                _("Payment of %(amount)s registered on %(doc)s.")
                % {"amount": format_money(payment.amount_ore, invoice.currency), "doc": invoice},
            )
            return redirect("invoices:invoice_detail", invoice.pk)
    return render(
        request,
        "payments/payment_form.html",
        {"invoice": invoice, **invoice_payment_context(request, invoice, form)},
    )


@require_POST
@role_required("can_manage_finance")
def invoice_write_off(request, invoice_id: int):
    invoice = _invoice_or_404(invoice_id)
    form = WriteOffForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        payment = services.payment_write_off(actor=request.user, invoice=invoice, note=note)
    except ValidationError as exc:
        messages.error(
            request, _("Not written off: %(reason)s") % {"reason": " ".join(exc.messages)}
        )
    else:
        messages.success(
            request,
            _("%(amount)s written off; %(doc)s is paid.")
            % {"amount": format_money(payment.amount_ore, invoice.currency), "doc": invoice},
        )
    return redirect("invoices:invoice_detail", invoice.pk)
