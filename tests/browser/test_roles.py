"""What a read-only user sees, and what is refused when the buttons are bypassed."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

REFUSED = "Your role does not allow this. Ask an administrator if you need it."


def test_a_reader_sees_no_buttons_that_change_anything(page, sign_in, reader, customer):
    sign_in(reader)
    expect(page.locator(".whoami")).to_have_text("Rolf Leser · Read-only")
    expect(page.get_by_role("link", name="Fjellheim Konsult AS")).to_be_visible()
    expect(page.get_by_role("link", name="New customer")).to_have_count(0)

    page.get_by_role("link", name="Fjellheim Konsult AS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fjellheim Konsult AS")
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("link", name="Add contact")).to_have_count(0)
    expect(page.get_by_role("button", name="Add note")).to_have_count(0)


def test_a_reader_going_to_the_edit_page_directly_is_refused(page, sign_in, reader, customer):
    sign_in(reader)
    response = page.goto(f"/customers/{customer.pk}/edit/")

    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.get_by_role("main")).to_contain_text(REFUSED)
    expect(page.locator("form.customer-form")).to_have_count(0)
    page.get_by_role("link", name="Back to the customer list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")


def test_a_reader_going_to_the_new_customer_page_directly_is_refused(page, sign_in, reader):
    sign_in(reader)
    response = page.goto("/customers/new/")

    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
