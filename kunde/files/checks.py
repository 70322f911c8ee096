"""What an upload must be: a usable name, a type the administrator has not blocked, not empty.
Pure functions over the name and the first bytes, so the API, the page and imports agree."""

import mimetypes
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_NAME_LENGTH = 255
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")

# What the first bytes of a file say it is, whatever its name claims (an .exe renamed .pdf).
_SIGNATURES = (
    (b"MZ", "application/x-dosexec"),
    (b"\x7fELF", "application/x-executable"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"#!", "text/x-shellscript"),
)
_HTML_STARTS = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml-stylesheet")


def clean_file_name(name: str) -> str:
    """The user's file name as data: the last part of any path, no control characters, at most
    255 characters (the extension kept). A name of only dots, slashes or spaces is refused."""
    name = unicodedata.normalize("NFC", name or "")
    name = _UNSAFE.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if not name.strip(". "):
        raise ValidationError(
            _("The file needs a name with letters or digits, not only dots or slashes."),
            code="bad_name",
        )
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def content_type_for(name: str) -> str:
    guessed, _encoding = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def sniffed_type(head: bytes) -> str | None:
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    start = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(start.startswith(tag) for tag in _HTML_STARTS):
        return "text/html"
    return None


def check_allowed(name: str, head: bytes) -> str:
    """The content type to store for this file; ValidationError when its type is blocked (by
    the name's extension, the type it implies, or what its first bytes are)."""
    blocked = {entry.lower() for entry in settings.BLOCKED_UPLOAD_TYPES}
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = content_type_for(name)
    sniffed = sniffed_type(head)
    if extension in blocked or content_type in blocked or (sniffed and sniffed in blocked):
        raise ValidationError(
            _("Files of this type (%(type)s) may not be uploaded here.")
            % {"type": extension or sniffed or content_type},
            code="blocked_type",
        )
    return content_type
