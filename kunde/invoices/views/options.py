"""The Invoicing options tab of a customer, a project's own options, and agreed hourly rates.

Everyone signed in may read these pages; only finance (and administrators) may change them.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kunde.accounts.decorators import role_required
from kunde.customers.models import Customer
from kunde.customers.views import _customer_or_404, profile_header_context
from kunde.invoices import services_options as services
from kunde.invoices.forms_options import HourlyRateForm, InvoiceOptionsForm, setting_groups
from kunde.invoices.models import HourlyRate, OptionsLevel
from kunde.invoices.options import effective_options
from kunde.projects.models import Project

TAB = "invoices:customer_options"


def _tab_url(request, customer_id: int) -> str:
    """The tab's address, keeping the customer list's context for Previous / Next."""
    url = reverse(TAB, args=[customer_id])
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url


def _options_form(request, options, level: str, data=None) -> InvoiceOptionsForm | None:
    """The options form for users who may change them: bound to `data`, else showing the
    values this level sets."""
    if not request.user.can_manage_finance:
        return None
    return InvoiceOptionsForm(data, initial=InvoiceOptionsForm.initial_from(options, level))


def _render_customer_tab(request, customer: Customer, *, options_form=None, rate_form=None):
    can_save = request.user.can_manage_finance
    options = effective_options(customer)
    if options_form is None:
        options_form = _options_form(request, options, OptionsLevel.CUSTOMER)
    if rate_form is None and can_save:
        rate_form = HourlyRateForm(customer=customer)
    return render(
        request,
        "invoices/options/customer.html",
        {
            **profile_header_context(request, customer, tab=TAB),
            "can_save": can_save,
            "form": options_form,
            "groups": setting_groups(
                form=options_form,
                options=options,
                inherited=effective_options(),
                level=OptionsLevel.CUSTOMER,
            ),
            "rates": services.customer_hourly_rates(customer),
            "rate_form": rate_form,
            "project_settings": services.customer_project_settings(customer),
        },
    )


@require_http_methods(["GET", "POST"])
def customer_options(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    if request.method == "GET":
        return _render_customer_tab(request, customer)
    if not request.user.can_manage_finance:
        raise PermissionDenied
    form = InvoiceOptionsForm(request.POST)

    def update(data):
        services.customer_options_update(actor=request.user, customer=customer, data=data)

    if form.submit(update, clear=request.POST.get("clear")):
        messages.success(request, _("Invoicing options saved."))
        return redirect(_tab_url(request, customer.pk))
    return _render_customer_tab(request, customer, options_form=form)


@require_POST
@role_required("can_manage_finance")
def hourly_rate_create(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    form = HourlyRateForm(request.POST, customer=customer)
    if form.is_valid():
        try:
            services.hourly_rate_add(actor=request.user, customer=customer, data=form.rate_data())
        except ValidationError as exc:
            form.add_rate_errors(exc)
        else:
            messages.success(request, _("Hourly rate added."))
            return redirect(_tab_url(request, customer.pk) + "#hourly-rates")
    return _render_customer_tab(request, customer, rate_form=form)


@require_POST
@role_required("can_manage_finance")
def hourly_rate_delete(request, customer_id: int, rate_id: int):
    rate = get_object_or_404(
        HourlyRate.objects.select_related("customer", "employee", "project"),
        pk=rate_id,
        customer_id=customer_id,
    )
    services.hourly_rate_delete(actor=request.user, rate=rate)
    messages.success(request, _("Hourly rate deleted."))
    return redirect(_tab_url(request, customer_id) + "#hourly-rates")


@require_http_methods(["GET", "POST"])
def project_options(request, project_id: int):
    project = get_object_or_404(Project.objects.select_related("customer"), pk=project_id)
    if request.method == "POST" and not request.user.can_manage_finance:
        raise PermissionDenied
    options = effective_options(project.customer, project)
    data = request.POST if request.method == "POST" else None
    form = _options_form(request, options, OptionsLevel.PROJECT, data)
    if request.method == "POST":

        def update(data):
            services.project_options_update(actor=request.user, project=project, data=data)

        if form.submit(update, clear=request.POST.get("clear")):
            messages.success(request, _("Invoicing options of the project saved."))
            return redirect("invoices:project_options", project.pk)
    return render(
        request,
        "invoices/options/project.html",
        {
            "project": project,
            "customer": project.customer,
            "can_save": request.user.can_manage_finance,
            "form": form,
            "groups": setting_groups(
                form=form,
                options=options,
                inherited=effective_options(project.customer),
                level=OptionsLevel.PROJECT,
            ),
        },
    )


urlpatterns = [
    path(
        "customers/<int:customer_id>/invoicing-options/",
        customer_options,
        name="customer_options",
    ),
    path(
        "customers/<int:customer_id>/invoicing-options/rates/",
        hourly_rate_create,
        name="hourly_rate_create",
    ),
    path(
        "customers/<int:customer_id>/invoicing-options/rates/<int:rate_id>/delete/",
        hourly_rate_delete,
        name="hourly_rate_delete",
    ),
    path("projects/<int:project_id>/invoicing-options/", project_options, name="project_options"),
]
