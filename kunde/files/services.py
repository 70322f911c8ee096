"""Changing a customer's files: upload, rename/describe, soft delete, restore, purge.

Nothing is half-saved: the bytes (and thumbnail) are stored first, then the row in a
transaction; when the transaction fails the stored bytes are deleted again. A deleted upload is
only marked; its bytes stay until `files_purge` after FILES_RETENTION_DAYS.
"""

import datetime as dt
import hashlib
import logging
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.files.checks import check_allowed, clean_file_name
from kunde.files.limits import max_upload_bytes, too_large_message
from kunde.files.models import CustomerFile
from kunde.files.thumbnails import make_thumbnail

logger = logging.getLogger(__name__)
CHUNK = 1024 * 1024


class DuplicateUpload(Exception):
    """The same bytes are already among the customer's files; upload with keep_both to keep
    both."""

    def __init__(self, existing: CustomerFile):
        self.existing = existing
        super().__init__(
            _("“%(name)s” has the same content as “%(existing)s”, uploaded %(date)s.")
            % {
                "name": existing.name,
                "existing": existing.name,
                "date": timezone.localtime(existing.uploaded_at).strftime("%Y-%m-%d %H:%M"),
            }
        )


class BookkeepingMaterial(Exception):
    """Issued documents, bank files and uploads marked as bookkeeping material are kept."""

    def __init__(self, file: CustomerFile | None = None):
        super().__init__(
            _("“%(name)s” is bookkeeping material and is kept; it cannot be deleted.")
            % {"name": file.name if file else _("This document")}
        )


def storage() -> Storage:
    return CustomerFile._meta.get_field("file").storage


def _digest(upload) -> tuple[str, int, bytes]:
    """SHA-256, size and first bytes of an upload, read in chunks (never whole into memory).
    An upload from a request was hashed as it arrived (kunde.files.limits)."""
    known = getattr(upload, "sha256", None)
    if known and upload.size is not None:
        upload.seek(0)
        head = upload.read(1024)
        upload.seek(0)
        return known, upload.size, head
    sha = hashlib.sha256()
    size = 0
    head = b""
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        if not head:
            head = chunk[:1024]
        sha.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return sha.hexdigest(), size, head


def file_upload(
    *,
    actor,
    customer,
    upload,
    description: str = "",
    keep_both: bool = False,
    bookkeeping: bool = False,
) -> CustomerFile:
    """Store one uploaded file (a Django File) for the customer. ValidationError for a bad
    name, an empty, too large or blocked file; DuplicateUpload for bytes the customer already
    has, unless keep_both."""
    if not actor.can_edit_customers:
        raise PermissionDenied(_("Your role may not upload files."))
    name = clean_file_name(getattr(upload, "name", ""))
    description = (description or "").strip()
    if len(description) > 500:
        raise ValidationError({"description": _("At most 500 characters.")})
    sha256, size, head = _digest(upload)
    if size == 0:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": name}, code="empty")
    if size > max_upload_bytes():
        raise ValidationError(too_large_message(), code="too_large")
    content_type = check_allowed(name, head)
    if not keep_both:
        existing = (
            CustomerFile.objects.filter(customer=customer, sha256=sha256, deleted_at__isnull=True)
            .order_by("uploaded_at")
            .first()
        )
        if existing is not None:
            raise DuplicateUpload(existing)

    files = storage()
    base = f"customer-files/{customer.pk}/{secrets.token_hex(16)}"
    stored: list[str] = []
    try:
        stored.append(files.save(base, upload))
        thumbnail = _thumbnail(upload, content_type)
        thumbnail_name = ""
        if thumbnail is not None:
            thumbnail_name = files.save(f"{base}.thumb.png", ContentFile(thumbnail))
            stored.append(thumbnail_name)
        with transaction.atomic():
            record = CustomerFile.objects.create(
                customer=customer,
                file=stored[0],
                thumbnail=thumbnail_name,
                name=name,
                description=description,
                bookkeeping=bookkeeping,
                size=size,
                sha256=sha256,
                content_type=content_type,
                uploaded_by=actor,
                uploaded_at=timezone.now(),
            )
            log_activity(
                customer=customer,
                actor=actor,
                action="file.uploaded",
                params={"name": name},
            )
    except BaseException:
        # No bytes without their row.
        for stored_name in stored:
            _delete_quietly(files, stored_name)
        raise
    return record


def _thumbnail(upload, content_type: str) -> bytes | None:
    if not (content_type.startswith("image/") or content_type == "application/pdf"):
        return None
    upload.seek(0)
    try:
        return make_thumbnail(upload, content_type)
    finally:
        upload.seek(0)


def _delete_quietly(files: Storage, name: str) -> None:
    try:
        files.delete(name)
    except Exception:
        logger.exception("Could not delete the stored file %s", name)


def file_update(*, actor, file: CustomerFile, name: str, description: str = "") -> CustomerFile:
    """Rename and describe an uploaded file (the stored bytes keep their generated name)."""
    if not actor.can_edit_customers:
        raise PermissionDenied(_("Your role may not change files."))
    new_name = clean_file_name(name)
    description = (description or "").strip()
    if len(description) > 500:
        raise ValidationError({"description": _("At most 500 characters.")})
    with transaction.atomic():
        locked = CustomerFile.objects.select_for_update().get(pk=file.pk)
        if locked.is_deleted:
            raise ValidationError(_("The file has been deleted."))
        old_name = locked.name
        locked.name, locked.description = new_name, description
        locked.save(update_fields=["name", "description"])
        if old_name != new_name:
            log_activity(
                customer=locked.customer,
                actor=actor,
                action="file.renamed",
                params={"old": old_name, "new": new_name},
            )
    return locked


def file_delete(*, actor, file: CustomerFile) -> CustomerFile:
    """Soft delete: hidden from the tab, restorable by an administrator until purged."""
    if not actor.can_edit_customers:
        raise PermissionDenied(_("Your role may not delete files."))
    with transaction.atomic():
        locked = CustomerFile.objects.select_for_update().get(pk=file.pk)
        if locked.is_deleted:
            return locked
        if locked.bookkeeping:
            raise BookkeepingMaterial(locked)
        locked.deleted_at, locked.deleted_by = timezone.now(), actor
        locked.save(update_fields=["deleted_at", "deleted_by"])
        log_activity(
            customer=locked.customer,
            actor=actor,
            action="file.deleted",
            params={"name": locked.name},
        )
    return locked


def file_restore(*, actor, file: CustomerFile) -> CustomerFile:
    if not actor.can_edit_company:
        raise PermissionDenied(_("Only an administrator may restore deleted files."))
    with transaction.atomic():
        locked = CustomerFile.objects.select_for_update().get(pk=file.pk)
        if not locked.is_deleted:
            return locked
        locked.deleted_at = locked.deleted_by = None
        locked.save(update_fields=["deleted_at", "deleted_by"])
        log_activity(
            customer=locked.customer,
            actor=actor,
            action="file.restored",
            params={"name": locked.name},
        )
    return locked


def files_purge(*, now: dt.datetime | None = None, retention_days: int | None = None) -> int:
    """Remove, rows and bytes, the uploads deleted longer ago than the retention period. The
    row goes first: a crash in between leaves unreferenced bytes, never a row without bytes."""
    days = settings.FILES_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    files = storage()
    purged = 0
    for record in CustomerFile.objects.filter(deleted_at__lt=cutoff).iterator():
        names = [record.file.name, record.thumbnail.name]
        record.delete()
        for name in names:
            if name:
                _delete_quietly(files, name)
        purged += 1
    return purged
