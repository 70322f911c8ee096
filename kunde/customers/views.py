from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kunde.accounts.decorators import role_required
from kunde.accounts.models import Role, User
from kunde.customers import selectors, services
from kunde.customers.forms import ContactForm, CustomerForm, NoteForm
from kunde.customers.models import Contact, Customer, CustomerStatus, Note, Tag
from kunde.lib.brreg import RegisterClient, RegisterUnavailable
from kunde.lib.numbers import clean_organization_number
from kunde.merges.selectors import has_likely_duplicates
from kunde.projects.selectors import customer_projects


def _profile_url(customer_id: int, list_query: str = "") -> str:
    url = reverse("customers:detail", args=[customer_id])
    return f"{url}?{list_query}" if list_query else url


def _customer_or_404(customer_id: int) -> Customer:
    try:
        return selectors.customer_for_profile(customer_id)
    except Customer.DoesNotExist:
        raise Http404(_("No such customer.")) from None


@require_GET
def customer_list(request):
    params = selectors.CustomerListParams.from_query(request.GET)
    return render(
        request,
        "customers/list.html",
        {
            "page": selectors.customer_list_page(params),
            "params": params,
            "list_query": params.querystring(page=1),
            "statuses": CustomerStatus.choices,
            "tags": Tag.objects.all(),
            "managers": User.objects.filter(is_active=True).exclude(role=Role.READ_ONLY),
            "sorts": selectors.SORT_LABELS,
        },
    )


def profile_header_context(request, customer: Customer, tab: str = "customers:detail") -> dict:
    """What the profile header (customers/_header.html) needs on every tab: the list context
    and Previous / Next to the neighbours' same tab."""
    params = selectors.CustomerListParams.from_query(request.GET)
    list_query = params.querystring(page=1)
    previous_id, next_id = selectors.customer_neighbours(customer, params)

    def tab_url(customer_id):
        url = reverse(tab, args=[customer_id])
        return f"{url}?{list_query}" if list_query else url

    return {
        "customer": customer,
        "list_query": list_query,
        "previous_url": previous_id and tab_url(previous_id),
        "next_url": next_id and tab_url(next_id),
    }


@require_GET
def customer_detail(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    all_notes = request.GET.get("notes") == "all"
    notes = selectors.customer_notes(
        customer, limit=None if all_notes else selectors.NOTES_ON_PROFILE + 1
    )
    return render(
        request,
        "customers/detail.html",
        {
            **profile_header_context(request, customer),
            "contacts": list(customer.contacts.all()),
            "notes": notes if all_notes else notes[: selectors.NOTES_ON_PROFILE],
            "more_notes": not all_notes and len(notes) > selectors.NOTES_ON_PROFILE,
            "note_form": NoteForm(),
            "projects": customer_projects(customer),
            "activity": selectors.customer_activity(customer),
            "likely_duplicates": request.user.can_manage_finance
            and has_likely_duplicates(customer),
        },
    )


def _save_customer_form(request, form: CustomerForm, customer: Customer | None):
    """Validate and save through the service; on failure put the reasons on the form."""
    if not form.is_valid():
        return None
    options = {
        "actor": request.user,
        "data": form.master_data(),
        "tags": form.cleaned_data["tags"],
        "allow_duplicate_organization": form.cleaned_data["allow_duplicate_organization"],
    }
    try:
        if customer is None:
            return services.customer_create(**options)
        return services.customer_update(
            customer=customer, expected_version=form.cleaned_data["version"], **options
        )
    except ValidationError as exc:
        form.add_error(None, exc)
    except services.StaleEdit:
        form.add_error(
            None,
            _(
                "Someone else saved this customer after you opened it. Your changes are not "
                "saved: open the customer again to see the current data, then make your change."
            ),
        )
    return None


@role_required("can_edit_customers")
def customer_create(request):
    form = CustomerForm(request.POST or None)
    if request.method == "POST":
        customer = _save_customer_form(request, form, None)
        if customer:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("customers:detail", customer.pk)
    return render(
        request,
        "customers/form.html",
        {"form": form, "next_number": services.next_customer_number()},
    )


@role_required("can_edit_customers")
def customer_edit(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST":
        saved = _save_customer_form(request, form, customer)
        if saved:
            messages.success(request, _("Changes saved."))
            return redirect(_profile_url(saved.pk, request.GET.urlencode()))
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@require_GET
def register_lookup(request):
    """Matches from the business register for a name or an organisation number, as JSON."""
    query = request.GET.get("q", "").strip()
    if len(query) < 3:
        return JsonResponse({"results": []})
    client = RegisterClient(settings.BRREG_BASE_URL, settings.BRREG_TIMEOUT_SECONDS)
    try:
        if query.replace(" ", "").isdigit():
            try:
                number = clean_organization_number(query)
            except ValueError as exc:
                return JsonResponse({"results": [], "error": str(exc)})
            entity = client.get(number)
            results = [entity] if entity else []
        else:
            results = client.search(query)
    except RegisterUnavailable:
        return JsonResponse(
            {
                "results": [],
                "error": _(
                    "The business register does not answer right now. "
                    "You can fill in the customer by hand."
                ),
            },
            status=503,
        )
    return JsonResponse({"results": [entity.as_dict() for entity in results]})


# Contacts -----------------------------------------------------------------------------------


@role_required("can_edit_customers")
def contact_create(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_add(actor=request.user, customer=customer, data=form.cleaned_data)
        messages.success(request, _("Contact added."))
        return redirect("customers:detail", customer.pk)
    return render(request, "customers/contact_form.html", {"form": form, "customer": customer})


@role_required("can_edit_customers")
def contact_edit(request, customer_id: int, contact_id: int):
    contact = get_object_or_404(
        Contact.objects.select_related("customer"), pk=contact_id, customer_id=customer_id
    )
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        services.contact_update(actor=request.user, contact=contact, data=form.cleaned_data)
        messages.success(request, _("Contact saved."))
        return redirect("customers:detail", customer_id)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": contact.customer, "contact": contact},
    )


@require_POST
@role_required("can_edit_customers")
def contact_delete(request, customer_id: int, contact_id: int):
    contact = get_object_or_404(
        Contact.objects.select_related("customer"), pk=contact_id, customer_id=customer_id
    )
    services.contact_remove(actor=request.user, contact=contact)
    messages.success(request, _("Contact removed."))
    return redirect("customers:detail", customer_id)


# Notes --------------------------------------------------------------------------------------


@require_POST
@role_required("can_edit_customers")
def note_create(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.note_add(actor=request.user, customer=customer, text=form.cleaned_data["text"])
        messages.success(request, _("Note added."))
    else:
        messages.error(request, _("A note needs some text."))
    return redirect(reverse("customers:detail", args=[customer_id]) + "#notes")


def _own_note(request, customer_id: int, note_id: int) -> Note:
    note = get_object_or_404(
        Note.objects.select_related("customer"), pk=note_id, customer_id=customer_id
    )
    if note.author_id != request.user.pk:
        raise PermissionDenied(_("You can change only your own notes."))
    return note


@role_required("can_edit_customers")
def note_edit(request, customer_id: int, note_id: int):
    note = _own_note(request, customer_id, note_id)
    form = NoteForm(request.POST or None, initial={"text": note.text})
    if request.method == "POST" and form.is_valid():
        services.note_update(actor=request.user, note=note, text=form.cleaned_data["text"])
        messages.success(request, _("Note saved."))
        return redirect(reverse("customers:detail", args=[customer_id]) + "#notes")
    return render(
        request, "customers/note_form.html", {"form": form, "note": note, "customer": note.customer}
    )


@require_POST
@role_required("can_edit_customers")
def note_delete(request, customer_id: int, note_id: int):
    note = _own_note(request, customer_id, note_id)
    services.note_delete(actor=request.user, note=note)
    messages.success(request, _("Note deleted."))
    return redirect(reverse("customers:detail", args=[customer_id]) + "#notes")


@require_GET
def customer_activity(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    return render(
        request,
        "customers/activity.html",
        {
            **profile_header_context(request, customer, tab="customers:activity"),
            "activity": selectors.customer_activity(customer, limit=500),
        },
    )
