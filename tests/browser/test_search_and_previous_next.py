"""Searching the customer list and walking through the hits with Previous/Next and n/p."""

import re

import pytest
from playwright.sync_api import expect

from kunde.customers.services import customer_create

pytestmark = pytest.mark.browser

NAMES = [
    "Vestfjord Bygg AS",
    "fjordlys Design AS",
    "Nordlys Media AS",
    "FJORDKRAFT Energi AS",
    "Bakeri Fjordsol",
    "Solsiden Kafé",
    "Indre Fjord Camping",
    "Fjordheim Regnskap AS",
]
# The hits for "fjord" in list order: by name, ignoring case.
HITS = [
    "Bakeri Fjordsol",
    "Fjordheim Regnskap AS",
    "FJORDKRAFT Energi AS",
    "fjordlys Design AS",
    "Indre Fjord Camping",
    "Vestfjord Bygg AS",
]


@pytest.fixture
def customers(manager, settings):
    settings.CUSTOMERS_PER_PAGE = 3
    return [customer_create(actor=manager, data={"name": name}) for name in NAMES]


def heading(page):
    return page.get_by_role("heading", level=1)


def stepper(page):
    return page.get_by_role("navigation", name="Previous and next customer")


def press(page, key):
    """Press a single-key shortcut once the page's script is listening."""
    page.wait_for_load_state()
    page.keyboard.press(key)


def test_search_shows_the_matching_customers_page_by_page(page, sign_in, reader, customers):
    sign_in(reader)
    search = page.get_by_role("searchbox", name="Search")
    search.fill("fjord")
    search.press("Enter")

    expect(page).to_have_url(re.compile(r"/customers/\?q=fjord"))
    expect(page.locator("p.count")).to_have_text("1–3 of 6 customers")
    expect(page.locator("table.list tbody a")).to_have_text(HITS[:3])
    pager = page.get_by_role("navigation", name="Pages")
    expect(pager).to_contain_text("Page 1 of 2")

    press(page, "n")  # next page
    expect(pager).to_contain_text("Page 2 of 2")
    expect(page.locator("p.count")).to_have_text("4–6 of 6 customers")
    expect(page.locator("table.list tbody a")).to_have_text(HITS[3:])
    expect(search).to_have_value("fjord")


def test_previous_and_next_follow_the_list_across_pages(page, sign_in, manager, customers):
    sign_in(manager)
    page.goto("/customers/?q=fjord")
    page.get_by_role("link", name=HITS[0], exact=True).click()

    expect(heading(page)).to_have_text(HITS[0])
    expect(stepper(page).get_by_role("button", name="Previous")).to_be_disabled()

    stepper(page).get_by_role("link", name="Next").click()
    expect(heading(page)).to_have_text(HITS[1])
    press(page, "n")
    expect(heading(page)).to_have_text(HITS[2])
    press(page, "n")  # the first customer of the list's second page
    expect(heading(page)).to_have_text(HITS[3])
    stepper(page).get_by_role("link", name="Next").click()
    expect(heading(page)).to_have_text(HITS[4])
    press(page, "n")
    expect(heading(page)).to_have_text(HITS[5])
    expect(stepper(page).get_by_role("button", name="Next")).to_be_disabled()
    expect(stepper(page).get_by_role("link", name="Previous")).to_be_enabled()

    for name in reversed(HITS[:-1]):
        press(page, "p")
        expect(heading(page)).to_have_text(name)
    expect(stepper(page).get_by_role("button", name="Previous")).to_be_disabled()

    page.get_by_role("link", name="← Customers").click()
    expect(page.get_by_role("searchbox", name="Search")).to_have_value("fjord")
    expect(page.locator("p.count")).to_have_text("1–3 of 6 customers")


def test_slash_focuses_the_search_box(page, sign_in, reader, customers):
    sign_in(reader)
    search = page.get_by_role("searchbox", name="Search")
    expect(search).not_to_be_focused()

    press(page, "/")
    expect(search).to_be_focused()
    page.keyboard.type("nordlys")
    page.keyboard.press("Enter")

    expect(page.locator("p.count")).to_have_text(re.compile(r"^\s*1–1 of 1 customers?\s*$"))
    expect(page.locator("table.list tbody a")).to_have_text(["Nordlys Media AS"])
