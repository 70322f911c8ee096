"""A customer's files: the list (uploads and the documents Kunde produced), upload, metadata,
download and delete, over kunde.files. Everyone who may see the customer may list and
download; read-only users may not upload or delete. Uploads over MAX_UPLOAD_MB are answered 413
before the body is read (kunde.files.limits)."""

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, File, Form, Query, Schema, Status
from ninja.files import UploadedFile

from kunde.api.api import api
from kunde.customers.models import Customer
from kunde.files import selectors, services
from kunde.files.serving import stored_file_response

TAGS = ["files"]
BINARY = {"schema": {"type": "string", "format": "binary"}}


class Detail(Schema):
    detail: str


class Errors(Schema):
    errors: dict[str, list[str]] = Field(description='Messages per field: {"file": ["…"]}.')


class Duplicate(Schema):
    detail: str
    duplicate_of: int = Field(description="The id of the file with the same content.")


class FileOut(Schema):
    id: int
    customer: int = Field(alias="customer_id")
    name: str
    description: str
    bookkeeping: bool = Field(description="Kept as bookkeeping material; cannot be deleted.")
    size: int
    sha256: str
    content_type: str
    uploaded_at: dt.datetime
    uploaded_by: str = Field(description="The uploader's username.")
    download_url: str

    @staticmethod
    def resolve_uploaded_by(file):
        return file.uploaded_by.username

    @staticmethod
    def resolve_download_url(file):
        return reverse("api:file_download", args=[file.pk])


class FileRow(Schema):
    kind: Literal["upload", "invoice", "credit_note", "bank_file"] = Field(
        description="upload, or a document Kunde produced or received (read-only)."
    )
    id: int = Field(description="The id of the file, invoice or bank-file import.")
    name: str
    description: str
    size: int | None = Field(description="Null for produced documents.")
    content_type: str
    at: dt.datetime | None = Field(description="When it was uploaded, issued or imported.")
    by: str | None = Field(description="Who uploaded, issued or imported it.")
    download_url: str


class FilePage(Schema):
    count: int
    page: int
    pages: int
    results: list[FileRow]


class FileFilters(Schema):
    kind: Literal["all", "uploaded", "produced"] = "all"
    q: str = Field("", max_length=100, description="Part of the name.")
    sort: Literal[tuple(selectors.SORTS)] = "date"  # type: ignore[valid-type]
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


def _download_url(row: dict) -> str:
    if row["kind"] == selectors.UPLOAD:
        return reverse("api:file_download", args=[row["pk"]])
    if row["kind"] == selectors.BANK_FILE:
        return reverse("payments:import_file", args=[row["pk"]])
    return reverse("api:invoice_pdf", args=[row["pk"]])


@api.get(
    "/customers/{customer_id}/files",
    response={200: FilePage, 404: Detail},
    tags=TAGS,
    description="The customer's files, newest first: uploads and (read-only) the issued invoice "
    "and credit note PDFs and, for finance, the bank files that paid them. `kind` chooses "
    "uploaded, produced by Kunde, or all.",
)
def list_files(request, customer_id: int, filters: Query[FileFilters]):
    customer = get_object_or_404(Customer, pk=customer_id)
    params = selectors.FileListParams(
        show=filters.kind, q=filters.q.strip(), sort=filters.sort, page=filters.page
    )
    found = selectors.customer_files_page(
        customer, params, bank_files=request.user.can_manage_finance, per_page=filters.page_size
    )
    return {
        "count": found.paginator.count,
        "page": found.number,
        "pages": found.paginator.num_pages,
        "results": [
            {
                **row,
                "id": row["pk"],
                "name": str(row["name"]),
                "by": row["uploader"],
                "download_url": _download_url(row),
            }
            for row in found.object_list
        ],
    }


FormBool = Literal["true", "false"]


@api.post(
    "/customers/{customer_id}/files",
    response={201: FileOut, 403: Detail, 404: Detail, 409: Duplicate, 413: Detail, 422: Errors},
    tags=TAGS,
    description="Upload one file as multipart/form-data field `file`, with an optional "
    "`description` and `bookkeeping` (true: kept, cannot be deleted). The same content "
    "already among the customer's files answers 409 unless "
    "`keep_both` is true. An empty file, a name of only dots or slashes, or a blocked type "
    "answers 422; a file over MAX_UPLOAD_MB answers 413.",
)
def upload_file(
    request,
    customer_id: int,
    file: File[UploadedFile] = None,
    description: Form[str] = "",
    # Form fields are text: only "true" and "false" are booleans here (not "0", "on", "yes").
    keep_both: Form[FormBool] = "false",
    bookkeeping: Form[FormBool] = "false",
):
    customer = get_object_or_404(Customer, pk=customer_id)
    if not request.user.can_edit_customers:
        raise PermissionDenied("Your role may read files but not upload them.")
    if file is None:
        raise ValidationError({"file": ["Send the file as the multipart field “file”."]})
    try:
        record = services.file_upload(
            actor=request.user,
            customer=customer,
            upload=file,
            description=description,
            keep_both=keep_both == "true",
            bookkeeping=bookkeeping == "true",
        )
    except services.DuplicateUpload as exc:
        return Status(409, {"detail": str(exc), "duplicate_of": exc.existing.pk})
    except ValidationError as exc:
        if exc.code == "too_large":
            return Status(413, {"detail": " ".join(exc.messages)})
        if not hasattr(exc, "error_dict"):
            raise ValidationError({"file": exc.messages}) from exc
        raise
    return Status(201, record)


@api.get(
    "/files/{file_id}",
    response={200: FileOut, 404: Detail},
    tags=TAGS,
    url_name="file_detail",
    description="An uploaded file's metadata, with its SHA-256 to check a download against.",
)
def file_detail(request, file_id: int):
    return selectors.customer_file_or_404(file_id)


@api.get(
    "/files/{file_id}/download",
    response={200: None, 404: Detail},
    tags=TAGS,
    url_name="file_download",
    description="The bytes as uploaded, as an attachment with the stored content type; the "
    "ETag is the SHA-256. With S3 storage and FILE_DOWNLOAD_REDIRECT, a 302 to a signed URL.",
    openapi_extra={
        "responses": {
            200: {"description": "The file, with its stored type", "content": {"*/*": BINARY}},
        }
    },
)
def file_download(request, file_id: int):
    file = selectors.customer_file_or_404(file_id)
    return stored_file_response(
        request,
        storage=file.file.storage,
        name=file.file.name,
        file_name=file.name,
        content_type=file.content_type,
        sha256=file.sha256,
    )


@api.delete(
    "/files/{file_id}",
    response={204: None, 403: Detail, 404: Detail, 409: Detail},
    tags=TAGS,
    description="Delete an uploaded file: it is kept, restorable by an administrator, for "
    "FILES_RETENTION_DAYS, then purged. A file uploaded as bookkeeping material answers 409 "
    "(kept, bokføringsloven); issued documents and bank files are never files to delete.",
)
def delete_file(request, file_id: int):
    file = selectors.customer_file_or_404(file_id)
    if not request.user.can_edit_customers:
        raise PermissionDenied("Your role may read files but not delete them.")
    try:
        services.file_delete(actor=request.user, file=file)
    except services.BookkeepingMaterial as exc:
        return Status(409, {"detail": str(exc)})
    return Status(204, None)
