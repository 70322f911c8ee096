"""The offers pages: the Offers tab of a customer, the list across customers, compose/edit, the
offer page with its actions (ready, send, sent by hand, register an answer, withdraw) and the
stored PDFs of its revisions. Every action is one service call."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kunde.accounts.decorators import role_required
from kunde.customers.views import _customer_or_404, profile_header_context
from kunde.offers import selectors, services
from kunde.offers.forms import AnswerForm, LineFormSet, OfferForm, line_initial
from kunde.offers.models import OfferRevision, OfferStatus
from kunde.offers.pdf import stored_pdf
from kunde.projects.models import Project

STATUS_ICONS = {
    "draft": "▭",
    "ready": "✉",
    "sent": "➤",
    "accepted": "✔",
    "rejected": "✘",
    "expired": "⌛",
    "withdrawn": "↶",
}


def _list_context(request, customer=None) -> dict:
    params = selectors.OfferListParams.from_query(request.GET)
    page, sums = selectors.offers_page(customer=customer, params=params)
    # One reversed pattern and a table lookup per row: 50 {% url %} tags and loops cost more
    # than the page's queries.
    base = reverse("offers:detail", args=[0]).removesuffix("0/")
    labels = dict(OfferStatus.choices)
    for offer in page.object_list:
        offer.url = f"{base}{offer.pk}/"
        offer.icon = STATUS_ICONS[offer.status]
        offer.status_label = labels[offer.status]
    return {
        "page": page,
        "sums": sums,
        "params": params,
        "base_query": urlencode({"q": params.q, "status": params.status}),
        "status_choices": OfferStatus.choices,
        "icons": STATUS_ICONS,
    }


@require_GET
def customer_offers(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    return render(
        request,
        "offers/customer_offers.html",
        {
            **profile_header_context(request, customer, "offers:customer_offers"),
            **_list_context(request, customer),
        },
    )


@require_GET
def all_offers(request):
    return render(request, "offers/all_offers.html", _list_context(request))


def _lines_from(formset) -> list[dict] | None:
    if not formset.is_valid():
        return None
    return [form.as_line() for form in formset.forms if form.has_changed() and not form.is_blank()]


def _add_errors(form, formset, error: ValidationError) -> None:
    for key, messages_ in error.message_dict.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) == 3 and int(parts[1]) < len(formset.forms):
            field = {"unit_price_ore": "unit_price", "vat_rate": "vat"}.get(parts[2], parts[2])
            target = formset.forms[_line_form_index(formset, int(parts[1]))]
            target.add_error(field if field in target.fields else None, messages_)
        elif key in form.fields:
            form.add_error(key, messages_)
        else:
            form.add_error(None, messages_)


def _line_form_index(formset, line_index: int) -> int:
    """The form of the n-th non-blank line."""
    used = [i for i, f in enumerate(formset.forms) if f.has_changed() and not f.is_blank()]
    return used[line_index] if line_index < len(used) else 0


@role_required("can_edit_customers")
@require_http_methods(["GET", "POST"])
def offer_new(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    defaults = services.offer_defaults(customer=customer, actor=request.user)
    if request.method == "POST":
        form = OfferForm(request.POST, customer=customer)
        formset = LineFormSet(request.POST, prefix="lines")
        if form.is_valid():
            lines = _lines_from(formset)
            if lines is not None:
                try:
                    offer = services.offer_create(
                        actor=request.user,
                        customer=customer,
                        data=form.cleaned_data,
                        lines=lines,
                    )
                except ValidationError as error:
                    _add_errors(form, formset, error)
                else:
                    messages.success(request, _("The offer was saved as a draft."))
                    return redirect("offers:detail", offer.pk)
    else:
        form = OfferForm(
            customer=customer,
            initial={k: v for k, v in defaults.items() if k != "made_by"},
        )
        formset = LineFormSet(prefix="lines")
    return render(
        request,
        "offers/compose.html",
        {
            **profile_header_context(request, customer, "offers:customer_offers"),
            "form": form,
            "formset": formset,
            "offer": None,
        },
    )


@role_required("can_edit_customers")
@require_http_methods(["GET", "POST"])
def offer_edit(request, offer_id: int):
    offer = selectors.offer_or_404(offer_id)
    customer = offer.customer
    if request.method == "POST":
        form = OfferForm(request.POST, instance=offer, customer=customer)
        formset = LineFormSet(request.POST, prefix="lines")
        if form.is_valid():
            lines = _lines_from(formset)
            if lines is not None:
                data = {name: form.cleaned_data[name] for name in services.HEADER_FIELDS}
                try:
                    services.offer_update(actor=request.user, offer=offer, data=data, lines=lines)
                except ValidationError as error:
                    _add_errors(form, formset, error)
                else:
                    messages.success(request, _("The offer was saved."))
                    return redirect("offers:detail", offer.pk)
        offer.refresh_from_db()
    else:
        form = OfferForm(instance=offer, customer=customer)
        formset = LineFormSet(
            prefix="lines", initial=[line_initial(line) for line in offer.lines.all()]
        )
    return render(
        request,
        "offers/compose.html",
        {
            **profile_header_context(request, customer, "offers:customer_offers"),
            "form": form,
            "formset": formset,
            "offer": offer,
        },
    )


@require_GET
def offer_detail(request, offer_id: int):
    offer = services.offer_expire_if_due(selectors.offer_or_404(offer_id))
    lines = list(offer.lines.all())
    from kunde.offers.totals import offer_totals, sections

    return render(
        request,
        "offers/detail.html",
        {
            **profile_header_context(request, offer.customer, "offers:customer_offers"),
            "offer": offer,
            "sections": sections(lines),
            "totals": offer_totals(lines, chosen_only=offer.status == OfferStatus.ACCEPTED),
            "revisions": list(offer.revisions.all()),
            "deliveries": list(offer.deliveries.select_related("actor", "revision")[:20]),
            "milestones": list(offer.milestones.select_related("invoice_line__invoice")),
            "remaining_ore": selectors.remaining_by_project([offer.project_id]).get(
                offer.project_id
            ),
            "answer_form": AnswerForm(optional_lines=[li for li in lines if li.optional]),
            "optional_lines": [li for li in lines if li.optional],
            "projects": Project.objects.filter(customer=offer.customer).order_by("-number"),
            "icons": STATUS_ICONS,
            "editable": offer.status in (*services.EDITABLE, *services.REVISABLE),
        },
    )


def _act(request, offer_id: int, action, success: str):
    offer = selectors.offer_or_404(offer_id)
    try:
        action(offer)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("offers:detail", offer.pk)


@role_required("can_edit_customers")
@require_POST
def offer_ready(request, offer_id: int):
    return _act(
        request,
        offer_id,
        lambda o: services.offer_mark_ready(actor=request.user, offer=o),
        _("The offer is ready to send."),
    )


@role_required("can_edit_customers")
@require_POST
def offer_send(request, offer_id: int):
    by_hand = request.POST.get("by_hand") == "1"
    return _act(
        request,
        offer_id,
        lambda o: services.offer_send(
            actor=request.user,
            offer=o,
            by_hand=by_hand,
            base_url=request.build_absolute_uri("/"),
        ),
        _("The offer was marked as sent by hand.") if by_hand else _("The offer is being sent."),
    )


@role_required("can_edit_customers")
@require_POST
def offer_withdraw(request, offer_id: int):
    return _act(
        request,
        offer_id,
        lambda o: services.offer_withdraw(actor=request.user, offer=o),
        _("The offer was withdrawn."),
    )


@role_required("can_edit_customers")
@require_POST
def offer_answer(request, offer_id: int):
    """An answer registered by a user (the customer accepted or rejected by phone or mail)."""
    offer = selectors.offer_or_404(offer_id)
    optional = [line for line in offer.lines.all() if line.optional]
    form = AnswerForm(request.POST, optional_lines=optional)
    if not form.is_valid():
        for message in form.errors.values():
            messages.error(request, message)
        return redirect("offers:detail", offer.pk)
    data = form.cleaned_data
    if request.POST.get("answer") == "reject":
        return _act(
            request,
            offer_id,
            lambda o: services.offer_reject(
                offer=o, comment=data["comment"], name=data["name"], actor=request.user
            ),
            _("The rejection was registered."),
        )
    project = None
    if request.POST.get("project"):
        project = Project.objects.filter(
            pk=request.POST["project"], customer=offer.customer
        ).first()
        if project is None:
            raise Http404(_("No such project."))
    return _act(
        request,
        offer_id,
        lambda o: services.offer_accept(
            offer=o,
            name=data["name"],
            title=data["title"],
            confirmed=data["confirmed"],
            chosen_line_ids=data["chosen"],
            actor=request.user,
            project=project,
        ),
        _("The acceptance was registered."),
    )


@require_GET
def revision_pdf(request, offer_id: int, revision_id: int):
    revision = OfferRevision.objects.filter(pk=revision_id, offer_id=offer_id).first()
    if revision is None:
        raise Http404(_("No such offer revision."))
    return pdf_response(revision)


def pdf_response(revision) -> HttpResponse:
    word = "tilbud" if revision.printable.get("language") != "en" else "offer"
    response = HttpResponse(stored_pdf(revision), content_type="application/pdf")
    name = f"{word}-{revision.printable['number']}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
