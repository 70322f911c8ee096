"""Benchmarks of the offers: the Offers tab of a customer with 5,000 offers (and the list
across customers, searched), and offer PDFs rendered per second. Rows of data only: the tab
reads no PDF. `kunde bench --offers` prints these alone; the full bench prints them too."""

import time
import warnings
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from kunde.accounts.models import Role, User
from kunde.company.models import Company
from kunde.customers.models import Customer
from kunde.lib.offer_pdf import render_offer_pdf
from kunde.offers.documents import printable_data
from kunde.offers.models import Offer, OfferLine, OfferStatus

OFFERS_ON_CUSTOMER = 5_000
MARKER = "bench-offers"
GOAL_TAB_MS = 40
STATUSES = list(OfferStatus.values)


def _admin() -> User:
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        admin = User.objects.create_user(
            username="bench-admin", password=None, role=Role.ADMIN, first_name="Bench"
        )
    return admin


def _customer() -> Customer:
    customer = Customer.objects.order_by("number").first()
    if customer is None:
        from kunde.customers.services import customer_create

        customer = customer_create(
            actor=_admin(), data={"name": "Tilbudsbenk AS", "email": "post@benk.example"}
        )
    return customer


def bench_offers_ensure(*, count: int | None = None, log: Callable = print) -> Customer:
    """The first customer with `count` offers of every status (rows, with two lines each)."""
    count = OFFERS_ON_CUSTOMER if count is None else count
    customer = _customer()
    have = Offer.objects.filter(customer=customer, tag=MARKER).count()
    if have >= count:
        return customer
    log(f"Adding {count - have:,} offers to {customer.name} ...")
    admin = _admin()
    today = timezone.localdate()
    start = (Offer.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    with transaction.atomic():
        offers = Offer.objects.bulk_create(
            [
                Offer(
                    customer=customer,
                    name=f"Tilbud {i:05d} rådgivning",
                    tag=MARKER,
                    status=STATUSES[i % len(STATUSES)],
                    number=None if STATUSES[i % len(STATUSES)] in ("draft", "ready") else start + i,
                    issue_date=today - timedelta(days=i % 700),
                    valid_until=today - timedelta(days=i % 700) + timedelta(days=30),
                    made_by=admin,
                    net_ore=100_000 * (1 + i % 50),
                    vat_ore=25_000 * (1 + i % 50),
                    total_ore=125_000 * (1 + i % 50),
                    search_text=f"tilbud {i:05d} rådgivning {MARKER} {customer.name.lower()}",
                )
                for i in range(have, count)
            ],
            batch_size=1000,
        )
        OfferLine.objects.bulk_create(
            [
                OfferLine(
                    offer=offer,
                    position=p,
                    kind="hourly" if p == 0 else "fixed",
                    description="Rådgivning" if p == 0 else "Rapport",
                    quantity=10 if p == 0 else 1,
                    unit_price_ore=10_000 if p == 0 else offer.net_ore - 100_000,
                    net_ore=100_000 if p == 0 else offer.net_ore - 100_000,
                )
                for offer in offers
                for p in range(2)
            ],
            batch_size=2000,
        )
    return customer


def _pdf_data(customer) -> dict:
    """A typical offer of 3 sections and 15 lines, as it is frozen when sent."""
    admin = _admin()
    offer = Offer(
        customer=customer,
        name="Nytt kundeportal med integrasjoner",
        number=1,
        issue_date=timezone.localdate(),
        valid_until=timezone.localdate() + timedelta(days=30),
        made_by=admin,
        intro_text="Takk for en hyggelig samtale. Her er vårt tilbud.",
        closing_text="Vi ser frem til å høre fra dere.",
    )
    lines = []
    for s, section in enumerate(["Analyse", "Utvikling", "Drift"]):
        for i in range(5):
            net = 125_000 * (i + 2)
            lines.append(
                OfferLine(
                    section=section,
                    kind="hourly" if i % 2 == 0 else "fixed",
                    description=f"{section}: aktivitet {i + 1}",
                    quantity=i + 2,
                    unit="timer",
                    unit_price_ore=125_000,
                    net_ore=net,
                    optional=s == 2 and i == 4,
                )
            )
    Company.load()
    return printable_data(offer, lines)


def bench_offer_pdfs(*, seconds: float = 3.0) -> dict:
    data = _pdf_data(_customer())
    render_offer_pdf(data)  # warm-up (fonts)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        render_offer_pdf(data)
        count += 1
    elapsed = time.perf_counter() - started
    return {
        "name": "offer_pdf",
        "pdfs_per_second": round(count / elapsed, 1),
        "lines": len(data["lines"]),
        "n": count,
    }


def offers_bench(*, time_get: Callable, n: int, warmup: int, log: Callable = print) -> list[dict]:
    customer = bench_offers_ensure(log=log)
    client = Client()
    client.force_login(_admin())
    on_customer = Offer.objects.filter(customer=customer).count()
    rows = []
    with (
        override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        for name, url in (
            ("offers_tab", f"/customers/{customer.pk}/offers/"),
            ("offers_tab_accepted", f"/customers/{customer.pk}/offers/?status=accepted"),
            ("offers_tab_search", f"/customers/{customer.pk}/offers/?q=tilbud+0499"),
            ("offers_list_all", "/offers/"),
        ):
            timing = time_get(client, url, n, warmup)
            rows.append(
                {
                    "name": name,
                    **timing,
                    "offers_on_customer": on_customer,
                    "goal_ms": GOAL_TAB_MS,
                }
            )
    rows.append(bench_offer_pdfs())
    return rows
