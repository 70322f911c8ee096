"""Invoices and credit notes as documents: create a draft, edit it, issue it, delete it, read
its PDF, and credit an issued invoice. Every change is one call to `invoices.services`."""

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_decimal
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kunde.accounts.decorators import role_required
from kunde.customers.models import Customer
from kunde.invoices import selectors, services
from kunde.invoices.delivery import delivery_pending, invoice_deliveries
from kunde.invoices.forms_documents import (
    VAT_CHOICES,
    CreditForm,
    DraftHeaderForm,
    InvoiceCreateForm,
    LineForm,
    LineFormSet,
    vat_choice,
)
from kunde.invoices.models import (
    DeliveryResult,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    IssuedDocumentError,
)
from kunde.invoices.options import effective_options
from kunde.invoices.pdf import pdf_is_stored
from kunde.lib.vat import document_totals

VAT_LABELS = dict(VAT_CHOICES)


# Reading --------------------------------------------------------------------------------------


def _document_or_404(invoice_id: int) -> Invoice:
    try:
        return Invoice.objects.select_related(
            "customer", "project", "credited_invoice", "issued_by"
        ).get(pk=invoice_id)
    except Invoice.DoesNotExist:
        raise Http404(_("No such invoice or credit note.")) from None


def _customer_from_query(request) -> Customer:
    try:
        customer_id = int(request.GET.get("customer", ""))
    except ValueError:
        raise Http404(_("Say which customer to invoice.")) from None
    return get_object_or_404(Customer, pk=customer_id)


def _quantity_text(value: Decimal) -> str:
    # Numbers read the Norwegian way in both interface languages (see kunde/formats).
    return format_decimal(value, format="#,##0.###", locale="nb_NO")


def _vat_summary(lines) -> list[dict]:
    """Taxable amount and VAT per VAT category and rate, as the service computes them."""
    totals = document_totals([(line.net_ore, line.vat_category, line.vat_rate) for line in lines])
    return [
        {
            "label": VAT_LABELS.get(vat_choice(group.category, group.rate), group.category),
            "taxable_ore": group.taxable_ore,
            "vat_ore": group.vat_ore,
        }
        for group in totals.groups
    ]


@dataclass
class CreditRow:
    """A line of the invoice with what issued credit notes took of it (as a positive number)."""

    line: InvoiceLine
    credited: Decimal
    left: Decimal
    quantity_text: str = ""
    credited_text: str = ""
    left_text: str = ""
    field_name: str = ""


def _credit_rows(invoice: Invoice) -> list[CreditRow]:
    taken = dict(
        InvoiceLine.objects.filter(
            credited_line__invoice=invoice, invoice__status=InvoiceStatus.ISSUED
        )
        .values("credited_line")
        .annotate(quantity=Sum("quantity"))
        .values_list("credited_line", "quantity")
    )
    rows = []
    for line in invoice.lines.all():
        credited = -Decimal(taken.get(line.pk) or 0)
        row = CreditRow(line=line, credited=credited, left=line.quantity - credited)
        row.quantity_text = _quantity_text(line.quantity)
        row.credited_text = _quantity_text(credited)
        row.left_text = _quantity_text(row.left)
        rows.append(row)
    return rows


# Errors from the services ---------------------------------------------------------------------


def _place_errors(exc: ValidationError, place) -> list[str]:
    """Hand each of the service's errors to `place(key, messages)`, which puts it next to its
    field and returns True; the messages no field took are returned."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    general = []
    for key, errors in exc.message_dict.items():
        if not place(key, errors):
            general.extend(errors)
    return general


def _line_key(key: str, field_list: str = "lines") -> tuple[int, str] | None:
    """`lines.3.vat_rate` -> (3, "vat_rate")."""
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == field_list and parts[1].isdigit():
        return int(parts[1]), parts[2]
    return None


def _refuse(request, invoice: Invoice, message: str, status: int = 400):
    return render(
        request,
        "invoices/documents/refused.html",
        {"invoice": invoice, "message": message},
        status=status,
    )


# Creating -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required("can_manage_finance")
def invoice_create(request):
    customer = _customer_from_query(request)
    form = InvoiceCreateForm(request.POST or None, customer=customer)
    # What each project has waiting, as the draft from its hours would have it.
    work = {each.project.pk: each for each in selectors.uninvoiced_work(customer=customer)}
    projects = list(form.fields["project"].queryset)
    if not form.is_bound and not work:
        form.initial["start"] = InvoiceCreateForm.FREE
    if not form.is_bound and work:
        form.initial["project"] = next(iter(work))  # the newest project with work waiting
    general = []
    if request.method == "POST" and form.is_valid():
        from_hours = form.cleaned_data["start"] == InvoiceCreateForm.HOURS
        try:
            invoice = services.invoice_draft_create(
                actor=request.user,
                customer=customer,
                project=form.cleaned_data["project"],
                from_project_hours=from_hours,
                until=form.cleaned_data["until"] if from_hours else None,
            )
        except ValidationError as exc:

            def place(key, errors):
                if key in form.fields:
                    form.add_error(key, errors)
                    return True
                return False

            general = _place_errors(exc, place)
        else:
            messages.success(request, _("Invoice draft created."))
            return redirect("invoices:invoice_detail", invoice.pk)
    chosen = str(form["project"].value() or "")
    return render(
        request,
        "invoices/documents/create.html",
        {
            "customer": customer,
            "form": form,
            "general_errors": general,
            "project_rows": [
                {"project": p, "work": work.get(p.pk), "checked": str(p.pk) == chosen}
                for p in projects
            ],
            "no_project_checked": not chosen,
        },
    )


# The document page: an editor for drafts, a read-only page otherwise --------------------------


@require_http_methods(["GET", "POST"])
def invoice_detail(request, invoice_id: int):
    if request.method == "POST":
        return _draft_save(request, invoice_id)
    invoice = _document_or_404(invoice_id)
    if invoice.is_issued or not request.user.can_manage_finance:
        return _render_document(request, invoice)
    stored = _stored_lines(invoice)
    header = DraftHeaderForm(initial=DraftHeaderForm.initial_from(invoice))
    return _render_editor(request, invoice, stored, header, _line_formset(invoice, stored))


def _stored_lines(invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.select_related("credited_line"))


def _line_formset(invoice: Invoice, stored: list[InvoiceLine], data=None):
    options = effective_options(invoice.customer, invoice.project)
    credited_signs = None
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        credited_signs = {
            line.pk: 1 if line.credited_line.quantity > 0 else -1
            for line in stored
            if line.credited_line
        }
    return LineFormSet(
        data,
        prefix="lines",
        initial=[LineForm.initial_from(line) for line in stored],
        form_kwargs={
            "default_vat": vat_choice(*options.vat),
            "default_discount": options.discount_percent,
            "credited_signs": credited_signs,
        },
    )


@role_required("can_manage_finance")
def _draft_save(request, invoice_id: int):
    invoice = _document_or_404(invoice_id)
    if invoice.is_issued:
        return _refuse(
            request, invoice, _("%(doc)s is issued and cannot be changed.") % {"doc": invoice}
        )
    stored = _stored_lines(invoice)
    header = DraftHeaderForm(request.POST)
    formset = _line_formset(invoice, stored, data=request.POST)
    general: list[str] = []
    # Both are validated, so that every mistake shows at once.
    if header.is_valid() & formset.is_valid():
        deleted = set(formset.deleted_forms)
        sent = [form for form in formset.forms if form.cleaned_data and form not in deleted]
        try:
            services.invoice_draft_update(
                actor=request.user,
                invoice=invoice,
                header=header.cleaned_data,
                lines=[form.service_data() for form in sent],
            )
        except ValidationError as exc:

            def place(key, errors):
                line_key = _line_key(key)
                if line_key and line_key[0] < len(sent):
                    form = sent[line_key[0]]
                    field = LineForm.SERVICE_FIELDS.get(line_key[1], line_key[1])
                    known = field in form.fields and field != "id"
                    form.add_error(field if known else None, errors)
                    return True
                if key in header.fields:
                    header.add_error(key, errors)
                    return True
                return False

            general = _place_errors(exc, place)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("invoices:invoice_detail", invoice.pk)
    general += formset.non_form_errors()
    return _render_editor(request, invoice, stored, header, formset, general=general)


def _render_editor(request, invoice, stored, header, formset, general=()):
    by_id = {line.pk: line for line in stored}
    for form in formset.forms:
        line = by_id.get(form.initial.get("id"))
        form.stored_net_ore = line.net_ore if line else None
    has_errors = bool(general) or not header.is_valid() or any(f.errors for f in formset.forms)
    return render(
        request,
        "invoices/documents/editor.html",
        {
            "invoice": invoice,
            "customer": invoice.customer,
            "header": header,
            "formset": formset,
            "has_errors": formset.is_bound and has_errors,
            "general_errors": general,
            "vat_summary": _vat_summary(stored),
            "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
        },
    )


def _render_document(request, invoice: Invoice):
    lines = list(invoice.lines.all())
    for line in lines:
        line.quantity_text = _quantity_text(line.quantity)
        line.discount_text = _quantity_text(line.discount_percent)
        line.vat_label = VAT_LABELS.get(vat_choice(line.vat_category, line.vat_rate), "")
    context = {
        "invoice": invoice,
        "customer": invoice.customer,
        "lines": lines,
        "vat_summary": _vat_summary(lines),
        "can_manage_finance": request.user.can_manage_finance,
    }
    if invoice.is_issued:
        context["deliveries"] = invoice_deliveries(invoice)
        context["delivery_pending"] = delivery_pending(context["deliveries"])
    if invoice.kind == InvoiceKind.INVOICE and invoice.is_issued:
        context["credit_notes"] = list(invoice.credit_notes.order_by("id"))
        context["credit_remaining_ore"] = services.credit_remaining_ore(invoice)
    return render(request, "invoices/documents/detail.html", context)


# Issuing and deleting -------------------------------------------------------------------------


@require_POST
@role_required("can_manage_finance")
def invoice_issue(request, invoice_id: int):
    """Issue, or with `send` "issue and send": one service call either way."""
    invoice = _document_or_404(invoice_id)
    if invoice.is_issued:
        messages.error(request, _("%(doc)s is already issued.") % {"doc": invoice})
        return redirect("invoices:invoice_detail", invoice.pk)
    try:
        if request.POST.get("send"):
            result = services.invoice_issue_and_send(actor=request.user, invoice=invoice)
            issued = result.invoice
        else:
            issued = services.invoice_issue(actor=request.user, invoice=invoice)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, _("Not issued: %(reason)s") % {"reason": message})
        return redirect("invoices:invoice_detail", invoice.pk)
    messages.success(request, _("%(doc)s issued.") % {"doc": issued})
    if request.POST.get("send"):
        _report_sending(request, result)
    return redirect("invoices:invoice_detail", issued.pk)


def _report_sending(request, result: services.IssuedAndSent) -> None:
    """How the delivery after issue went; the invoice stays issued whatever happened."""
    if result.attempt is None:
        messages.warning(request, _("Not sent: %(reason)s") % {"reason": result.not_sent})
    elif result.attempt.result == DeliveryResult.FAILED:
        messages.error(request, _("Sending failed: %(error)s") % {"error": result.attempt.error})
    else:
        messages.success(request, result.attempt.get_result_display())


@require_POST
@role_required("can_manage_finance")
def invoice_delete(request, invoice_id: int):
    invoice = _document_or_404(invoice_id)
    refusal = _("%(doc)s is issued and is never deleted. Credit it instead.") % {"doc": invoice}
    if invoice.is_issued:
        return _refuse(request, invoice, refusal)
    credited_invoice_id, customer_id = invoice.credited_invoice_id, invoice.customer_id
    try:
        services.invoice_draft_delete(actor=request.user, invoice=invoice)
    except (ValidationError, IssuedDocumentError):  # issued by someone else meanwhile
        return _refuse(request, invoice, refusal)
    messages.success(request, _("Draft deleted."))
    if credited_invoice_id:
        return redirect("invoices:invoice_detail", credited_invoice_id)
    return redirect("customers:detail", customer_id)


# PDF ------------------------------------------------------------------------------------------


@require_GET
def invoice_pdf(request, invoice_id: int):
    """An issued document's stored PDF, byte for byte (or, in the moments after issue, a page
    saying it is being prepared); a draft's preview, made as issuing would make it."""
    invoice = _document_or_404(invoice_id)
    if invoice.is_issued:
        if not pdf_is_stored(invoice):
            response = render(
                request, "invoices/documents/pdf_being_prepared.html", {"invoice": invoice}
            )
            response.status_code = 202
            response["Refresh"] = "2"  # the browser asks again until the PDF is there
            response["Retry-After"] = "2"
            return response
        try:
            with invoice.pdf.open("rb") as stored:
                content = stored.read()
        except FileNotFoundError:
            raise Http404(_("The stored PDF of this document is missing.")) from None
        prefix = "faktura" if invoice.kind == InvoiceKind.INVOICE else "kreditnota"
        filename = f"{prefix}-{invoice.number}.pdf"
    else:
        try:
            content = services.invoice_preview_pdf(invoice=invoice)
        except ValidationError as exc:
            return _refuse(request, invoice, " ".join(exc.messages))
        filename = f"utkast-{invoice.pk}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# Crediting ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required("can_manage_finance")
def invoice_credit(request, invoice_id: int):
    invoice = _document_or_404(invoice_id)
    if invoice.kind != InvoiceKind.INVOICE or not invoice.is_issued:
        return _refuse(request, invoice, _("Only an issued invoice can be credited."))
    rows = _credit_rows(invoice)
    form = CreditForm(request.POST or None, rows=rows)
    general: list[str] = []
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen_lines()
        try:
            credit_note = services.credit_note_create(
                actor=request.user,
                invoice=invoice,
                lines=[line for _name, line in chosen],
                free_lines=form.free_lines(),
                reopen_hours=form.cleaned_data["reopen_hours"],
            )
        except ValidationError as exc:
            free_fields = {
                "description": "free_description",
                "quantity": "free_amount",
                "unit_price_ore": "free_amount",
                "vat_rate": "free_vat",
                "vat_category": "free_vat",
            }

            def place(key, errors):
                line_key = _line_key(key)
                if line_key and line_key[0] < len(chosen) and line_key[1] == "quantity":
                    form.add_error(chosen[line_key[0]][0], errors)
                    return True
                free_key = _line_key(key, "free_lines")
                if free_key and free_key[1] in free_fields:
                    form.add_error(free_fields[free_key[1]], errors)
                    return True
                return False

            general = _place_errors(exc, place)
        else:
            messages.success(request, _("Credit note draft created. Check it, then issue it."))
            return redirect("invoices:invoice_detail", credit_note.pk)
    return render(
        request,
        "invoices/documents/credit.html",
        {
            "invoice": invoice,
            "customer": invoice.customer,
            "form": form,
            "general_errors": general,
            "credit_remaining_ore": services.credit_remaining_ore(invoice),
        },
    )


urlpatterns = [
    path("invoices/new/", invoice_create, name="invoice_create"),
    path("invoices/<int:invoice_id>/", invoice_detail, name="invoice_detail"),
    path("invoices/<int:invoice_id>/issue/", invoice_issue, name="invoice_issue"),
    path("invoices/<int:invoice_id>/delete/", invoice_delete, name="invoice_delete"),
    path("invoices/<int:invoice_id>/pdf/", invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:invoice_id>/credit/", invoice_credit, name="invoice_credit"),
]
