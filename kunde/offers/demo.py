"""Demo offers: for the first customers, offers in every status through the real services
(numbered when sent, PDFs stored), some accepted into projects with hours registered against
them. Called by `kunde demo`; adds nothing when offers exist."""

import random
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from kunde.accounts.models import Role, User
from kunde.customers.models import Customer
from kunde.offers import services
from kunde.offers.models import Offer
from kunde.projects.models import TimeEntry

_WORK = [
    ("Ny nettside", "Design og utvikling", "Lansering"),
    ("Skyflytting", "Kartlegging", "Migrering"),
    ("Regnskapssystem", "Analyse", "Innføring"),
    ("Sikkerhetsgjennomgang", "Gjennomgang", "Rapport"),
    ("Opplæring", "Forberedelse", "Kurs"),
]
# The end state of each demo offer, in turn: every status appears.
_FATES = ["draft", "ready", "sent", "accepted", "accepted", "rejected", "expired", "withdrawn"]


def _lines(rng: random.Random, first: str, second: str) -> list[dict]:
    rate = rng.choice([95000, 110000, 125000, 140000])
    return [
        {
            "section": first,
            "kind": "hourly",
            "description": f"{first}: workshops og arbeid",
            "quantity": str(rng.choice([8, 15, 24, 40])),
            "unit_price_ore": rate,
        },
        {
            "section": first,
            "kind": "fixed",
            "description": f"{first}: rapport",
            "quantity": "1",
            "unit": "stk",
            "unit_price_ore": rng.choice([1500000, 2500000, 4000000]),
        },
        {
            "section": second,
            "kind": "hourly",
            "description": f"{second}: gjennomføring",
            "quantity": str(rng.choice([10, 20, 30])),
            "unit_price_ore": rate,
        },
        {
            "section": second,
            "kind": "expense",
            "description": "Reise og opphold",
            "quantity": "1",
            "unit_price_ore": rng.choice([250000, 480000]),
            "vat_rate": 12,
            "vat_category": "S",
        },
        {
            "section": second,
            "kind": "hourly",
            "description": f"{second}: ekstra opplæring",
            "quantity": "6",
            "unit_price_ore": rate,
            "optional": True,
        },
    ]


def demo_offers_create(*, seed: int, customers: int = 24, log: Callable = print) -> int:
    if Offer.objects.exists() or customers <= 0:
        return 0
    rng = random.Random(f"kunde-demo-offers:{seed}")
    makers = list(User.objects.filter(is_active=True).exclude(role=Role.READ_ONLY).order_by("pk"))
    if not makers:
        return 0
    today = timezone.localdate()
    count = 0
    for i, customer in enumerate(Customer.objects.order_by("number")[:customers]):
        maker = makers[i % len(makers)]
        fate = _FATES[i % len(_FATES)]
        name, first, second = _WORK[i % len(_WORK)]
        issued = today - timedelta(days=rng.randint(5, 25) if fate != "expired" else 70)
        offer = services.offer_create(
            actor=maker,
            customer=customer,
            data={
                "name": name,
                "tag": rng.choice(["", "rammeavtale", "nytt kunde"]),
                "issue_date": issued,
                "valid_until": issued + timedelta(days=30),
                "intro_text": "Takk for en hyggelig samtale. Her er vårt tilbud.",
                "closing_text": "Vi ser frem til å høre fra dere.",
            },
            lines=_lines(rng, first, second),
        )
        count += 1
        if fate == "draft":
            continue
        if fate == "ready":
            services.offer_mark_ready(actor=maker, offer=offer)
            continue
        services.offer_send(actor=maker, offer=offer, by_hand=True, today=issued)
        if fate == "accepted":
            optional = [line.pk for line in offer.lines.filter(optional=True)]
            offer = services.offer_accept(
                offer=offer,
                name=customer.contacts.values_list("name", flat=True).first() or "Kunden",
                title="Daglig leder",
                confirmed=True,
                chosen_line_ids=optional if rng.random() < 0.5 else [],
                actor=maker,
                today=today,
            )
            # The hours go on the project's hourly activities (from the offer's lines), at
            # their rates, so the project page shows budget vs actual.
            hourly = list(offer.project.activities.filter(kind="hourly"))
            TimeEntry.objects.bulk_create(
                TimeEntry(
                    project=offer.project,
                    activity=hourly[d % len(hourly)],
                    employee=maker,
                    date=today - timedelta(days=d),
                    minutes=rng.choice([60, 90, 120, 240, 450]),
                    description="Arbeid etter tilbud",
                    sales_rate_ore=hourly[d % len(hourly)].rate_ore,
                    approved=d > 2,
                )
                for d in range(1, 8)
            )
        elif fate == "rejected":
            services.offer_reject(
                offer=offer, comment="Vi velger en annen leverandør.", actor=maker
            )
        elif fate == "withdrawn":
            services.offer_withdraw(actor=maker, offer=offer)
    expired = services.offers_expire(today=today)
    log(f"Demo offers: {count} ({expired} expired).")
    return count
