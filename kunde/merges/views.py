from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kunde.accounts.decorators import role_required
from kunde.customers.models import Customer
from kunde.merges import selectors
from kunde.merges.forms import DismissForm, MergeForm, OtherCustomerForm
from kunde.merges.models import CustomerMerge, DuplicateDismissal
from kunde.merges.services import MergeRefused, customer_merge, merge_undo, undo_blockers


def _live_customer(customer_id: int) -> Customer:
    customer = get_object_or_404(Customer.objects.select_related("account_manager"), pk=customer_id)
    return customer


@require_http_methods(["GET", "POST"])
@role_required("can_manage_finance")
def merge_start(request, customer_id: int):
    """The profile's "Merge duplicates": the likely duplicates of this customer, or one given
    by its number."""
    customer = _live_customer(customer_id)
    if customer.merged_into_id:
        return redirect("merges:start", customer.merged_into_id)
    form = OtherCustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        other = Customer.objects.filter(
            number=form.cleaned_data["number"], merged_into__isnull=True
        ).first()
        if other is None or other.pk == customer.pk:
            form.add_error("number", _("No other customer has this number."))
        else:
            return redirect("merges:preview", customer.pk, other.pk)
    return render(
        request,
        "merges/start.html",
        {
            "customer": customer,
            "suggestions": selectors.suggestions_for(customer),
            "form": form,
            "merges": selectors.customer_merges(customer),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required("can_manage_finance")
def merge_preview(request, first_id: int, second_id: int):
    first, second = _live_customer(first_id), _live_customer(second_id)
    if first.pk == second.pk:
        raise Http404
    chosen = request.POST.get("survivor") or request.GET.get("survivor")
    if chosen and str(chosen) in (str(first.pk), str(second.pk)):
        survivor = first if str(first.pk) == str(chosen) else second
    else:
        survivor = selectors.default_survivor(first, second)
    merged = second if survivor is first else first
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = customer_merge(
                actor=request.user,
                survivor=survivor,
                merged=merged,
                field_choices=form.field_choices(),
                expected_versions={
                    survivor.pk: form.cleaned_data["survivor_version"],
                    merged.pk: form.cleaned_data["merged_version"],
                },
                allow_different_organization=form.cleaned_data["allow_different_organization"],
            )
        except MergeRefused as refused:
            for message in refused.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(merged)s was merged into %(survivor)s.")
                % {"merged": record.merged, "survivor": record.survivor},
            )
            return redirect("merges:detail", record.pk)
    preview = selectors.merge_preview(
        actor=request.user,
        survivor=survivor,
        merged=merged,
        choices=form.field_choices() if form.is_bound and form.is_valid() else None,
    )
    return render(
        request,
        "merges/preview.html",
        {"preview": preview, "first": first, "second": second, "form": form},
    )


@require_GET
@role_required("can_manage_finance")
def merge_detail(request, merge_id: int):
    record = get_object_or_404(
        CustomerMerge.objects.select_related("survivor", "merged", "actor", "undone_by"),
        pk=merge_id,
    )
    return render(
        request,
        "merges/detail.html",
        {
            "record": record,
            "blockers": [] if record.undone_at else undo_blockers(record),
            "labels": {key: rule.label for key, rule in selectors.bound_rules().items()},
        },
    )


@require_POST
@role_required("can_manage_users")
def merge_undo_view(request, merge_id: int):
    record = get_object_or_404(CustomerMerge, pk=merge_id)
    try:
        merge_undo(actor=request.user, record=record)
    except MergeRefused as refused:
        for message in refused.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The merge was undone: both customers are as before."))
    return redirect("merges:detail", record.pk)


@require_GET
@role_required("can_manage_finance")
def duplicates(request):
    return render(
        request,
        "merges/duplicates.html",
        {"suggestions": selectors.duplicate_suggestions()},
    )


@require_POST
@role_required("can_manage_finance")
def dismiss(request):
    form = DismissForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied
    a, b = sorted((form.cleaned_data["first"], form.cleaned_data["second"]))
    if a == b or Customer.objects.filter(pk__in=[a, b]).count() != 2:
        raise Http404
    try:
        DuplicateDismissal.objects.get_or_create(
            first_id=a, second_id=b, defaults={"dismissed_by": request.user}
        )
    except IntegrityError:
        pass  # dismissed at the same moment by someone else
    messages.success(request, _("Marked as not a duplicate; it will not be suggested again."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("merges:duplicates")
    return redirect(back or reverse("merges:duplicates"))
