import hashlib
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from kunde.activity.models import ActivityEntry
from kunde.customers.models import Contact, Customer
from kunde.ehf.models import EhfReceiver
from kunde.invoices.models import Invoice, InvoiceOptions
from kunde.merges import rules
from kunde.merges.models import CustomerMerge
from kunde.merges.services import MergeRefused, customer_merge, merge_undo
from kunde.payments.models import Payment
from kunde.projects.models import TimeEntry


def test_every_reference_to_a_customer_has_a_rule():
    # A model added with a ForeignKey, OneToOne, ManyToMany or generic relation to Customer
    # must say here what a merge does with it.
    assert rules.missing_rules() == []


def test_every_rule_names_a_real_reference():
    assert sorted(rules.RULES) == rules.references()


def test_the_metadata_finds_every_kind_of_reference():
    found = rules.references()
    assert "invoices.Invoice.customer" in found  # ForeignKey
    assert "ehf.EhfReceiver.customer" in found  # OneToOne
    assert "customers.Customer.tags" in found  # ManyToMany
    assert "customers.Customer.merged_into" in found  # to itself


def counts(customer_id):
    return {key: rule.count(customer_id) for key, rule in rules.bound_rules().items() if rule.count}


def test_merge_moves_every_reference_and_keeps_a_tombstone(everything, survivor, finance):
    duplicate = everything
    record = customer_merge(actor=finance, survivor=survivor, merged=duplicate)

    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor
    left = {key: n for key, n in counts(duplicate.pk).items() if n}
    # Only what the survivor already had one of stays, as the preview said; nothing deleted.
    assert left == {
        "customers.Customer.tags": 1,
        "invoices.InvoiceOptions.customer": 1,
        "ehf.EhfReceiver.customer": 1,
        # the merge's own entry on the merged customer
        "activity.ActivityEntry.customer": 1,
    }
    assert set(survivor.tags.values_list("name", flat=True)) == {"Oslo", "Import"}
    assert survivor.invoices.count() == 1
    assert survivor.payments.count() == 1
    assert TimeEntry.objects.filter(project__customer=survivor).count() == 1
    assert list(survivor.contacts.filter(is_primary=True).values_list("name", flat=True)) == [
        "Siri"
    ]
    assert record.resolved["customers.Contact.customer"]["demoted"]
    assert set(record.moved) >= {
        "customers.Contact.customer",
        "customers.Note.customer",
        "projects.Project.customer",
        "invoices.HourlyRate.customer",
        "invoices.Invoice.customer",
        "payments.Payment.customer",
        "files.CustomerFile.customer",
        "activity.ActivityEntry.customer",
        "customers.Customer.tags",
    }


def test_fields_default_to_the_survivors_value_where_it_has_one(everything, survivor, finance):
    customer_merge(actor=finance, survivor=survivor, merged=everything)
    survivor.refresh_from_db()
    assert survivor.email == "post@fjellheim.no"  # the survivor's
    assert survivor.phone == "+47 22 33 44 55"  # empty on the survivor: the duplicate's
    assert survivor.postal_street == "Storgata 1"


def test_a_chosen_field_takes_the_merged_customers_value(everything, survivor, finance):
    record = customer_merge(
        actor=finance,
        survivor=survivor,
        merged=everything,
        field_choices={"postal_street": "merged", "primary_contact": "merged"},
    )
    survivor.refresh_from_db()
    assert survivor.postal_street == "Gamleveien 9"
    assert record.changes["postal_street"] == {"old": "Storgata 1", "new": "Gamleveien 9"}
    assert survivor.contacts.get(is_primary=True).name == "Per"


def test_the_merge_is_in_the_activity_log_of_both(everything, survivor, finance):
    record = customer_merge(actor=finance, survivor=survivor, merged=everything)
    kept = ActivityEntry.objects.get(customer=survivor, action="customer.merged_in")
    away = ActivityEntry.objects.get(customer=everything, action="customer.merged_away")
    assert kept.params["merge"] == away.params["merge"] == record.pk
    assert kept.actor == away.actor == finance
    assert "phone" in kept.changes
    assert record.merged_before["phone"] == "+47 22 33 44 55"


def test_issued_documents_stay_as_issued_through_merge_and_undo(
    everything, survivor, issued, finance, admin
):
    from django.core.files.storage import default_storage

    def frozen():
        invoice = Invoice.objects.get(pk=issued.pk)
        data = default_storage.open(invoice.pdf.name).read()
        return (
            invoice.number,
            invoice.kid,
            invoice.buyer,
            invoice.printable,
            invoice.pdf.name,
            invoice.pdf_sha256,
            hashlib.sha256(data).hexdigest(),
        )

    before = frozen()
    record = customer_merge(actor=finance, survivor=survivor, merged=everything)
    assert Invoice.objects.get(pk=issued.pk).customer_id == survivor.pk
    assert frozen() == before
    merge_undo(actor=admin, record=record)
    assert Invoice.objects.get(pk=issued.pk).customer_id == everything.pk
    assert frozen() == before


def test_the_database_still_refuses_any_other_change_of_an_issued_document(issued, survivor):
    table = Invoice._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET customer_id = %s WHERE id = %s", [survivor.pk, issued.pk]
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        # The allowance covers the customer only.
        cursor.execute(
            "INSERT INTO invoices_customermove (from_customer_id, to_customer_id) VALUES (%s, %s)",
            [issued.customer_id, survivor.pk],
        )
        cursor.execute(
            f"UPDATE {table} SET customer_id = %s, your_reference = 'x' WHERE id = %s",
            [survivor.pk, issued.pk],
        )


def test_the_survivors_ledger_is_the_sum_of_both(everything, survivor, kid_company, finance):
    from kunde.payments.selectors import with_open_ore

    def open_total(customer):
        invoices = with_open_ore(Invoice.objects.filter(customer=customer, status="issued"))
        return sum(i.open_ore for i in invoices)

    before = open_total(survivor) + open_total(everything)
    customer_merge(actor=finance, survivor=survivor, merged=everything)
    assert open_total(survivor) == before == 250000 - 50000  # 2 000 kr + 25 % VAT, 500 kr paid


def test_a_later_payment_with_the_merged_customers_kid_finds_its_invoice(
    everything, survivor, issued, kid_company, finance
):
    from kunde.company.kid import kid_rule
    from kunde.lib import kid as kid_lib
    from kunde.payments.matching import Incoming, payments_book, payments_match

    customer_merge(actor=finance, survivor=survivor, merged=everything)
    by_invoice = Incoming(amount_ore=10000, date=date(2026, 12, 1), kid_candidates=(issued.kid,))
    customer_kid = kid_lib.make_kid(
        kid_rule(kid_company), invoice_number=0, customer_number=everything.number
    )
    by_customer = Incoming(amount_ore=20000, date=date(2026, 12, 1), kid_candidates=(customer_kid,))
    with transaction.atomic():
        payments_book(payments_match([by_invoice, by_customer], actor=finance))
    rows = Payment.objects.filter(kid__in=[issued.kid, customer_kid])
    assert sorted(rows.values_list("invoice_id", "customer_id", "amount_ore")) == [
        (issued.pk, survivor.pk, 10000),
        (issued.pk, survivor.pk, 20000),
    ]


def test_a_failure_half_way_moves_nothing(everything, survivor, finance, monkeypatch):
    before = counts(everything.pk)

    def boom(self, ctx):
        raise RuntimeError("killed")

    # Payments move after contacts, projects and invoices.
    monkeypatch.setattr(
        rules.RULES["payments.Payment.customer"],
        "move",
        boom.__get__(rules.RULES["payments.Payment.customer"]),
    )
    with pytest.raises(RuntimeError):
        customer_merge(actor=finance, survivor=survivor, merged=everything)
    assert counts(everything.pk) == before
    assert Customer.objects.get(pk=everything.pk).merged_into is None
    assert not CustomerMerge.objects.exists()


def test_undo_puts_everything_back(everything, survivor, finance, admin):
    before_dup, before_surv = counts(everything.pk), counts(survivor.pk)
    profile = Customer.objects.filter(pk=survivor.pk).values().get()
    record = customer_merge(
        actor=finance,
        survivor=survivor,
        merged=everything,
        field_choices={"postal_street": "merged", "primary_contact": "merged"},
    )
    merge_undo(actor=admin, record=record)

    after_dup, after_surv = counts(everything.pk), counts(survivor.pk)
    # Plus the merge's and the undo's own entries in both logs.
    before_dup["activity.ActivityEntry.customer"] += 2
    before_surv["activity.ActivityEntry.customer"] += 2
    assert (after_dup, after_surv) == (before_dup, before_surv)
    restored = Customer.objects.filter(pk=survivor.pk).values().get()
    for field in ("postal_street", "phone", "email", "name"):
        assert restored[field] == profile[field]
    assert Customer.objects.get(pk=everything.pk).merged_into is None
    assert Contact.objects.get(customer=survivor, is_primary=True).name == "Siri"
    assert Contact.objects.get(customer=everything, is_primary=True).name == "Per"
    assert CustomerMerge.objects.get().undone_by == admin


def test_undo_is_refused_when_a_payment_was_booked_on_a_moved_invoice(
    everything, survivor, issued, finance, admin
):
    from kunde.payments.services import payment_register

    record = customer_merge(actor=finance, survivor=survivor, merged=everything)
    payment_register(actor=finance, invoice=issued, amount_ore=1000, date=date(2026, 12, 1))
    with pytest.raises(MergeRefused, match="payment was booked on a moved invoice"):
        merge_undo(actor=admin, record=record)
    assert Invoice.objects.get(pk=issued.pk).customer_id == survivor.pk
    assert CustomerMerge.objects.get().undone_at is None


def test_undo_is_refused_when_a_taken_field_was_edited_since(everything, survivor, finance, admin):
    from kunde.customers.services import customer_update

    record = customer_merge(
        actor=finance, survivor=survivor, merged=everything, field_choices={"phone": "merged"}
    )
    survivor.refresh_from_db()
    customer_update(actor=finance, customer=survivor, data={"phone": "999"}, expected_version=None)
    with pytest.raises(MergeRefused, match="phone"):
        merge_undo(actor=admin, record=record)


def test_a_customer_is_not_merged_into_itself(survivor, finance):
    with pytest.raises(MergeRefused, match="itself"):
        customer_merge(actor=finance, survivor=survivor, merged=survivor)


def test_a_merged_customer_cannot_be_merged_again_or_be_a_survivor(
    everything, survivor, finance, manager
):
    from kunde.customers.services import customer_create

    third = customer_create(actor=manager, data={"name": "Tredje AS"})
    customer_merge(actor=finance, survivor=survivor, merged=everything)
    everything.refresh_from_db()
    with pytest.raises(MergeRefused, match="already merged"):
        customer_merge(actor=finance, survivor=third, merged=everything)
    with pytest.raises(MergeRefused, match="merge into that one"):
        customer_merge(actor=finance, survivor=everything, merged=third)


def test_different_organisation_numbers_need_an_administrator(survivor, manager, finance, admin):
    from kunde.customers.services import customer_create

    other = customer_create(
        actor=manager, data={"name": "Annen AS", "organization_number": "974760673"}
    )
    with pytest.raises(MergeRefused, match="organisation numbers differ"):
        customer_merge(
            actor=finance, survivor=survivor, merged=other, allow_different_organization=True
        )
    customer_merge(actor=admin, survivor=survivor, merged=other, allow_different_organization=True)


def test_a_stale_preview_is_refused(everything, survivor, finance):
    with pytest.raises(MergeRefused, match="changed by someone else"):
        customer_merge(
            actor=finance,
            survivor=survivor,
            merged=everything,
            expected_versions={everything.pk: everything.version - 1},
        )
    assert Customer.objects.get(pk=everything.pk).merged_into is None


def test_roles(everything, survivor, manager, reader, finance):
    for user in (manager, reader):
        with pytest.raises(PermissionDenied):
            customer_merge(actor=user, survivor=survivor, merged=everything)
    record = customer_merge(actor=finance, survivor=survivor, merged=everything)
    with pytest.raises(PermissionDenied):
        merge_undo(actor=finance, record=record)


def test_earlier_tombstones_lead_to_the_new_survivor(survivor, finance, manager, admin):
    from kunde.customers.services import customer_create

    a = customer_create(actor=manager, data={"name": "A AS"})
    b = customer_create(actor=manager, data={"name": "B AS"})
    customer_merge(actor=finance, survivor=b, merged=a)
    second = customer_merge(actor=finance, survivor=survivor, merged=b)
    assert Customer.objects.get(pk=a.pk).merged_into_id == survivor.pk
    merge_undo(actor=admin, record=second)
    assert Customer.objects.get(pk=a.pk).merged_into_id == b.pk


def test_one_per_customer_rows_of_the_merged_stay_with_it(everything, survivor, finance):
    record = customer_merge(actor=finance, survivor=survivor, merged=everything)
    assert InvoiceOptions.objects.filter(customer=everything, level="customer").count() == 1
    assert EhfReceiver.objects.filter(customer=everything).count() == 1
    assert record.resolved["ehf.EhfReceiver.customer"]["left_on_merged"]


def test_id_filters_select_exactly_the_ids(db):
    from kunde.customers.models import Tag

    tags = [Tag.objects.create(name=f"t{i}").pk for i in range(25)]
    wanted = [tags[i] for i in (0, 1, 2, 3, 6, 8, 9, 10, 19, 20)]
    found = set()
    for condition in rules.id_filters(wanted):
        found |= set(Tag.objects.filter(condition).values_list("pk", flat=True))
    assert found == set(wanted)
