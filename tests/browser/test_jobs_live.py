"""Work done by a worker, watched live in the browser: a large report download's progress page
turns into its download, and an invoice's e-mail goes from "queued" to "sent" on its page,
without a reload. A real `kunde worker` process does the work."""

import re

import pytest
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from kunde.invoices import services
from kunde.jobs.tests.conftest import queue, start_worker  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture
def issued(transactional_db, company, customer, finance, draft):
    return services.invoice_issue(actor=finance, invoice=draft)


def test_a_large_report_shows_its_progress_then_its_download(
    page,
    sign_in,
    reader,
    issued,
    tmp_path,
    queue,  # noqa: F811
    start_worker,  # noqa: F811  (fixtures imported above)
):
    queue.DOWNLOADS_QUEUE_ABOVE_ROWS = 0
    sign_in(reader)
    page.goto("/invoices/")
    page.get_by_role("link", name="Download XLSX").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Large download")
    status = page.get_by_test_id("job-status")
    expect(status.locator("progress")).to_be_visible()
    expect(status.get_by_role("status")).to_have_text("Waiting for a worker…")

    start_worker()
    button = page.get_by_test_id("job-download")
    expect(button).to_be_visible(timeout=60_000)  # the page asks every second
    expect(status).to_contain_text("Your file is ready.")
    page.screenshot(path=str(_screenshot("jobs_download_ready")), full_page=True)
    with page.expect_download() as download_info:
        button.click()
    path = tmp_path / "report.xlsx"
    download_info.value.save_as(path)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "Invoices"
    page.get_by_test_id("job-back").click()
    expect(page).to_have_url(re.compile(r"/invoices/$"))


def test_an_e_mail_turns_from_queued_to_sent_without_a_reload(
    page,
    sign_in,
    finance,
    issued,
    queue,  # noqa: F811
    start_worker,  # noqa: F811
):
    sign_in(finance)
    page.goto(f"/invoices/{issued.pk}/")
    page.get_by_role("button", name="Send", exact=True).click()
    row = page.locator("#delivery tbody tr").first
    expect(row).to_contain_text("Queued for sending")
    loaded = page.evaluate("performance.timeOrigin")

    start_worker(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    expect(row).to_have_attribute("data-result", "sent", timeout=60_000)
    expect(page.locator("#delivery")).not_to_contain_text("Queued for sending")
    assert page.evaluate("performance.timeOrigin") == loaded  # the same page, not reloaded


def _screenshot(name: str):
    from tests.conftest import output_dir

    folder = output_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"
