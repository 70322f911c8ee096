"""Sending an issued document, and the print queue of letters."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from kunde.accounts.decorators import role_required
from kunde.invoices import delivery
from kunde.invoices.fields import IdListField
from kunde.invoices.models import DeliveryResult, Invoice, InvoiceStatus
from kunde.jobs import downloads
from kunde.jobs.views import file_response


class SendForm(forms.Form):
    confirm_unknown = forms.BooleanField(
        label=gettext_lazy("I have checked; send again"), required=False
    )


class BatchForm(forms.Form):
    attempt = IdListField(
        error_messages={
            "required": gettext_lazy("Choose at least one document from the print queue."),
            "invalid": gettext_lazy(
                "The list of documents is not valid; open the print queue again."
            ),
        }
    )


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_POST
@role_required("can_manage_finance")
def invoice_send(request, invoice_id: int):
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404(_("No such invoice."))
    form = SendForm(request.POST)
    form.is_valid()  # a single optional checkbox: always valid
    try:
        attempt = delivery.invoice_send(
            actor=request.user,
            invoice=invoice,
            confirm_unknown=form.cleaned_data["confirm_unknown"],
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("invoices:invoice_detail", invoice.pk)
    facts = {"doc": invoice, "to": attempt.recipient, "error": attempt.error}
    if attempt.result == DeliveryResult.QUEUED:
        messages.success(request, _("%(doc)s was added to the print queue.") % facts)
    elif attempt.result == DeliveryResult.SENT:
        text = _("%(doc)s was e-mailed to %(to)s.") % facts
        messages.success(request, f"{text} {attempt.note}." if attempt.note else text)
    else:
        messages.error(
            request,
            _("%(doc)s could not be e-mailed: %(error)s It is still issued; you can send it again.")
            % facts,
        )
    return redirect("invoices:invoice_detail", invoice.pk)


@require_GET
def invoice_delivery(request, invoice_id: int):
    """The invoice page's delivery section alone: its script fetches it while an e-mail waits
    for a worker, so "queued" turns into "sent" or "failed" without a reload."""
    invoice = (
        Invoice.objects.select_related("customer")
        .filter(pk=invoice_id, status=InvoiceStatus.ISSUED)
        .first()
    )
    if invoice is None:
        raise Http404(_("No such invoice."))
    deliveries = delivery.invoice_deliveries(invoice)
    return render(
        request,
        "invoices/delivery/_log.html",
        {
            "invoice": invoice,
            "deliveries": deliveries,
            "delivery_pending": delivery.delivery_pending(deliveries),
        },
    )


@require_GET
@role_required("can_manage_finance")
def print_queue(request):
    attempts = list(delivery.print_queue())
    return render(
        request,
        "invoices/delivery/print_queue.html",
        {
            "attempts": attempts,
            # The batch on this page: downloaded, then marked printed, by these ids only.
            "batch_query": urlencode([("attempt", attempt.pk) for attempt in attempts]),
        },
    )


@require_GET
@role_required("can_manage_finance")
def print_queue_pdf(request):
    form = BatchForm(request.GET)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["attempt"])
        ids = form.cleaned_data["attempt"]
        if delivery.print_queue_goes_to_queue(ids):
            job = delivery.print_queue_enqueue(
                actor=request.user, attempt_ids=ids, back=reverse("invoices:print_queue")
            )
            return redirect("jobs:detail", job.pk)
        made = delivery.print_queue_file(
            {"attempts": ids, "day": timezone.localdate().isoformat()}, downloads.no_report
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("invoices:print_queue")
    return file_response(made)


@require_POST
@role_required("can_manage_finance")
def print_queue_mark_printed(request):
    form = BatchForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["attempt"])
        printed = delivery.print_queue_mark_printed(
            actor=request.user, attempt_ids=form.cleaned_data["attempt"]
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        count = len(printed)
        messages.success(
            request,
            ngettext(
                "%(count)d document marked as printed.",
                "%(count)d documents marked as printed.",
                count,
            )
            % {"count": count},
        )
    return redirect("invoices:print_queue")


urlpatterns = [
    path("invoices/<int:invoice_id>/send/", invoice_send, name="invoice_send"),
    path("invoices/<int:invoice_id>/delivery/", invoice_delivery, name="invoice_delivery"),
    path("invoices/print-queue/", print_queue, name="print_queue"),
    path("invoices/print-queue/pdf/", print_queue_pdf, name="print_queue_pdf"),
    path(
        "invoices/print-queue/printed/", print_queue_mark_printed, name="print_queue_mark_printed"
    ),
]
