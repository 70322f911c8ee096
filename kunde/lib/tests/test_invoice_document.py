"""The frozen document: `to_data` gives what `asdict` gives with decimals and dates as text, and
`from_data` gives the document back."""

import dataclasses
import json
from datetime import date
from decimal import Decimal

from kunde.lib.invoice_document import HourLine, from_data, party_data, to_data
from kunde.lib.tests.test_invoice_pdf import BUYER, SELLER, make_credit_note, make_line


def _as_asdict_made_it(doc) -> dict:
    """The definition `to_data` was first written as (and every stored document was made by)."""

    def plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, list):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value

    return plain(dataclasses.asdict(doc))


def _full_document():
    hours = [
        HourLine(date(2025, 1, 6), "Åse Ødegård", "Nettsted", "Møte med kunden", Decimal("1.5")),
        HourLine(date(2025, 1, 7), "Åse Ødegård", "Nettsted", "Skisser", Decimal("6.25")),
    ]
    return make_credit_note(
        lines=[make_line(), make_line("Reise", quantity="1", price="450", discount="10")],
        hour_specification=hours,
        project="Nettsted",
    )


def test_the_data_is_asdict_with_decimals_and_dates_as_text():
    doc = _full_document()

    data = to_data(doc)

    assert data == _as_asdict_made_it(doc)
    # Key order too: the stored JSON text is the same.
    assert json.dumps(data) == json.dumps(_as_asdict_made_it(doc))
    assert data["credited_invoice_date"] == "2025-01-15" and data["kid"] == "0010230017"


def test_the_data_gives_the_document_back():
    doc = _full_document()

    assert from_data(json.loads(json.dumps(to_data(doc)))) == doc


def test_a_party_is_its_fields_in_order():
    for party in (SELLER, BUYER):
        assert json.dumps(party_data(party)) == json.dumps(dataclasses.asdict(party))
