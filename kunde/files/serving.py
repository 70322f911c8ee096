"""Answering with a stored file: never from a public URL, always through a view that checked the
role and the customer. One function for every download of the files tab and the API."""

import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.translation import gettext as _

from kunde.files.models import INLINE_IMAGE_TYPES

# Nothing in a served file may run or load anything; a PDF preview may show itself.
CSP_ATTACHMENT = "default-src 'none'; frame-ancestors 'none'; sandbox"
CSP_IMAGE = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
CSP_PDF = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
CHUNK = 64 * 1024


def content_disposition(file_name: str, *, inline: bool = False) -> str:
    """RFC 6266 with an RFC 5987 `filename*` for names beyond ASCII, and a plain ASCII
    `filename` beside it for old clients (accents dropped, other characters as _)."""
    kind = "inline" if inline else "attachment"
    name = file_name.replace("\r", "").replace("\n", "")
    fallback = "".join(
        c if 0x20 <= ord(c) < 0x7F and c not in '"\\;' else "_"
        for c in unicodedata.normalize("NFKD", name)
        if not unicodedata.combining(c)
    )
    fallback = fallback.strip() or "file"
    header = f'{kind}; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def open_stream(storage: Storage, name: str):
    """A readable stream of the stored file and its length (None when the response can find it
    itself). django-storages' S3 file object downloads the whole object into memory on the first
    read, so for S3 the object's body is streamed straight from the GET instead."""
    try:
        bucket = getattr(storage, "bucket", None)
        if bucket is not None:
            from storages.utils import clean_name

            answer = bucket.Object(storage._normalize_name(clean_name(name))).get()
            return answer["Body"], answer["ContentLength"]
        return storage.open(name, "rb"), None
    except Exception as exc:
        if _is_missing(exc):
            raise Http404(_("The stored file is missing from the file storage.")) from None
        raise


def _is_missing(exc: Exception) -> bool:
    if isinstance(exc, FileNotFoundError):
        return True
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return code in ("NoSuchKey", "404")


def may_show_inline(content_type: str) -> bool:
    return content_type in INLINE_IMAGE_TYPES or content_type == "application/pdf"


def stored_file_response(
    request,
    *,
    storage: Storage,
    name: str,
    file_name: str,
    content_type: str,
    inline: bool = False,
    sha256: str = "",
):
    """Stream the stored file `name`, or (S3, FILE_DOWNLOAD_REDIRECT) redirect to a signed URL
    that lives a minute. Never reads the whole file into memory."""
    inline = inline and may_show_inline(content_type)
    disposition = content_disposition(file_name, inline=inline)
    if settings.FILE_DOWNLOAD_REDIRECT and not isinstance(storage, FileSystemStorage):
        url = storage.url(
            name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "no-store"
        return response
    handle, length = open_stream(storage, name)
    response = FileResponse(handle, content_type=content_type)
    response.block_size = CHUNK
    if length is not None:
        response["Content-Length"] = str(length)
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        CSP_PDF
        if inline and content_type == "application/pdf"
        else CSP_IMAGE
        if inline
        else CSP_ATTACHMENT
    )
    response["Cache-Control"] = "private, no-store"
    if sha256:
        response["ETag"] = f'"{sha256}"'
        response["X-Checksum-SHA256"] = sha256
    return response
