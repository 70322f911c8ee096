"""Durations as people type them, turned into whole minutes: "90" is not guessed at, hours are
"1.5", "1,5" or "1:30"; minutes only with "m" ("90m")."""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_MINUTES = re.compile(r"^(\d{1,4})\s*m(in)?$")


def parse_minutes(text: str) -> int:
    """Minutes from "1:30", "1.5", "1,5", "7", "45m"; empty text is 0. ValidationError else."""
    text = (text or "").strip().lower().replace(" ", "")
    if not text:
        return 0
    if match := _CLOCK.match(text):
        return int(match[1]) * 60 + int(match[2])
    if match := _MINUTES.match(text):
        return int(match[1])
    try:
        hours = Decimal(text.replace(",", ".").removesuffix("h"))
    except InvalidOperation:
        hours = None
    if hours is None or not hours.is_finite() or hours < 0 or hours > 24:
        raise ValidationError(
            _("“%(text)s” is not a duration: write hours as 1.5 or 1:30.") % {"text": text},
            code="duration",
        )
    minutes = hours * 60
    if minutes != minutes.to_integral_value():
        raise ValidationError(
            _("“%(text)s” is not a whole number of minutes.") % {"text": text}, code="duration"
        )
    return int(minutes)


def format_minutes(minutes: int) -> str:
    """Minutes as h:mm, "" for none."""
    if not minutes:
        return ""
    return f"{minutes // 60}:{minutes % 60:02d}"
