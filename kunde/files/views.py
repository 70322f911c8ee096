"""The Files tab of the customer profile: the list, upload (one or many; the page's script sends
each file in its own request, with a progress bar), download, rename/describe, delete, and the
administrator's restore. Every file is fetched with its customer, so an id of another
customer's file is a 404."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kunde.accounts.decorators import role_required
from kunde.customers.views import _customer_or_404, profile_header_context
from kunde.files import selectors, services
from kunde.files.forms import FileEditForm, UploadForm
from kunde.files.limits import too_large_message, wants_json
from kunde.files.models import CustomerFile
from kunde.files.serving import stored_file_response


def _file_of(customer_id: int, file_id: int, *, include_deleted=False) -> CustomerFile:
    file = selectors.customer_file_or_404(file_id, include_deleted=include_deleted)
    if file.customer_id != customer_id:
        raise Http404(_("No such file."))
    return file


def _tab_url(customer_id: int) -> str:
    return reverse("files:customer_files", args=[customer_id])


@require_http_methods(["GET", "POST"])
def customer_files(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    if request.method == "POST":
        return _upload(request, customer)
    params = selectors.FileListParams.from_query(request.GET)
    page = selectors.customer_files_page(
        customer, params, bank_files=request.user.can_manage_finance
    )
    _add_urls(customer.pk, page.object_list)
    return render(
        request,
        "files/customer_files.html",
        {
            **profile_header_context(request, customer, "files:customer_files"),
            "page": page,
            "params": params,
            "base_query": urlencode({"show": params.show, "q": params.q}),
            "show_choices": selectors.SHOW_CHOICES,
            "form": UploadForm(),
            "max_upload_mb": settings.MAX_UPLOAD_MB,
        },
    )


def _add_urls(customer_id: int, rows: list[dict]) -> None:
    """Each row's links, from one reversed pattern per kind (50 rows × 5 {% url %} tags cost
    more than the page's queries)."""
    files = reverse("files:download", args=[customer_id, 0]).removesuffix("0/download/")
    invoice = reverse("invoices:invoice_pdf", args=[0]).removesuffix("0/pdf/")
    bank = reverse("payments:import_file", args=[0]).removesuffix("0/file/")
    for row in rows:
        pk = row["pk"]
        if row["kind"] == selectors.UPLOAD:
            row["url"] = f"{files}{pk}/download/"
            row["thumb_url"] = f"{files}{pk}/thumbnail/" if row["thumb"] else ""
            row["edit_url"] = f"{files}{pk}/edit/"
            row["delete_url"] = f"{files}{pk}/delete/"
        elif row["kind"] == selectors.BANK_FILE:
            row["url"] = f"{bank}{pk}/file/"
        else:
            row["url"] = f"{invoice}{pk}/pdf/"


def _upload(request, customer):
    """Upload from the form (several files) or the page's script (one file a request, JSON)."""
    if not request.user.can_edit_customers:
        raise PermissionDenied
    as_json = wants_json(request)
    form = UploadForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        form.add_error(None, too_large_message())
    if not form.is_valid():
        errors = [message for messages_ in form.errors.values() for message in messages_]
        if as_json:
            return JsonResponse({"detail": " ".join(errors)}, status=400)
        for error in errors:
            messages.error(request, error)
        return redirect(_tab_url(customer.pk))
    uploaded, refused = [], []
    for upload in form.cleaned_data["files"]:
        try:
            record = services.file_upload(
                actor=request.user,
                customer=customer,
                upload=upload,
                description=form.cleaned_data["description"],
                keep_both=form.cleaned_data["keep_both"],
                bookkeeping=form.cleaned_data["bookkeeping"],
            )
        except services.DuplicateUpload as exc:
            if as_json:
                return JsonResponse(
                    {"detail": str(exc), "duplicate_of": exc.existing.pk, "duplicate": True},
                    status=409,
                )
            refused.append(
                str(exc) + " " + _("Tick “Keep both” and upload again to keep both files.")
            )
        except ValidationError as exc:
            if as_json:
                return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
            refused.append(" ".join(exc.messages))
        else:
            uploaded.append(record)
    if as_json:
        record = uploaded[0]
        return JsonResponse({"id": record.pk, "name": record.name, "size": record.size}, status=201)
    if uploaded:
        messages.success(
            request,
            _("Uploaded: %(names)s.") % {"names": ", ".join(record.name for record in uploaded)},
        )
    for reason in refused:
        messages.error(request, reason)
    return redirect(_tab_url(customer.pk))


@require_GET
def file_download(request, customer_id: int, file_id: int):
    file = _file_of(customer_id, file_id)
    return stored_file_response(
        request,
        storage=file.file.storage,
        name=file.file.name,
        file_name=file.name,
        content_type=file.content_type,
        inline=request.GET.get("preview") == "1",
        sha256=file.sha256,
    )


@require_GET
def file_thumbnail(request, customer_id: int, file_id: int):
    file = _file_of(customer_id, file_id)
    if not file.thumbnail:
        raise Http404(_("This file has no preview."))
    return stored_file_response(
        request,
        storage=file.thumbnail.storage,
        name=file.thumbnail.name,
        file_name=f"{file.name}.png",
        content_type="image/png",
        inline=True,
    )


@require_http_methods(["GET", "POST"])
@role_required("can_edit_customers")
def file_edit(request, customer_id: int, file_id: int):
    file = _file_of(customer_id, file_id)
    form = FileEditForm(
        request.POST if request.method == "POST" else None,
        initial={"name": file.name, "description": file.description},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.file_update(
                actor=request.user,
                file=file,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            form.add_error("name" if not hasattr(exc, "error_dict") else None, exc)
        else:
            messages.success(request, _("File saved."))
            return redirect(_tab_url(customer_id))
    return render(
        request,
        "files/file_edit.html",
        {**profile_header_context(request, file.customer), "file": file, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@role_required("can_edit_customers")
def file_delete(request, customer_id: int, file_id: int):
    file = _file_of(customer_id, file_id)
    try:
        services.file_delete(actor=request.user, file=file)
    except services.BookkeepingMaterial as exc:
        messages.error(request, str(exc))
        return redirect(_tab_url(customer_id))
    messages.success(
        request,
        _("%(name)s deleted. An administrator can restore it for %(days)s days.")
        % {"name": file.name, "days": settings.FILES_RETENTION_DAYS},
    )
    return redirect(_tab_url(customer_id))


@require_GET
@role_required("can_edit_company")
def deleted_files(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    files = (
        CustomerFile.objects.filter(customer=customer, deleted_at__isnull=False)
        .select_related("deleted_by", "uploaded_by")
        .order_by("-deleted_at")[:200]
    )
    return render(
        request,
        "files/deleted_files.html",
        {**profile_header_context(request, customer, "files:customer_files"), "files": files},
    )


@require_POST
@role_required("can_edit_company")
def file_restore(request, customer_id: int, file_id: int):
    file = _file_of(customer_id, file_id, include_deleted=True)
    services.file_restore(actor=request.user, file=file)
    messages.success(request, _("%(name)s restored.") % {"name": file.name})
    return redirect(_tab_url(customer_id))
