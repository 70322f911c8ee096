"""The customer's ledger tab: invoices, credit notes and payments with the running balance,
totals, ageing and the customer's credit; the statement as PDF or XLSX; and finance's two
actions on the credit (apply it to an invoice, record a refund)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import parse_qsl, urlencode

from babel import Locale
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kunde.accounts.decorators import role_required
from kunde.company.models import Company
from kunde.customers import selectors as customer_selectors
from kunde.customers.models import Customer
from kunde.customers.views import profile_header_context
from kunde.invoices.documents import buyer_snapshot, seller_snapshot
from kunde.invoices.models import Invoice, InvoiceKind, InvoiceStatus
from kunde.jobs import downloads
from kunde.jobs.views import file_response
from kunde.lib import table_export
from kunde.lib.document_pdf import seller_lines
from kunde.lib.invoice_document import Party
from kunde.lib.money import format_money
from kunde.lib.numbers import format_bank_account
from kunde.payments import selectors, services
from kunde.payments.forms import DATE_INPUT_FORMATS, CreditApplyForm, CreditRefundForm
from kunde.payments.models import MatchRule, PaymentMethod
from kunde.payments.status import payment_status_text

PER_PAGE = 50
STATEMENT_CHUNK = 2000
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
# Shown on the page and in the statement.
AGEING_LABELS = {
    "not_due": gettext_lazy("Not due"),
    "days_1_30": gettext_lazy("1–30 days"),
    "days_31_60": gettext_lazy("31–60 days"),
    "days_61_90": gettext_lazy("61–90 days"),
    "over_90": gettext_lazy("Over 90 days"),
}


def _customer_or_404(customer_id: int) -> Customer:
    try:
        return customer_selectors.customer_for_profile(customer_id)
    except Customer.DoesNotExist:
        raise Http404(_("No such customer.")) from None


@dataclass(frozen=True)
class LedgerParams:
    """What the ledger tab shows: up to a date, all or only open items, newest or oldest first,
    and the page. `extra` carries the customer list's context for Previous / Next."""

    as_of: date
    today: date
    open_only: bool = False
    oldest_first: bool = False
    page: int = 1
    extra: tuple[tuple[str, str], ...] = ()
    errors: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_query(cls, query, *, today: date, extra=()) -> "LedgerParams":
        errors = []
        raw = query.get("as_of", "").strip()
        as_of = _parse_date(raw) if raw else None
        if raw and as_of is None:
            errors.append(
                _("As of: “%(value)s” is not a date (dd.mm.yyyy); it is ignored.")
                % {"value": raw[:30]}
            )
        try:
            page = min(max(int(query.get("page", "1")), 1), 10**6)
        except ValueError:
            page = 1
        return cls(
            as_of=as_of or today,
            today=today,
            open_only=query.get("open") == "1",
            oldest_first=query.get("order") == "oldest",
            page=page,
            extra=tuple(extra),
            errors=tuple(errors),
        )

    @property
    def is_today(self) -> bool:
        return self.as_of == self.today

    @property
    def state_day(self) -> date | None:
        """The day the invoices' payment states are read on: None for today, so that
        `payment_states` counts every payment as it does elsewhere."""
        return None if self.is_today else self.as_of

    @property
    def is_filtered(self) -> bool:
        return not self.is_today or self.open_only

    def querystring(self, *, with_extra: bool = True, **changes) -> str:
        values = {
            "as_of": "" if self.is_today else self.as_of.isoformat(),
            "open": "1" if self.open_only else "",
            "order": "oldest" if self.oldest_first else "",
            "page": str(self.page),
            **{key: str(value) for key, value in changes.items()},
        }
        if values["page"] == "1":
            values["page"] = ""
        pairs = [(key, value) for key, value in values.items() if value]
        return urlencode([*(self.extra if with_extra else ()), *pairs])


def _parse_date(value: str) -> date | None:
    for fmt in DATE_INPUT_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


# Rows -----------------------------------------------------------------------------------------


def _payment_text(row: selectors.LedgerRow) -> str:
    method = PaymentMethod(row.method).label if row.method in PaymentMethod.values else row.method
    return _("Payment: %(method)s") % {"method": method}


def _rule_text(row: selectors.LedgerRow) -> str:
    """How a payment found its place ("KID, exact amount"); nothing for one entered by hand."""
    if row.kind != "payment" or row.match_rule in ("", MatchRule.MANUAL):
        return ""
    return str(MatchRule(row.match_rule).label) if row.match_rule in MatchRule.values else ""


def _document_text(row: selectors.LedgerRow) -> str:
    if row.kind == "invoice":
        return _("Invoice %(number)s") % {"number": row.number}
    if row.kind == "credit_note":
        return _("Credit note %(number)s") % {"number": row.number}
    return _payment_text(row)


def _target_text(row: selectors.LedgerRow) -> str:
    """What a payment went to: its invoice, or the customer's credit."""
    if row.kind != "payment":
        return ""
    if row.invoice_id is None:
        return _("Customer's credit")
    return _("Invoice %(number)s") % {"number": row.number}


def decorated_rows(rows: list[selectors.LedgerRow], *, as_of: date | None = None) -> list[dict]:
    """The ledger rows with what the page and the statement show besides the selector's data:
    the invoices' due dates and payment states (three queries for any number of rows).

    The payment state is the one on `as_of` (today's when None), as the rest of the ledger:
    only the payments and credit notes up to that day count, and overdue is counted to it."""
    invoice_ids = {row.id for row in rows if row.kind == "invoice"}
    invoices = list(
        Invoice.objects.filter(pk__in=invoice_ids).only(
            "pk", "status", "kind", "total_ore", "due_date"
        )
    )
    states = selectors.payment_states(invoices, as_of=as_of) if invoices else {}
    by_id = {invoice.pk: invoice for invoice in invoices}
    result = []
    for row in rows:
        invoice = by_id.get(row.id) if row.kind == "invoice" else None
        result.append(
            {
                "row": row,
                "document": _document_text(row),
                "rule": _rule_text(row),
                "target": _target_text(row),
                "due_date": invoice.due_date if invoice else None,
                "state": states.get(row.id) if invoice else None,
                "status": payment_status_text(states.get(row.id)) if invoice else "",
                "charged_ore": row.amount_ore if row.kind == "invoice" else None,
                "paid_ore": -row.amount_ore if row.kind != "invoice" else None,
            }
        )
    return result


# The tab --------------------------------------------------------------------------------------


@require_GET
def customer_ledger(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    header = profile_header_context(request, customer, tab="payments:customer_ledger")
    params = LedgerParams.from_query(
        request.GET, today=timezone.localdate(), extra=parse_qsl(header["list_query"])
    )
    ledger = _ledger_page(customer, params)
    if not ledger.rows and params.page > 1:
        query = params.querystring(page=1)
        return redirect(f"{request.path}?{query}" if query else request.path)
    totals = selectors.ledger_totals(customer, as_of=params.as_of)
    num_pages = max((ledger.count + PER_PAGE - 1) // PER_PAGE, 1)
    context = {
        **header,
        "params": params,
        "rows": decorated_rows(ledger.rows, as_of=params.state_day),
        "count": ledger.count,
        "page_number": params.page,
        "num_pages": num_pages,
        "start_index": (params.page - 1) * PER_PAGE + 1 if ledger.count else 0,
        "end_index": (params.page - 1) * PER_PAGE + len(ledger.rows),
        "previous_query": params.querystring(page=params.page - 1),
        "next_query": params.querystring(page=params.page + 1),
        "download_query": params.querystring(with_extra=False, page=1),
        "clear_query": LedgerParams(
            as_of=params.today, today=params.today, extra=params.extra
        ).querystring(),
        "order_query": params.querystring(page=1, order="" if params.oldest_first else "oldest"),
        "totals": totals,
        "ageing": _ageing_rows(selectors.ageing(customer, as_of=params.as_of)),
        "can_manage_finance": request.user.can_manage_finance,
    }
    if request.user.can_manage_finance:
        context.update(_credit_context(customer, params, totals))
    return render(request, "payments/ledger.html", context)


def _ledger_page(customer, params: LedgerParams) -> selectors.LedgerPage:
    return selectors.customer_ledger(
        customer,
        as_of=params.as_of,
        open_only=params.open_only,
        newest_first=not params.oldest_first,
        limit=PER_PAGE,
        offset=(params.page - 1) * PER_PAGE,
    )


def _ageing_rows(ageing: selectors.Ageing) -> list[tuple[str, int]]:
    return [(str(label), getattr(ageing, key)) for key, label in AGEING_LABELS.items()]


def _credit_context(customer, params: LedgerParams, totals: selectors.LedgerTotals) -> dict:
    """Finance's forms for the customer's credit as it is now (not as of an earlier date)."""
    credit = totals.credit_ore if params.is_today else selectors.customer_credit_ore(customer)
    if credit <= 0:
        return {"credit_now_ore": credit}
    choices = _open_invoice_choices(customer)
    return {
        "credit_now_ore": credit,
        "apply_form": CreditApplyForm(customer=customer, choices=choices),
        "refund_form": CreditRefundForm(),
        "back_query": params.querystring(),
    }


def _open_invoice_choices(customer) -> list[tuple[int, str]]:
    """The customer's invoices with something open, oldest due first: one query."""
    open_invoices = (
        selectors.with_open_ore(
            Invoice.objects.filter(
                customer=customer, status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE
            )
        )
        .filter(open_ore__gt=0)
        .order_by("due_date", "pk")
        .values_list("pk", "number", "open_ore", "currency")[:500]
    )
    return [
        (pk, _("Invoice %(number)s, %(open)s open")
         % {"number": number, "open": format_money(open_ore, currency)})
        for pk, number, open_ore, currency in open_invoices
    ]  # fmt: skip


# Credit actions -------------------------------------------------------------------------------


def _back_to_ledger(request, customer: Customer):
    url = reverse("payments:customer_ledger", args=[customer.pk])
    query = request.POST.get("back", "")
    return redirect(f"{url}?{query}" if query else url)


def _refused(request, reasons: list[str]) -> None:
    messages.error(request, _("Not done: %(reason)s") % {"reason": " ".join(reasons)})


def _form_errors(form) -> list[str]:
    return [message for errors in form.errors.values() for message in errors]


@require_POST
@role_required("can_manage_finance")
def credit_apply(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    form = CreditApplyForm(request.POST, customer=customer)
    if not form.is_valid():
        _refused(request, _form_errors(form))
        return _back_to_ledger(request, customer)
    invoice = form.cleaned_data["invoice"]
    try:
        services.credit_apply(
            actor=request.user,
            customer=customer,
            invoice=invoice,
            amount_ore=form.cleaned_data["amount"],
        )
    except ValidationError as exc:
        _refused(request, exc.messages)
    else:
        messages.success(
            request,
            _("%(amount)s of the customer's credit used on %(doc)s.")
            % {"amount": format_money(form.cleaned_data["amount"]), "doc": invoice},
        )
    return _back_to_ledger(request, customer)


@require_POST
@role_required("can_manage_finance")
def credit_refund(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    form = CreditRefundForm(request.POST)
    if not form.is_valid():
        _refused(request, _form_errors(form))
        return _back_to_ledger(request, customer)
    try:
        services.credit_refund(
            actor=request.user,
            customer=customer,
            amount_ore=form.cleaned_data["amount"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        _refused(request, exc.messages)
    else:
        messages.success(
            request,
            _("Refund of %(amount)s recorded.")
            % {"amount": format_money(form.cleaned_data["amount"])},
        )
    return _back_to_ledger(request, customer)


# The statement --------------------------------------------------------------------------------


def _statement_columns() -> list[table_export.Column]:
    return [
        table_export.Column("date", _("Date"), "date"),
        table_export.Column("document", _("Document"), "text"),
        table_export.Column("target", _("Paid to"), "text"),
        table_export.Column("due_date", _("Due date"), "date"),
        table_export.Column("status", _("Status"), "text"),
        table_export.Column("charged", _("Invoiced"), "money", total=True),
        table_export.Column("paid", _("Paid / credited"), "money", total=True),
        table_export.Column("balance", _("Balance"), "money"),
    ]


def _statement_rows(customer, params: LedgerParams, *, with_kid: bool = False):
    """Every row of the ledger view, oldest first, fetched in chunks. `with_kid` puts each
    invoice's KID next to it, for the customer who pays from the statement."""
    offset = 0
    while True:
        page = selectors.customer_ledger(
            customer,
            as_of=params.as_of,
            open_only=params.open_only,
            limit=STATEMENT_CHUNK,
            offset=offset,
        )
        for item in decorated_rows(page.rows, as_of=params.state_day):
            row = item["row"]
            kid = _("KID %(kid)s") % {"kid": row.kid} if with_kid and row.kid else ""
            yield {
                "date": row.date,
                "document": " · ".join(
                    filter(None, [item["document"], kid, item["rule"], row.note])
                ),
                "target": item["target"],
                "due_date": item["due_date"],
                "status": payment_status_text(item["state"], days=True),
                "charged": item["charged_ore"],
                "paid": item["paid_ore"],
                "balance": row.balance_ore,
            }
        offset += STATEMENT_CHUNK
        if len(page.rows) < STATEMENT_CHUNK:
            return


def _statement_subtitle(customer, params: LedgerParams, totals, ageing) -> str:
    day = date_format(params.as_of, "SHORT_DATE_FORMAT")
    parts = [
        _("Customer no. %(number)s") % {"number": customer.number},
        _("As of %(date)s") % {"date": day},
        _("Open items only") if params.open_only else _("All entries"),
        _("Balance %(amount)s") % {"amount": format_money(totals.balance_ore)},
    ]
    if totals.credit_ore:
        parts.append(
            _("Customer's credit %(amount)s") % {"amount": format_money(totals.credit_ore)}
        )
    ageing_text = "; ".join(f"{label} {format_money(amount)}" for label, amount in ageing)
    parts.append(_("Open by days overdue: %(ageing)s") % {"ageing": ageing_text})
    return " · ".join(parts)


def _statement_letter(customer, language: str) -> table_export.Letter:
    """The statement is sent to the customer: from us, to their postal address, with how to
    pay (the bank account, and each invoice's KID in the table)."""
    company = Company.load()
    sender, recipient = Party(**seller_snapshot(company)), Party(**buyer_snapshot(customer))
    address = [recipient.name, *recipient.street.splitlines()]
    address.append(f"{recipient.postcode} {recipient.city}")
    if recipient.country not in ("", "NO"):
        address.append(Locale(language).territories.get(recipient.country, "").upper())
    payment = []
    if company.bank_account:
        label = _("Bank account") if company.bank_account.isdigit() else _("IBAN")
        payment.append(f"{label}: {format_bank_account(company.bank_account)}")
    payment.append(
        _(
            "Pay each invoice with its KID as the payment reference (shown next to the invoice "
            "below), or give the invoice number if it has no KID."
        )
    )
    return table_export.Letter(
        sender_name=sender.name,
        sender_lines=seller_lines(sender, language),
        recipient_lines=[line.strip() for line in address if line.strip()],
        payment_lines=payment,
    )


@require_GET
def customer_statement(request, customer_id: int):
    """The statement as PDF or XLSX: made here when short; above the threshold a worker makes
    it and the user watches its progress page."""
    customer = _customer_or_404(customer_id)
    fmt = request.GET.get("format", "pdf")
    if fmt not in CONTENT_TYPES:
        raise Http404(_("Choose PDF or XLSX."))
    params = LedgerParams.from_query(request.GET, today=timezone.localdate())
    file_params = {
        "customer": customer.pk,
        "format": fmt,
        "query": params.querystring(with_extra=False, page=1),
        "today": params.today.isoformat(),
    }
    count = selectors.customer_ledger(
        customer, as_of=params.as_of, open_only=params.open_only, limit=1, offset=0
    ).count
    if fmt == "pdf" and count > table_export.PDF_MAX_ROWS:
        return _statement_refused(request, customer, params, statement_too_long_message())
    if downloads.goes_to_queue(count):
        back = reverse("payments:customer_ledger", args=[customer.pk])
        job = downloads.download_enqueue(
            actor=request.user,
            builder="payments.statement",
            params=file_params,
            customer=customer,
            back=f"{back}?{file_params['query']}" if file_params["query"] else back,
        )
        return redirect("jobs:detail", job.pk)
    try:
        made = downloads.build("payments.statement", file_params)
    except ValidationError as exc:
        return _statement_refused(request, customer, params, " ".join(exc.messages))
    return file_response(made)


def statement_too_long_message() -> str:
    return _(
        "The statement has more than %(limit)s rows, too many for a PDF. Download it "
        "as XLSX, or show open items only."
    ) % {"limit": table_export.PDF_MAX_ROWS}


def _statement_refused(request, customer, params: LedgerParams, message: str):
    messages.error(request, message)
    url = reverse("payments:customer_ledger", args=[customer.pk])
    query = params.querystring()
    return redirect(f"{url}?{query}" if query else url)


def statement_file(file_params: dict, report) -> downloads.DownloadFile:
    """The statement of `file_params` (what `customer_statement` stores) as a file: the one
    function behind the direct download and the worker's."""
    customer = Customer.objects.filter(pk=file_params["customer"]).first()
    if customer is None:
        raise ValidationError(_("No such customer."))
    fmt = file_params["format"]
    params = LedgerParams.from_query(
        QueryDict(file_params["query"]), today=date.fromisoformat(file_params["today"])
    )
    totals = selectors.ledger_totals(customer, as_of=params.as_of)
    ageing = _ageing_rows(selectors.ageing(customer, as_of=params.as_of))
    total = selectors.customer_ledger(
        customer, as_of=params.as_of, open_only=params.open_only, limit=1, offset=0
    ).count
    options = {
        "title": _("Statement: %(customer)s") % {"customer": customer.name},
        "subtitle": _statement_subtitle(customer, params, totals, ageing),
        "language": "nb" if (get_language() or "nb").startswith("nb") else "en",
        "columns": _statement_columns(),
    }
    if fmt == "xlsx":
        rows = downloads.counted(_statement_rows(customer, params), total=total, report=report)
        content = table_export.table_xlsx(**options, rows=rows)
    else:
        rows = _statement_rows(customer, params, with_kid=True)
        letter = _statement_letter(customer, options["language"])
        try:
            content = table_export.table_pdf(
                **options,
                rows=downloads.counted(rows, total=total, report=report),
                letter=letter,
            )
        except table_export.TooManyRowsForPdf:
            raise ValidationError(statement_too_long_message()) from None
    filename = f"kontoutskrift-{customer.number}-{params.as_of.isoformat()}.{fmt}"
    return downloads.DownloadFile(content, filename, CONTENT_TYPES[fmt])
