"""The Files tab: two files dropped onto it are uploaded with a progress bar each and listed;
one is downloaded and its bytes are the ones dropped."""

import base64

import pytest
from playwright.sync_api import expect

from kunde.files.models import CustomerFile

pytestmark = pytest.mark.browser

FILES = {
    "Rammeavtale 2026.txt": b"Signert av begge parter.\n" * 50,
    "Møtereferat æøå.csv": b"dato;tema\n2026-11-20;oppstart\n",
}

# Drops files onto the upload area as a person dragging them from the desktop would: a drop
# event carrying a DataTransfer with the files.
DROP = """([zone, files]) => {
  const transfer = new DataTransfer();
  for (const [name, data] of files) {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, { type: "text/plain" }));
  }
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = { bubbles: true, cancelable: true, dataTransfer: transfer };
    zone.dispatchEvent(new DragEvent(type, init));
  }
}"""


def test_drop_two_files_see_them_listed_and_download_one(
    page, sign_in, manager, customer, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    sign_in(manager)
    page.goto(f"/customers/{customer.pk}/files/")
    expect(page.get_by_role("heading", name="Files", level=2)).to_be_visible()
    expect(page.get_by_test_id("files-table")).to_contain_text("No files yet.")

    zone = page.locator("[data-dropzone]")
    payload = [[name, base64.b64encode(data).decode()] for name, data in FILES.items()]
    page.evaluate_handle(DROP, [zone.element_handle(), payload])

    table = page.get_by_test_id("files-table")
    for name in FILES:
        expect(table.get_by_role("link", name=name)).to_be_visible()
    assert CustomerFile.objects.filter(customer=customer).count() == 2

    with page.expect_download() as download_info:
        table.get_by_role("link", name="Møtereferat æøå.csv").click()
    download = download_info.value
    assert download.suggested_filename == "Møtereferat æøå.csv"
    assert open(download.path(), "rb").read() == FILES["Møtereferat æøå.csv"]
