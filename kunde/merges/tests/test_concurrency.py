"""Merges racing other writers, in real transactions and threads (SQLite and PostgreSQL)."""

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction

from kunde.customers.models import Customer
from kunde.customers.services import StaleEdit, customer_update
from kunde.invoices.models import Invoice
from kunde.merges.models import CustomerMerge
from kunde.merges.services import MergeRefused, customer_merge
from kunde.payments.models import Payment

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*calls):
    """Run each call in its own thread and connection; their exceptions, in call order."""
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - returned and asserted by the test
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_merges_of_one_pair_either_way_round_one_wins(survivor, duplicate, finance):
    outcomes = run_together(
        lambda: customer_merge(actor=finance, survivor=survivor, merged=duplicate),
        lambda: customer_merge(actor=finance, survivor=duplicate, merged=survivor),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["MergeRefused", "NoneType"]
    assert CustomerMerge.objects.count() == 1
    record = CustomerMerge.objects.get()
    assert Customer.objects.get(pk=record.merged_id).merged_into_id == record.survivor_id
    assert Customer.objects.get(pk=record.survivor_id).merged_into_id is None


def test_a_merge_waits_for_an_edit_in_progress_and_refuses_the_stale_preview(
    survivor, duplicate, finance, manager
):
    versions = {survivor.pk: survivor.version, duplicate.pk: duplicate.version}
    editing = threading.Event()

    def edit():
        with transaction.atomic():
            customer_update(
                actor=manager,
                customer=duplicate,
                data={"phone": "+47 99 99 99 99"},
                expected_version=duplicate.version,
            )
            editing.set()
            time.sleep(0.5)  # hold the row while the merge starts

    def merge():
        editing.wait(10)
        customer_merge(
            actor=finance, survivor=survivor, merged=duplicate, expected_versions=versions
        )

    edit_error, merge_error = run_together(edit, merge)
    assert edit_error is None
    assert isinstance(merge_error, MergeRefused)
    assert "changed by someone else" in str(merge_error)
    assert Customer.objects.get(pk=duplicate.pk).merged_into_id is None
    assert not CustomerMerge.objects.exists()


def test_an_edit_that_loses_to_the_merge_is_stale(survivor, duplicate, finance, manager):
    loaded = duplicate.version
    customer_merge(actor=finance, survivor=survivor, merged=duplicate)
    with pytest.raises(StaleEdit):
        customer_update(
            actor=manager, customer=duplicate, data={"phone": "1"}, expected_version=loaded
        )


def test_a_payment_import_racing_the_merge_ends_on_the_survivor(survivor, issued, finance):
    from kunde.payments.matching import Incoming, payments_book, payments_match

    duplicate = issued.customer

    def book():
        incoming = [
            Incoming(
                amount_ore=1000 + i,
                date=date(2026, 12, 1),
                kid_candidates=(issued.kid,),
                identity=f"race:{i}",
            )
            for i in range(20)
        ]
        with transaction.atomic():
            payments_book(payments_match(incoming, actor=finance))

    outcomes = run_together(
        book, lambda: customer_merge(actor=finance, survivor=survivor, merged=duplicate)
    )
    assert outcomes == [None, None]
    assert Payment.objects.count() >= 20
    # Every payment is on the survivor, as its invoice is: none was left on the tombstone.
    assert set(Payment.objects.values_list("customer_id", flat=True)) == {survivor.pk}
    assert Invoice.objects.get(pk=issued.pk).customer_id == survivor.pk
