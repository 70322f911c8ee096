"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, a fake business
register, signing in through the real login form, and a screenshot after every test."""

import os
import re
from datetime import date
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import expect, sync_playwright

from conftest import PASSWORD
from kunde.company.models import Company
from kunde.projects.models import Project, TimeEntry
from tests.fake_register import FakeRegister

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 10_000
# The browser's locale picks the interface language: Django's LocaleMiddleware reads the
# Accept-Language header that Chromium sends for it (there is no per-user language setting).
BROWSER_LOCALES = {"en": "en-GB", "nb": "nb-NO"}

expect.set_options(timeout=TIMEOUT_MS)


def output_dir() -> Path:
    """Where screenshots go: $KUNDE_TEST_OUTPUT (default test-results), relative to the repo."""
    return REPO_ROOT / os.environ.get("KUNDE_TEST_OUTPUT", "test-results")


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API keeps an asyncio loop registered as running in this thread, so
    # Django's ORM would refuse to run from the test code ("You cannot call this from an async
    # context"). The tests call the ORM only between browser actions, never inside the loop, so
    # the check is switched off while the browser lives, and only then.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def language(request):
    """The interface language of the browser: English, or each of `BROWSER_LOCALES` for a test
    marked `@both_languages` (tests/browser/languages.py)."""
    return getattr(request, "param", "en")


@pytest.fixture
def t(language):
    """t("Sign in") is the text the page shows for a message id in the test's language."""

    def t(message: str) -> str:
        with translation.override(language):
            return translation.gettext(message)

    return t


@pytest.fixture
def page(request, browser, live_server, language):
    """A page in a fresh browser context, pointed at the live server, in the test's language.
    Fails the test on any uncaught JavaScript error, and leaves a screenshot of the last page,
    pass or fail."""
    context = browser.new_context(
        base_url=live_server.url,
        locale=BROWSER_LOCALES[language],
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(error))
    # Chromium reports what the Content-Security-Policy blocked on the console.
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and script_errors.append(message.text)
        ),
    )
    yield page
    screenshots = output_dir() / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    try:
        page.screenshot(path=screenshots / f"{name}.png", full_page=True)
    finally:
        context.close()
    assert not script_errors, f"JavaScript errors or CSP violations on the page: {script_errors}"


@pytest.fixture
def sign_in(page, t):
    """sign_in(user) signs in through the login form and waits for the page it lands on."""

    def sign_in(user, password=PASSWORD):
        if "/accounts/login/" not in page.url:
            page.goto("/accounts/login/")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(password)
        page.get_by_role("button", name=t("Sign in")).click()
        expect(page.locator(".whoami")).to_contain_text(str(user))
        return page

    return sign_in


@pytest.fixture
def fake_register(settings):
    """A local business register that the customer form's look-up talks to."""
    register = FakeRegister().start()
    settings.BRREG_BASE_URL = register.url
    settings.BRREG_TIMEOUT_SECONDS = 1.0
    yield register
    register.stop()


@pytest.fixture
def billable_project(transactional_db, customer, manager, finance):
    """Our company with the data an invoice needs, and project 1001 of `customer` with approved
    hours: 3 h and 1,5 h by the manager at 1 200 kr, 2 h by finance at 900 kr."""
    company = Company.load()
    company.name = "Fjordvik Rådgivning AS"
    company.organization_number = "923609016"
    company.organization_form = "AS"
    company.bank_account = "86011117947"
    company.save()
    project = Project.objects.create(
        number=1001, name="Nytt intranett", customer=customer, manager=manager
    )
    for employee, day, minutes, rate in [
        (manager, 1, 180, 120000),
        (manager, 2, 90, 120000),
        (finance, 2, 120, 90000),
    ]:
        TimeEntry.objects.create(
            project=project,
            employee=employee,
            date=date(2026, 10, day),
            minutes=minutes,
            approved=True,
            sales_rate_ore=rate,
        )
    return project
