"""/api/v1/docs: Swagger UI from django-ninja's bundled static files, never a CDN. (That the
live server serves them is tests/browser/test_api_docs.py.)"""

import re

from django.contrib.staticfiles import finders

DOCS = "/api/v1/docs"


def test_the_docs_page_uses_only_local_static_files(client_for, reader):
    client = client_for(reader)
    response = client.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in urls)
    assert any(url.endswith("swagger-ui.css") for url in urls)
    for url in urls:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), url
    assert "cdn" not in html.lower()


def test_the_docs_page_sends_a_stranger_to_sign_in(client, db):
    response = client.get(DOCS)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/v1/docs")
