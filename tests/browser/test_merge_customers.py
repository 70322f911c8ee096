"""Finance sees a likely duplicate, previews the merge, takes a field from the other customer,
merges, follows the merged customer's old link to the survivor, and an administrator undoes it."""

import re

import pytest
from playwright.sync_api import expect

from kunde.customers.models import Customer
from kunde.customers.services import customer_create

pytestmark = pytest.mark.browser


def test_preview_merge_redirect_and_undo(page, sign_in, admin, manager, customer):
    duplicate = customer_create(
        actor=manager,
        data={
            "name": "FJELLHEIM KONSULT A/S",
            "organization_number": "923609016",
            "phone": "22 33 44 55",
        },
        allow_duplicate_organization=True,
    )
    sign_in(admin)
    page.goto("/customers/")
    page.get_by_role("link", name="Duplicates").click()
    row = page.get_by_test_id("suggestions").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("same organisation number")
    row.get_by_role("link", name="Preview merge").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Merge {duplicate} into {customer}")
    page.get_by_test_id("take-phone").check()
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(f"{duplicate} was merged into {customer}")

    page.goto(f"/customers/{duplicate.pk}/")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("was merged into this one")
    expect(page.get_by_role("heading", level=1)).to_have_text(customer.name)
    expect(page.locator(".overview")).to_contain_text("22 33 44 55")

    page.goto("/customers/")
    page.get_by_role("link", name="Duplicates").click()
    expect(page.get_by_text("No likely duplicates found.")).to_be_visible()

    page.goto(f"/customers/{customer.pk}/merge/")
    page.get_by_role("link", name=re.compile("into")).first.click()
    page.get_by_role("button", name="Undo merge").click()
    expect(page.locator(".messages")).to_contain_text("The merge was undone")
    assert Customer.objects.get(pk=duplicate.pk).merged_into_id is None
    assert Customer.objects.get(pk=customer.pk).phone == ""
