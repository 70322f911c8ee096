"""The customer profile and its tabs fit the window, on a phone and on a desktop, in both
languages, however long the customer's data: nothing makes the page scroll sideways."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from kunde.customers.models import Tag
from kunde.customers.services import contact_add, customer_update, note_add
from kunde.files.services import file_upload
from kunde.invoices.services import invoice_draft_create, invoice_issue
from kunde.offers.services import offer_create
from kunde.payments.services import payment_register
from kunde.projects.models import Project
from tests.browser.languages import both_languages

pytestmark = pytest.mark.browser

# One word too long for any phone: it must wrap anyway.
LONG_WORD = "Fjordvikenregionalrådgivningsogkonsulentvirksomhetsadministrasjonstjenester"
LONG_EMAIL = (
    "fakturamottak.regnskapsavdelingen.hovedkontoret@"
    "regnskapsavdelingen-hovedkontoret.rådgivningsbyraa-med-et-svaert-langt-navn.example.no"
)
LONG_URL = "https://www.example.no/" + "kundeportal/dokumentarkiv/" * 4 + "?ref=" + "x" * 60

# The tabs of the profile, by the text of their link (message ids).
TABS = [
    "Overview",
    "Invoices",
    "Ledger",
    "Invoicing options",
    "Offers",
    "Files",
    "Key statistics",
    "Activity log",
]

# The long data a tab must show, so that it is measured with it.
SHOWN = {"Offers": f"Tilbud på {LONG_WORD}", "Files": "kontrakt.txt"}

# What the Norwegian run shows on the tabs.
NORWEGIAN_TABS = ["Oversikt", "Fakturaer", "Reskontro", "Aktivitetslogg"]


@pytest.fixture
def long_customer(customer, manager, finance, company):
    """The customer with every long thing a real one can have: name, e-mail, addresses, a
    contact, a note with a long link, tags, a project, an invoice with a long line and a
    payment on it, an offer with a long name, tag and line, and a file with a long name and
    description."""
    customer = customer_update(
        actor=manager,
        customer=customer,
        data={
            "name": f"Aksjeselskapet {LONG_WORD} Holding og Eiendomsforvaltning AS",
            "email": LONG_EMAIL,
            "invoice_email": LONG_EMAIL,
            "postal_street": f"Postboks 1234 {LONG_WORD}sentralbygget, inngang B, 7. etasje",
            "postal_city": "Kristiansund N",
            "visiting_street": f"{LONG_WORD}gata 112 B",
            "visiting_postcode": "0150",
            "visiting_city": "Oslo",
            "website": LONG_URL,
            "phone": "+47 22 00 00 00",
        },
        tags=[
            Tag.objects.create(name=f"Referansekunde {n} med langt navn nummer {n}")
            for n in range(4)
        ],
        expected_version=None,
    )
    contact_add(
        actor=manager,
        customer=customer,
        data={
            "name": f"Kari-Anne Margrethe {LONG_WORD}sen",
            "role": f"Leder for {LONG_WORD}",
            "email": LONG_EMAIL,
            "phone": "+47 900 00 000",
        },
    )
    note_add(actor=manager, customer=customer, text=f"Se avtalen: {LONG_URL}")
    Project.objects.create(
        number=1001, name=f"{LONG_WORD} intranett og portal", customer=customer, manager=manager
    )
    draft = invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[
            {
                "description": f"{LONG_WORD} – {LONG_WORD}",
                "quantity": "10",
                "unit": "timer",
                "unit_price_ore": 125000,
            }
        ],
    )
    invoice = invoice_issue(actor=finance, invoice=draft, issue_date=date(2026, 10, 1))
    offer_create(
        actor=manager,
        customer=customer,
        data={
            "name": f"Tilbud på {LONG_WORD} og {LONG_WORD}",
            "tag": LONG_WORD[:50],
            "customer_reference": LONG_WORD[:100],
            "intro_text": f"Se {LONG_URL}",
        },
        lines=[
            {
                "section": LONG_WORD,
                "kind": "hourly",
                "description": f"{LONG_WORD} – {LONG_WORD}",
                "quantity": "1000",
                "unit_price_ore": 99999900,
            }
        ],
    )
    file_upload(
        actor=manager,
        customer=customer,
        upload=SimpleUploadedFile(f"{LONG_WORD}-{LONG_WORD}-kontrakt.txt", b"Kontrakt"),
        description=f"{LONG_WORD} {LONG_URL}",
    )
    payment_register(
        actor=finance, invoice=invoice, amount_ore=500000, date=date(2026, 10, 15), note=LONG_URL
    )
    return customer


def overflow(page) -> str:
    """ "" when the page fits its window, else how wide it is and the widest elements."""
    return page.evaluate(
        """() => {
        const width = window.innerWidth, page = document.documentElement.scrollWidth;
        if (page <= width) return "";
        const wide = [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > width + 0.5)
            .slice(0, 5)
            .map(e => `${e.tagName.toLowerCase()}.${e.className}`);
        return `${page} px wide in a ${width} px window: ${wide.join(", ")}`;
    }"""
    )


@both_languages
@pytest.mark.parametrize("width", [375, 1280])
def test_the_profile_and_its_tabs_never_scroll_sideways(
    page, sign_in, finance, long_customer, width, language, t
):
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(finance)
    page.goto(f"/customers/{long_customer.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    tabs = page.get_by_role("navigation", name=t("Customer"), exact=True)

    for tab in TABS:
        tabs.get_by_role("link", name=t(tab), exact=True).click()
        expect(tabs.get_by_role("link", name=t(tab), exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        if tab in SHOWN:
            expect(page.locator("main")).to_contain_text(SHOWN[tab])
        assert overflow(page) == "", f"{tab} at {width} px ({language})"

    if language == "nb":
        for word in NORWEGIAN_TABS:
            expect(tabs).to_contain_text(word)
        expect(page.locator(".activity")).to_contain_text("Faktura 1 utstedt 01.10.2026")
