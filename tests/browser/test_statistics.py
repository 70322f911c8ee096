"""The Key statistics tab: open it, change the period, drill into "Outstanding" and download the
rows as XLSX."""

import io

import pytest
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from kunde.stats.tests.fixtures import ledger  # noqa: F401

pytestmark = pytest.mark.browser


def test_open_the_tab_change_the_period_drill_into_outstanding_and_download(
    page,
    sign_in,
    manager,
    ledger,  # noqa: F811
):
    sign_in(manager)
    page.goto(f"/customers/{ledger.customer.pk}/")
    page.get_by_role("link", name="Key statistics").click()
    expect(page.get_by_role("heading", name="Key statistics", level=2)).to_be_visible()
    figure = page.locator("[data-figure=invoiced]")
    expect(figure).to_have_text("3\xa0400,00\xa0kr")
    expect(page.locator("svg.chart").first).to_be_visible()

    page.get_by_label("Period", exact=True).select_option("all")
    expect(figure).to_have_text("3\xa0900,00\xa0kr")  # with the invoice of December 2025

    page.locator("[data-figure=outstanding]").click()
    expect(page.get_by_role("heading", name="Outstanding")).to_be_visible()
    rows = page.get_by_test_id("figure-rows")
    expect(rows.locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("figure-total")).to_have_text("1\xa0900,00\xa0kr")

    with page.expect_download() as download_info:
        page.get_by_test_id("figure-xlsx").click()
    download = download_info.value
    assert download.suggested_filename == f"outstanding-{ledger.customer.number}.xlsx"
    data = open(download.path(), "rb").read()
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert sheet[-1][0] == "Total" and sheet[-1][4] == 1900.0
