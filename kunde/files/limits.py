"""The upload limits, enforced for every upload in the app (the files tab, the API, bank-file
imports) before the body is read.

`UploadLimitMiddleware` refuses a request whose Content-Length says it is too large, before any
view or parser touches the body: 413, as JSON under /api/ and for scripts, else a short page.
`SizeLimitUploadHandler` counts the bytes of each file as they stream in and stops the upload
when one passes the limit (a body without an honest length); the temporary file already written
is closed, and so deleted, by Django's parser. The middleware parses multipart bodies itself
(as the CSRF check would anyway), so such a request, too, is answered 413 before any view runs.
"""

import hashlib
import os

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# Room for the multipart boundaries and the small form fields around one file.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024


def max_upload_bytes() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def too_large_message() -> str:
    return _("The file is larger than %(mb)s MB, the largest upload allowed here.") % {
        "mb": settings.MAX_UPLOAD_MB
    }


def wants_json(request) -> bool:
    return (
        request.path.startswith("/api/")
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
        or "application/json" in request.headers.get("Accept", "")
    )


def too_large_response(request):
    message = too_large_message()
    if wants_json(request):
        return JsonResponse({"detail": message}, status=413)
    html = render_to_string("files/too_large.html", {"message": message}, request=request)
    return HttpResponse(html, status=413)


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("POST", "PUT", "PATCH"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > max_upload_bytes() + MULTIPART_OVERHEAD_BYTES:
                # The body stays unread; the server closes the connection after the answer.
                request.upload_too_large = True
                return too_large_response(request)
            if request.content_type == "multipart/form-data":
                request.FILES  # noqa: B018  (parses through SizeLimitUploadHandler)
                if getattr(request, "upload_too_large", False):
                    return too_large_response(request)
        return self.get_response(request)


class SizeLimitUploadHandler(TemporaryFileUploadHandler):
    """Writes each file to a temporary file as it arrives (never whole in memory), counting and
    hashing its bytes on the way: an upload past the limit is stopped at once, and the upload
    service finds the file's size and SHA-256 without reading it again."""

    # Larger than Django's 64 KB: fewer turns of the multipart parser's Python loop.
    chunk_size = 256 * 1024

    def new_file(self, *args, **kwargs):
        self.received = 0
        self.sha256 = hashlib.sha256()
        folder = settings.FILE_UPLOAD_TEMP_DIR
        if folder:
            os.makedirs(folder, exist_ok=True)
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > max_upload_bytes():
            self.request.upload_too_large = True
            # The parser closes (and so deletes) the temporary files written so far.
            raise StopUpload(connection_reset=True)
        self.sha256.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        file = super().file_complete(file_size)
        file.sha256 = self.sha256.hexdigest()
        return file
