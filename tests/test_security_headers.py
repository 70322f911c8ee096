"""Headers on every page, HTTPS settings from the environment, and `kunde check --deploy`."""

import os
import secrets
import subprocess
import sys
from datetime import date

from kunde.invoices import services
from kunde.invoices.models import Invoice

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# README's production settings (the required part of them).
PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "kunde.example.no",
    "CSRF_TRUSTED_ORIGINS": "https://kunde.example.no",
    "BEHIND_HTTPS_PROXY": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
}


def _kunde(args, env, tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "DEBUG", "SECRET_KEY"))
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "kunde.settings", "KUNDE_DATA_DIR": str(tmp_path)}
    environment |= env
    return subprocess.run(
        [sys.executable, "-m", "kunde.manage", *args],
        env=environment,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    result = _kunde(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_https_settings(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if not k.startswith("SECURE_")}
    result = _kunde(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_hsts_and_https_redirect_come_from_the_environment(tmp_path):
    code = (
        "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT)"
    )
    result = _kunde(["shell", "-c", code], PRODUCTION_ENV, tmp_path)
    assert result.stdout.splitlines()[-1].split() == ["31536000", "True"], result.stderr


def test_every_page_has_a_content_security_policy(client_for, client, reader):
    for path in ("/customers/", "/company/", "/no-such-page/"):
        assert "Content-Security-Policy" in client_for(reader).get(path), path
    client.logout()
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_templates_have_no_inline_script_or_style():
    templates = [
        os.path.join(root, name)
        for root, _dirs, files in os.walk(os.path.join(REPO, "kunde"))
        for name in files
        if name.endswith(".html")
    ]
    assert templates
    for path in templates:
        text = open(path, encoding="utf-8").read()
        assert "style=" not in text and "<style" not in text, path
        for chunk in text.split("<script")[1:]:
            assert chunk.split(">", 1)[0].strip().startswith(("src=", 'type="application/json"')), (
                path
            )


def test_signed_in_pages_are_not_cached(client_for, reader):
    response = client_for(reader).get("/customers/")
    assert "no-store" in response["Cache-Control"]


def test_invoice_pdfs_are_not_cached(
    client_for, company, customer, finance, django_capture_on_commit_callbacks
):
    draft = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Rådgivning", "quantity": 1, "unit_price_ore": 100000}],
    )
    with django_capture_on_commit_callbacks(execute=True):  # the PDF is rendered after commit
        invoice = services.invoice_issue(actor=finance, invoice=draft, issue_date=date(2026, 10, 1))
    response = client_for(finance).get(f"/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" not in response  # it would block the browser's PDF viewer
    assert Invoice.objects.count() == 1


def test_api_answers_are_not_cached(client_for, reader):
    assert "no-store" in client_for(reader).get("/api/v1/customers")["Cache-Control"]


def test_hsts_is_sent_over_https_when_set(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
