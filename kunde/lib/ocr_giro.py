"""Nets OCR giro files: a strict parser, and a small writer for tests and benchmarks.

An OCR giro file (Nets "OCR giro - System manual") is ISO-8859-1 text of fixed 80-character
records: record 10 starts the transmission, each assignment (one agreement and payee account) runs
from record 20 to record 88, each transaction is amount item 1 (record 30) and 2 (record 31), plus
amount item 3 (record 32, free text) for transaction types 20 and 21, and record 89 ends the
transmission. Positions below are 1-based, as in the manual.

`parse_ocr_giro` refuses the whole file on the first error, before returning anything, with an
`OcrGiroError` naming the line and the field. It checks the layout of every record, the nesting, the
pairing of amount items, dates, and the counts and totals in records 88 and 89. It raises nothing
else for any bytes. It does not check KID check digits: which algorithm applies is a matter of the
payee's agreement, and a bad KID sends one payment to manual handling instead of refusing the file.

Why our own parser and not netsgiro at runtime: netsgiro 2.0.1 ignores the sign of reversals,
checks no counts or totals, and refuses a whole file for one MOD11 KID ending in "-"; wrapping it
would need a second pass over its records and a fallback parser for "-" KIDs anyway. It is also
slower: on 100,000 transactions (214,000 records) netsgiro.parse took about 3 s here (5.5 s in
libraries.md), this module 0.6-0.8 s with every check. netsgiro stays a dev dependency: the
tests use it as an independent writer of valid files and as a cross-check of this parser.

Choices:
- Service code 21 (AvtaleGiro) is refused: AvtaleGiro files carry agreements and payment claims,
  not payments. Payments made through AvtaleGiro arrive in the OCR giro file as type 15.
- Record 32 is optional for types 20 and 21 (the manual says "only for", not "always"); the record
  counts in 88 and 89 still catch a lost one. It is refused for every other type.
- Totals may be the signed or the unsigned sum of the amounts (sources disagree about reversals),
  each end record on its own; anything else is refused. The price: where signed and unsigned sums
  are equal (no "-" in the assignment), a sign changed from "0" to "-" still matches the unsigned
  sum, so the totals cannot catch it.
- The sign is not checked against the transaction type: the 2004 specification's example has "-"
  on type 13, not only on the reversal types 18 and 20.
- Positions 35-41 of record 31 are documented as filler but hold digits in Nets' own example file:
  they must be digits and are not kept.
- Blank lines are accepted only at the end of the file.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kunde.lib.money import MAX_AMOUNT_ORE

FREE_TEXT_TYPES = frozenset({20, 21})
NO_DATE = "000000"

_RECORD_NAMES = {
    "10": gettext_lazy("record 10 (start of transmission)"),
    "20": gettext_lazy("record 20 (start of assignment)"),
    "30": gettext_lazy("record 30 (amount item 1)"),
    "31": gettext_lazy("record 31 (amount item 2)"),
    "32": gettext_lazy("record 32 (amount item 3)"),
    "88": gettext_lazy("record 88 (end of assignment)"),
    "89": gettext_lazy("record 89 (end of transmission)"),
}


class OcrGiroError(ValueError):
    """An OCR giro file that cannot be accepted; `line_number` is 1-based."""

    def __init__(self, line_number: int, message: str):
        self.line_number = line_number
        self.message = message
        super().__init__(
            _("Line %(number)s: %(message)s") % {"number": line_number, "message": message}
        )


@dataclass(frozen=True, slots=True)
class OcrTransaction:
    transaction_type: int  # 10-21 as in the Nets manual; 18 and 20 are reversals
    transaction_number: int
    nets_date: date
    centre_id: str
    day_code: int
    partial_settlement: int
    serial_number: str
    sign: str  # "-" (reversal) or "0"
    amount_ore: int  # signed: negative when the sign is "-"
    kid: str  # "" when blank; a MOD11 KID may end in "-"
    form_number: str
    archive_reference: str
    bank_date: date | None
    debit_account: str | None  # None when Nets does not know it (all zeros)
    free_text: str | None  # record 32, types 20 and 21 only; None when there is no record 32
    # Where the records came from (30, 31 and perhaps 32); not part of the content.
    line_numbers: tuple[int, ...] = field(default=(), compare=False)

    @property
    def amount(self) -> Decimal:
        """The signed amount in kroner."""
        return Decimal(self.amount_ore).scaleb(-2)


@dataclass(frozen=True, slots=True)
class OcrAssignment:
    agreement_id: str
    assignment_number: str
    account: str  # the payee's account
    nets_date: date  # from record 88
    transactions: tuple[OcrTransaction, ...]
    line_numbers: tuple[int, ...] = field(default=(), compare=False)  # records 20 and 88

    @property
    def earliest_nets_date(self) -> date | None:
        return min((t.nets_date for t in self.transactions), default=None)

    @property
    def latest_nets_date(self) -> date | None:
        return max((t.nets_date for t in self.transactions), default=None)


@dataclass(frozen=True, slots=True)
class OcrTransmission:
    transmission_number: str
    data_transmitter: str
    data_recipient: str
    nets_date: date  # from record 89
    assignments: tuple[OcrAssignment, ...]

    @property
    def transactions(self) -> Iterator[OcrTransaction]:
        for assignment in self.assignments:
            yield from assignment.transactions


# Record layouts: (field name, first position, last position, pattern); positions are 1-based.
# One regular expression per record checks a whole line at once; only when it fails are the fields
# tried one by one, to name the first wrong one.
_DIGITS = "[0-9]"
_KID = "[ ]*(?:[0-9]+-?)?"  # right-aligned, blank-padded; a MOD11 check digit 10 is "-"
_TEXT = "."
_TRANSACTION_TYPE = "1[0-9]|2[01]"


def _fields(code: str, service: str, kind: str, *rest: tuple) -> list[tuple]:
    kind_name = (
        gettext_lazy("transaction type")
        if service == "09" and kind != "00"
        else gettext_lazy("type")
    )
    return [
        (gettext_lazy("format code"), 1, 2, "NY"),
        (gettext_lazy("service code"), 3, 4, service),
        (kind_name, 5, 6, kind),
        (gettext_lazy("record type"), 7, 8, code),
        *rest,
    ]


_LAYOUTS = {
    "10": _fields(
        "10",
        "00",
        "00",
        (gettext_lazy("data transmitter"), 9, 16, _DIGITS),
        (gettext_lazy("transmission number"), 17, 23, _DIGITS),
        (gettext_lazy("data recipient"), 24, 31, _DIGITS),
        (gettext_lazy("filler"), 32, 80, "0"),
    ),
    "20": _fields(
        "20",
        "09",
        "00",
        (gettext_lazy("agreement id"), 9, 17, _DIGITS),
        (gettext_lazy("assignment number"), 18, 24, _DIGITS),
        (gettext_lazy("assignment account"), 25, 35, _DIGITS),
        (gettext_lazy("filler"), 36, 80, "0"),
    ),
    "30": _fields(
        "30",
        "09",
        _TRANSACTION_TYPE,
        (gettext_lazy("transaction number"), 9, 15, _DIGITS),
        (gettext_lazy("Nets date"), 16, 21, _DIGITS),
        (gettext_lazy("centre id"), 22, 23, _DIGITS),
        (gettext_lazy("day code"), 24, 25, _DIGITS),
        (gettext_lazy("partial settlement number"), 26, 26, _DIGITS),
        (gettext_lazy("serial number"), 27, 31, _DIGITS),
        (gettext_lazy("sign"), 32, 32, "[-0]"),
        (gettext_lazy("amount"), 33, 49, _DIGITS),
        (gettext_lazy("KID"), 50, 74, _KID),
        (gettext_lazy("filler"), 75, 80, "0"),
    ),
    "31": _fields(
        "31",
        "09",
        _TRANSACTION_TYPE,
        (gettext_lazy("transaction number"), 9, 15, _DIGITS),
        (gettext_lazy("form number"), 16, 25, _DIGITS),
        (gettext_lazy("archive reference"), 26, 34, _DIGITS),
        (gettext_lazy("positions 35-41"), 35, 41, _DIGITS),
        (gettext_lazy("bank date"), 42, 47, _DIGITS),
        (gettext_lazy("debit account"), 48, 58, _DIGITS),
        (gettext_lazy("filler"), 59, 80, "0"),
    ),
    "32": _fields(
        "32",
        "09",
        _TRANSACTION_TYPE,
        (gettext_lazy("transaction number"), 9, 15, _DIGITS),
        (gettext_lazy("free text"), 16, 55, _TEXT),
        (gettext_lazy("filler"), 56, 80, "0"),
    ),
    "88": _fields(
        "88",
        "09",
        "00",
        (gettext_lazy("number of transactions"), 9, 16, _DIGITS),
        (gettext_lazy("number of records"), 17, 24, _DIGITS),
        (gettext_lazy("total amount"), 25, 41, _DIGITS),
        (gettext_lazy("Nets date"), 42, 47, _DIGITS),
        (gettext_lazy("earliest Nets date"), 48, 53, _DIGITS),
        (gettext_lazy("latest Nets date"), 54, 59, _DIGITS),
        (gettext_lazy("filler"), 60, 80, "0"),
    ),
    "89": _fields(
        "89",
        "00",
        "00",
        (gettext_lazy("number of transactions"), 9, 16, _DIGITS),
        (gettext_lazy("number of records"), 17, 24, _DIGITS),
        (gettext_lazy("total amount"), 25, 41, _DIGITS),
        (gettext_lazy("Nets date"), 42, 47, _DIGITS),
        (gettext_lazy("filler"), 48, 80, "0"),
    ),
}


def _field_pattern(first: int, last: int, pattern: str) -> str:
    if pattern in (_DIGITS, _TEXT, "0"):
        return f"{pattern}{{{last - first + 1}}}"
    return f"(?:{pattern})"


_FIELD_REGEXES = {
    code: [
        (name, first, last, pattern, re.compile(_field_pattern(first, last, pattern)))
        for name, first, last, pattern in layout
    ]
    for code, layout in _LAYOUTS.items()
}
_RECORD_REGEXES = {
    code: re.compile("".join(_field_pattern(f, la, p) for _name, f, la, p in layout))
    for code, layout in _LAYOUTS.items()
}
_EXPECTED = {
    _DIGITS: gettext_lazy("digits"),
    "0": gettext_lazy("zeros"),
    "[-0]": gettext_lazy("'-' or '0'"),
    _KID: gettext_lazy("a KID of digits (the last may be '-'), right-aligned and blank-padded"),
    _TRANSACTION_TYPE: gettext_lazy("a transaction type from 10 to 21"),
}
# Control characters (C0, DEL and C1) other than a CR that ends a line and LF.
_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")
_CONTROL_BYTES = bytes([*range(0x0A), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])
_NOT_CONTROL_BYTES = bytes(set(range(256)) - set(_CONTROL_BYTES))


def parse_ocr_giro(data: bytes) -> OcrTransmission:
    """The transmission in an OCR giro file; raises OcrGiroError if anything is wrong with it."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"parse_ocr_giro() takes bytes, not {type(data).__name__}.")
    return _Parser(_lines(bytes(data))).transmission()


def _lines(data: bytes) -> list[str]:
    # The regular expression is slow on large files; deleting every allowed byte is fast.
    suspect = data.translate(None, _NOT_CONTROL_BYTES) or data.count(b"\r") != data.count(b"\r\n")
    control = suspect and _CONTROL.search(data)
    if control:
        position = control.start()
        start = data.rfind(b"\n", 0, position) + 1
        end = data.find(b"\n", position)
        raise OcrGiroError(
            data.count(b"\n", 0, position) + 1,
            _(
                "control character 0x%(byte)02X at position %(position)s; an OCR giro file holds "
                "only text."
            )
            % {"byte": data[position], "position": position - start + 1}
            + _utf8_hint(data[start : None if end < 0 else end]),
        )
    lines = data.decode("latin-1").replace("\r\n", "\n").split("\n")
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        raise OcrGiroError(1, _("the file is empty."))
    for number, line in enumerate(lines, 1):
        if len(line) != 80:
            raise OcrGiroError(number, _length_message(line))
    return lines


def _length_message(line: str) -> str:
    return _("the record has %(length)s characters; every record must have exactly 80.") % {
        "length": len(line)
    } + _utf8_hint(line.encode("latin-1"))


def _utf8_hint(raw: bytes) -> str:
    if raw.isascii():
        return ""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    return " " + _("The line looks UTF-8 encoded; OCR giro files are ISO-8859-1.")


class _Parser:
    def __init__(self, lines: list[str]):
        self.lines = lines
        self.dates: dict[str, date] = {}

    def transmission(self) -> OcrTransmission:
        lines = self.lines
        start = self._record(0)
        if start[6:8] != "10":
            raise OcrGiroError(
                1, _("the file must start with %(record)s.") % {"record": _RECORD_NAMES["10"]}
            )
        assignments: list[OcrAssignment] = []
        numbers: dict[str, int] = {}
        index = 1
        while True:
            line = self._record(index)
            code = line[6:8]
            if code == "89":
                break
            if code != "20":
                self._misplaced(index, code, "record 20 or 89")
            assignment = self._assignment(index)
            first = numbers.setdefault(assignment.assignment_number, index + 1)
            if first != index + 1:
                raise OcrGiroError(
                    index + 1,
                    _("assignment number %(number)s was already used on line %(line)s.")
                    % {"number": assignment.assignment_number, "line": first},
                )
            assignments.append(assignment)
            index = assignment.line_numbers[1]
        if index + 1 < len(lines):
            raise OcrGiroError(
                index + 2, _("nothing may follow %(record)s.") % {"record": _RECORD_NAMES["89"]}
            )
        amounts = [t.amount_ore for a in assignments for t in a.transactions]
        self._check_end(line, index, gettext_lazy("transmission"), amounts, len(lines))
        return OcrTransmission(
            transmission_number=start[16:23],
            data_transmitter=start[8:16],
            data_recipient=start[23:31],
            nets_date=self._date(line, index, 42, "Nets date"),
            assignments=tuple(assignments),
        )

    def _assignment(self, start_index: int) -> OcrAssignment:
        start = self.lines[start_index]
        transactions: list[OcrTransaction] = []
        numbers: dict[int, int] = {}
        index = start_index + 1
        while True:
            line = self._record(index)
            code = line[6:8]
            if code == "88":
                break
            if code != "30":
                self._misplaced(index, code, "record 30 or 88", start_index)
            transaction = self._transaction(index)
            first = numbers.setdefault(transaction.transaction_number, index + 1)
            if first != index + 1:
                raise OcrGiroError(
                    index + 1,
                    _(
                        "transaction number %(number)s was already used on line %(line)s in this "
                        "assignment."
                    )
                    % {"number": transaction.transaction_number, "line": first},
                )
            transactions.append(transaction)
            index = transaction.line_numbers[-1]
        amounts = [t.amount_ore for t in transactions]
        self._check_end(line, index, gettext_lazy("assignment"), amounts, index - start_index + 1)
        nets_dates = [t.nets_date for t in transactions]
        for position, name, expected in (
            (48, gettext_lazy("earliest Nets date"), min(nets_dates, default=None)),
            (54, gettext_lazy("latest Nets date"), max(nets_dates, default=None)),
        ):
            stated = self._date(line, index, position, name, optional=not transactions)
            if transactions and stated != expected:
                raise OcrGiroError(
                    index + 1,
                    _(
                        "record 88 says the %(name)s is %(stated)s, but the transactions say "
                        "%(actual)s."
                    )
                    % {
                        "name": name,
                        "stated": f"{stated:%d.%m.%Y}",
                        "actual": f"{expected:%d.%m.%Y}",
                    },
                )
        return OcrAssignment(
            agreement_id=start[8:17],
            assignment_number=start[17:24],
            account=start[24:35],
            nets_date=self._date(line, index, 42, "Nets date"),
            transactions=tuple(transactions),
            line_numbers=(start_index + 1, index + 1),
        )

    def _transaction(self, index: int) -> OcrTransaction:
        lines = self.lines
        item1 = lines[index]
        item2 = self._item(index + 1, "31", item1)
        transaction_type = int(item1[4:6])
        item3 = None
        if index + 2 < len(lines) and lines[index + 2][6:8] == "32":
            item3 = self._item(index + 2, "32", item1)
            if transaction_type not in FREE_TEXT_TYPES:
                raise OcrGiroError(
                    index + 3,
                    _(
                        "%(record)s is only for transaction types 20 and 21, but transaction "
                        "%(number)s has type %(type)s."
                    )
                    % {
                        "record": _RECORD_NAMES["32"],
                        "number": int(item1[8:15]),
                        "type": transaction_type,
                    },
                )
        sign = item1[31]
        amount = int(item1[32:49])
        if amount > MAX_AMOUNT_ORE:
            raise OcrGiroError(
                index + 1,
                _(
                    "positions 33-49 (amount): %(amount)s øre is more than the largest amount "
                    "accepted, %(max)s øre."
                )
                % {"amount": amount, "max": MAX_AMOUNT_ORE},
            )
        debit_account = item2[47:58]
        return OcrTransaction(
            transaction_type=transaction_type,
            transaction_number=int(item1[8:15]),
            nets_date=self._date(item1, index, 16, "Nets date"),
            centre_id=item1[21:23],
            day_code=int(item1[23:25]),
            partial_settlement=int(item1[25]),
            serial_number=item1[26:31],
            sign=sign,
            amount_ore=-amount if sign == "-" else amount,
            kid=item1[49:74].lstrip(" "),
            form_number=item2[15:25],
            archive_reference=item2[25:34],
            bank_date=self._date(item2, index + 1, 42, "bank date", optional=True),
            debit_account=None if debit_account == "00000000000" else debit_account,
            free_text=None if item3 is None else item3[15:55].rstrip(" "),
            line_numbers=(index + 1, index + 2)
            if item3 is None
            else (index + 1, index + 2, index + 3),
        )

    def _item(self, index: int, code: str, item1: str) -> str:
        """Record 31 or 32 at `index`, checked to belong to the transaction of record 30 `item1`."""
        lines = self.lines
        if index < len(lines):
            line = lines[index]
            if (
                line[6:8] == code
                and line[8:15] == item1[8:15]
                and line[4:6] == item1[4:6]
                and _RECORD_REGEXES[code].fullmatch(line)
            ):
                return line
        number = int(item1[8:15])
        if index >= len(self.lines):
            raise OcrGiroError(
                index,
                _("the file ends before %(record)s of transaction %(number)s.")
                % {"record": _RECORD_NAMES[code], "number": number},
            )
        line = self._record(index)
        if line[6:8] != code:
            raise OcrGiroError(
                index + 1,
                _("expected %(record)s of transaction %(number)s, found %(found)s.")
                % {
                    "record": _RECORD_NAMES[code],
                    "number": number,
                    "found": _RECORD_NAMES[line[6:8]],
                },
            )
        if line[8:15] != item1[8:15]:
            raise OcrGiroError(
                index + 1,
                _("%(record)s has transaction number %(found)s, but its record 30 has %(number)s.")
                % {"record": _RECORD_NAMES[code], "found": int(line[8:15]), "number": number},
            )
        if line[4:6] != item1[4:6]:
            raise OcrGiroError(
                index + 1,
                _("%(record)s has transaction type %(found)s, but its record 30 has %(type)s.")
                % {"record": _RECORD_NAMES[code], "found": line[4:6], "type": item1[4:6]},
            )
        return line

    def _record(self, index: int) -> str:
        """The line at `index` (0-based), checked against the layout of its record type."""
        if index >= len(self.lines):
            raise OcrGiroError(
                index,
                _("the file ends without %(record)s; it may be truncated.")
                % {"record": _RECORD_NAMES["89"]},
            )
        line = self.lines[index]
        regex = _RECORD_REGEXES.get(line[6:8])
        if regex is None or not regex.fullmatch(line):
            raise OcrGiroError(index + 1, _layout_message(line))
        return line

    def _misplaced(self, index: int, code: str, expected: str, assignment_index: int = -1) -> None:
        record = _RECORD_NAMES[code]
        message = _("expected %(expected)s, found %(record)s.") % {
            "expected": expected,
            "record": record,
        }
        if code in ("31", "32"):
            message = _("%(record)s must follow the records of its transaction.") % {
                "record": record
            }
        elif code in ("20", "89") and assignment_index >= 0:
            message = _(
                "%(record)s comes before record 88 has ended the assignment started on line "
                "%(line)s."
            ) % {"record": record, "line": assignment_index + 1}
        raise OcrGiroError(index + 1, message)

    def _check_end(
        self, line: str, index: int, level: str, amounts: list[int], records: int
    ) -> None:
        code = line[6:8]
        stated = int(line[8:16])
        if stated != len(amounts):
            raise OcrGiroError(
                index + 1,
                _("record %(code)s says %(stated)s transactions, but the %(level)s has %(actual)s.")
                % {"code": code, "stated": stated, "level": level, "actual": len(amounts)},
            )
        stated = int(line[16:24])
        if stated != records:
            raise OcrGiroError(
                index + 1,
                _("record %(code)s says %(stated)s records, but the %(level)s has %(actual)s.")
                % {"code": code, "stated": stated, "level": level, "actual": records},
            )
        stated = int(line[24:41])
        signed = sum(amounts)
        unsigned = sum(abs(amount) for amount in amounts)
        if stated not in (signed, unsigned):
            raise OcrGiroError(
                index + 1,
                _(
                    "record %(code)s says the total amount is %(stated)s øre, but the %(level)s's "
                    "amounts add up to %(signed)s øre (signed) or %(unsigned)s øre (unsigned)."
                )
                % {
                    "code": code,
                    "stated": stated,
                    "level": level,
                    "signed": signed,
                    "unsigned": unsigned,
                },
            )

    def _date(
        self, line: str, index: int, position: int, name: str, optional: bool = False
    ) -> date | None:
        text = line[position - 1 : position + 5]
        value = self.dates.get(text)
        if value is not None:
            return value
        if optional and text == NO_DATE:
            return None
        day, month, year = int(text[0:2]), int(text[2:4]), int(text[4:6])
        # Two-digit years as Python's %y (and netsgiro) read them: 00-68 is 20xx, 69-99 is 19xx.
        year += 2000 if year < 69 else 1900
        try:
            value = date(year, month, day)
        except ValueError:
            raise OcrGiroError(
                index + 1,
                _("positions %(first)s-%(last)s (%(name)s): %(text)s is not a date (DDMMYY).")
                % {"first": position, "last": position + 5, "name": name, "text": text},
            ) from None
        self.dates[text] = value
        return value


def _layout_message(line: str) -> str:
    """Why `line` does not match its record layout: the first wrong field."""
    if line[0:2] != "NY":
        return _("positions 1-2 (format code): expected NY, found %(found)r.") % {
            "found": line[0:2]
        }
    if line[2:4] == "21":
        return _(
            "service code 21 is AvtaleGiro; AvtaleGiro files are not payment files (AvtaleGiro "
            "payments arrive in the OCR giro file as transaction type 15)."
        )
    if line[2:4] not in ("00", "09"):
        return _("positions 3-4 (service code): %(found)r is not 00 or 09 (OCR giro).") % {
            "found": line[2:4]
        }
    code = line[6:8]
    if code not in _FIELD_REGEXES:
        return _("positions 7-8 (record type): %(found)r is not a known OCR giro record type.") % {
            "found": code
        }
    for name, first, last, pattern, regex in _FIELD_REGEXES[code]:
        value = line[first - 1 : last]
        if not regex.fullmatch(value):
            expected = _EXPECTED.get(pattern, pattern)
            return _(
                "positions %(first)s-%(last)s (%(name)s) of %(record)s: expected %(expected)s, "
                "found %(found)r."
            ) % {
                "first": first,
                "last": last,
                "name": name,
                "record": _RECORD_NAMES[code],
                "expected": expected,
                "found": value,
            }
    raise AssertionError("A record failed its layout but no field did.")  # pragma: no cover


def write_ocr_giro(transmission: OcrTransmission, *, signed_totals: bool = False) -> bytes:
    """An OCR giro file for `transmission`, with totals as signed or unsigned sums.

    For tests and benchmarks: Nets writes these files, payees only read them. Raises ValueError
    for a value that does not fit its field.
    """
    t = transmission
    lines = [f"NY000010{t.data_transmitter}{t.transmission_number}{t.data_recipient}" + "0" * 49]
    all_amounts: list[int] = []
    for a in t.assignments:
        lines.append(f"NY090020{a.agreement_id}{a.assignment_number}{a.account}" + "0" * 45)
        first = len(lines)
        for x in a.transactions:
            if x.sign not in ("-", "0") or (x.amount_ore and (x.amount_ore < 0) != (x.sign == "-")):
                raise ValueError(f"Transaction {x.transaction_number}: sign and amount disagree.")
            if x.free_text is not None and x.transaction_type not in FREE_TEXT_TYPES:
                raise ValueError(f"Transaction {x.transaction_number}: free text needs type 20/21.")
            head = f"NY09{x.transaction_type:02d}3"
            number = f"{x.transaction_number:07d}"
            lines.append(
                f"{head}0{number}{x.nets_date:%d%m%y}{x.centre_id}{x.day_code:02d}"
                f"{x.partial_settlement:1d}{x.serial_number}{x.sign}{abs(x.amount_ore):017d}"
                f"{x.kid:>25}000000"
            )
            lines.append(
                f"{head}1{number}{x.form_number}{x.archive_reference}0000000"
                f"{_ddmmyy(x.bank_date)}{x.debit_account or '0' * 11}" + "0" * 22
            )
            if x.free_text is not None:
                lines.append(f"{head}2{number}{x.free_text:<40}" + "0" * 25)
        amounts = [x.amount_ore for x in a.transactions]
        all_amounts += amounts
        dates = (_ddmmyy(a.earliest_nets_date), _ddmmyy(a.latest_nets_date))
        lines.append(
            f"NY090088{_end(amounts, len(lines) - first + 2, signed_totals)}{a.nets_date:%d%m%y}"
            f"{dates[0]}{dates[1]}" + "0" * 21
        )
    lines.append(
        f"NY000089{_end(all_amounts, len(lines) + 1, signed_totals)}{t.nets_date:%d%m%y}" + "0" * 33
    )
    for number, line in enumerate(lines, 1):
        regex = _RECORD_REGEXES.get(line[6:8])
        if len(line) != 80 or regex is None or not regex.fullmatch(line):
            raise ValueError(f"Line {number} does not fit the record layout: {line!r}")
    return ("\n".join(lines) + "\n").encode("latin-1")


def payment_transaction(
    number: int, day: date, amount_ore: int, kid: str, *, serial_number: str = "00001"
) -> OcrTransaction:
    """A plain incoming KID payment (type 10) booked on `day`, for `write_ocr_file`."""
    return OcrTransaction(
        transaction_type=10,
        transaction_number=number,
        nets_date=day,
        centre_id="01",
        day_code=day.day,
        partial_settlement=1,
        serial_number=serial_number,
        sign="0",
        amount_ore=amount_ore,
        kid=kid,
        form_number="0000000000",
        archive_reference="000000000",
        bank_date=day,
        debit_account=None,
        free_text=None,
    )


def write_ocr_file(
    transactions: tuple[OcrTransaction, ...], *, transmission_number: str, assignment_number: str
) -> bytes:
    """An OCR giro file of one assignment to the demo firm's account holding `transactions`
    (at least one), dated on the last of them: what the demo and the benchmark import."""
    last = max(t.nets_date for t in transactions)
    return write_ocr_giro(
        OcrTransmission(
            transmission_number=transmission_number,
            data_transmitter="00008080",
            data_recipient="00010200",
            nets_date=last,
            assignments=(
                OcrAssignment(
                    agreement_id="000000000",
                    assignment_number=assignment_number,
                    account="86011117947",
                    nets_date=last,
                    transactions=transactions,
                ),
            ),
        )
    )


def _end(amounts: list[int], records: int, signed_totals: bool) -> str:
    total = sum(amounts) if signed_totals else sum(abs(amount) for amount in amounts)
    if total < 0:
        raise ValueError("A negative signed total cannot be written; use unsigned totals.")
    return f"{len(amounts):08d}{records:08d}{total:017d}"


def _ddmmyy(value: date | None) -> str:
    return NO_DATE if value is None else f"{value:%d%m%y}"
