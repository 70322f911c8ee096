import hashlib
import io

from pypdf import PdfReader

from kunde.lib.offer_pdf import facts, render_offer_pdf

PARTY = dict.fromkeys(
    [
        "street",
        "postcode",
        "city",
        "organization_number",
        "organization_form",
        "vat_number",
        "email",
        "phone",
        "bank_account",
        "iban",
        "bic",
        "delivery_street",
        "delivery_postcode",
        "delivery_city",
    ],
    "",
)


def make_line(description, *, section="Analyse", optional=False, discount="0", net_ore=250000):
    return {
        "description": description,
        "section": section,
        "kind": "hourly",
        "quantity": "2",
        "unit": "timer",
        "unit_price_ore": 125000,
        "discount_percent": discount,
        "vat_rate": 25,
        "vat_category": "S",
        "net_ore": net_ore,
        "optional": optional,
    }


def make_offer(**kw) -> dict:
    """Two lines in the section "Analyse" and an optional one; 25 % VAT."""
    values = {
        "number": "T-2025-0007-B",
        "name": "Ny nettbutikk",
        "language": "nb",
        "issue_date": "2025-03-03",
        "valid_until": "2025-04-02",
        "start_date": "",
        "customer_number": 1042,
        "customer_reference": "Kari Nordmann",
        "contract_reference": "",
        "contact": "",
        "made_by": "Ola Hansen",
        "intro_text": "Takk for en hyggelig samtale.",
        "closing_text": "Vi ser frem til å høre fra dere.",
        "seller": {
            **PARTY,
            "name": "Fjordkonsult AS",
            "street": "Storgata 1",
            "postcode": "0155",
            "city": "Oslo",
            "organization_number": "923609016",
            "organization_form": "AS",
            "vat_number": "NO923609016MVA",
            "country": "NO",
        },
        "buyer": {
            **PARTY,
            "name": "Fjellstua Kafé",
            "street": "Bakkeveien 12",
            "postcode": "5003",
            "city": "Bergen",
            "organization_number": "987654321",
            "country": "NO",
        },
        "lines": [
            make_line("Workshop"),
            make_line("Rapport"),
            make_line("Oppfølging", section="", optional=True, net_ore=125000),
        ],
        "vat_groups": [{"category": "S", "rate": 25, "taxable_ore": 500000, "vat_ore": 125000}],
        "net_ore": 500000,
        "total_ore": 625000,
        "optional_net_ore": 125000,
    }
    return {**values, **kw}


def text_of(data: dict) -> str:
    reader = PdfReader(io.BytesIO(render_offer_pdf(data)))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_it_shows_the_facts_of_the_offer():
    assert facts(make_offer()) == [
        ("Tilbudsnr.", "T-2025-0007-B"),
        ("Dato", "03.03.2025"),
        ("Gyldig til", "02.04.2025"),
        ("Kundenr.", "1042"),
        ("Deres ref.", "Kari Nordmann"),
        ("Vår ref.", "Ola Hansen"),
    ]


def test_sections_have_their_sum_and_optional_lines_are_marked_and_left_out():
    text = text_of(make_offer())
    assert "Sum Analyse 5 000,00" in text
    assert "Oppfølging (valgfritt)" in text
    assert "Totalt NOK 6 250,00" in text
    assert "Valgfrie linjer er ikke med i summen" in text


def test_an_english_offer_has_english_labels_and_numbers():
    text = text_of(make_offer(language="en"))
    assert "OFFER" in text
    assert "Offer no." in text
    assert "Total NOK 6,250.00" in text
    assert "Org. no." in text and "Org.nr." not in text


# As for invoices: a sent offer's stored PDF must render again byte for byte.
def test_the_bytes_of_an_offer_stay_the_same():
    expected = "a9a965a0a77537923706b94ab88ad4ffcb4476578e5c805d0033b99ee32c88e2"
    assert hashlib.sha256(render_offer_pdf(make_offer())).hexdigest() == expected
