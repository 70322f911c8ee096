"""Two acceptances of one offer at the same moment: the row lock lets exactly one through (run
on PostgreSQL too: DATABASE_URL=postgres://…)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from kunde.offers import services
from kunde.offers.models import Milestone, Offer, OfferSeries
from kunde.offers.tests.conftest import LINES
from kunde.projects.models import Project


@pytest.mark.django_db(transaction=True)
def test_two_acceptances_at_once_make_one_project(company, customer, manager):
    offer = services.offer_create(actor=manager, customer=customer, data={"name": "X"}, lines=LINES)
    services.offer_send(actor=manager, offer=offer, by_hand=True)
    barrier = threading.Barrier(4)
    accepted, refused, errors = [], [], []

    def accept(name):
        try:
            barrier.wait()
            services.offer_accept(offer=Offer(pk=offer.pk), name=name, confirmed=True)
            accepted.append(name)
        except ValidationError as exc:
            refused.append(exc.messages[0])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(f"Person {i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(accepted) == 1 and len(refused) == 3
    assert all("already been answered" in message for message in refused)
    offer.refresh_from_db()
    assert offer.answered_name == accepted[0]
    assert Project.objects.count() == 1
    assert Milestone.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_offers_sent_at_once_get_gapless_numbers(company, customer, manager):
    offers = [
        services.offer_create(actor=manager, customer=customer, data={"name": f"{i}"}, lines=LINES)
        for i in range(6)
    ]
    errors = []

    def send(offer):
        try:
            services.offer_send(actor=manager, offer=offer, by_hand=True)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(o,)) for o in offers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Offer.objects.values_list("number", flat=True)) == list(range(1, 7))
    assert OfferSeries.load().next_number == 7
