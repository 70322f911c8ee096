"""The API docs page works in the browser under our Content-Security-Policy (the page fixture
fails the test on any CSP violation or script error)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_api_docs_render_from_local_files(page, sign_in, reader):
    sign_in(reader)
    responses = []
    page.on("response", lambda response: responses.append((response.url, response.status)))
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Kunde API")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    live = page.url.split("/api/")[0]
    static = [url for url, _status in responses if "/static/ninja/" in url]
    assert len(static) >= 2, responses
    assert all(url.startswith(live) and status == 200 for url, status in responses), responses
