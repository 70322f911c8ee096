from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import RequestFactory

from kunde.accounts.models import Role, User
from kunde.activity.models import ActivityEntry
from kunde.company.models import Company
from kunde.customers.models import Customer, Note
from kunde.demo.generator import LARGE_CUSTOMER_NAME
from kunde.lib.numbers import clean_bank_account, clean_organization_number, clean_vat_number


def demo(*args: str) -> str:
    """The demo command without invoices and files (those have their own tests: each renders a
    PDF)."""
    out = StringIO()
    if "--invoices" not in args:
        args = (*args, "--invoices", "0")
    if "--files" not in args:
        args = (*args, "--files", "0")
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def customer_identities() -> list[tuple]:
    return list(
        Customer.objects.order_by("number").values_list("number", "name", "organization_number")
    )


@pytest.mark.django_db
def test_it_creates_the_customers_asked_for():
    output = demo("--customers", "30", "--seed", "7")

    assert "Created 30 customers" in output
    numbers = list(Customer.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(10000, 10030))
    assert Customer.objects.get(number=10000).name == LARGE_CUSTOMER_NAME


@pytest.mark.django_db
def test_numbers_and_accounts_are_valid():
    demo("--customers", "30", "--seed", "7")

    companies = Customer.objects.filter(kind="company")
    org_numbers = [c.organization_number for c in companies]
    assert all(clean_organization_number(n) == n for n in org_numbers)
    assert len(set(org_numbers)) == len(org_numbers)
    assert not Customer.objects.filter(kind="person").exclude(organization_number="").exists()
    for customer in Customer.objects.exclude(vat_number=""):
        assert clean_vat_number(customer.vat_number, "NO") == customer.vat_number
    for account in Customer.objects.exclude(bank_account="").values_list("bank_account", flat=True):
        assert clean_bank_account(account) == account
    assert not Customer.objects.filter(invoice_delivery="ehf", organization_number="").exists()
    for customer in Customer.objects.all():
        customer.full_clean()


@pytest.mark.django_db
def test_each_customer_with_contacts_has_one_primary_contact():
    demo("--customers", "30", "--seed", "7")

    counted = Customer.objects.annotate(
        contact_count=Count("contacts"),
        primary_count=Count("contacts", filter=Q(contacts__is_primary=True)),
    )
    assert counted.filter(contact_count__gt=0).exists()
    for customer in counted:
        assert customer.primary_count == (1 if customer.contact_count else 0)


@pytest.mark.django_db
def test_derived_fields_include_name_and_contacts():
    demo("--customers", "30", "--seed", "7")

    assert not Customer.objects.filter(Q(search_text="") | Q(sort_name="")).exists()
    customer = Customer.objects.get(number=10000)
    assert customer.sort_name == customer.name.casefold()
    for contact in customer.contacts.all():
        assert contact.name.casefold() in customer.search_text


@pytest.mark.django_db
def test_role_users_sign_in_with_the_demo_password():
    demo("--customers", "30", "--seed", "7")

    for username, role in [
        ("admin", Role.ADMIN),
        ("finance", Role.FINANCE),
        ("manager", Role.ACCOUNT_MANAGER),
        ("reader", Role.READ_ONLY),
    ]:
        # A request, as at the sign-in page: the sign-in rate limit (django-axes) needs one.
        request = RequestFactory().post("/accounts/login/")
        user = authenticate(request, username=username, password="kunde-demo")
        assert user is not None, username
        assert user.role == role
    assert User.objects.filter(role=Role.ACCOUNT_MANAGER).count() >= 9


@pytest.mark.django_db
def test_it_fills_in_the_company_and_logs_each_customer():
    demo("--customers", "30", "--seed", "7")

    company = Company.load()
    assert company.name == "Fjordvik Rådgivning AS"
    assert clean_organization_number(company.organization_number)
    assert clean_bank_account(company.bank_account)
    company.full_clean()
    assert ActivityEntry.objects.filter(action="customer.created").count() == 30


@pytest.mark.django_db
def test_rows_keep_their_own_dates():
    demo("--customers", "30", "--seed", "7")

    # Spread over years, not all stamped with the moment of the build.
    assert Customer.objects.dates("created_at", "year").count() > 5
    assert Note.objects.dates("created_at", "month").count() > 5
    # The auto_now fields work as usual again afterwards.
    assert Customer._meta.get_field("created_at").auto_now_add is True
    assert Note._meta.get_field("created_at").auto_now_add is True


# flush cannot run inside the test transaction on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_same_seed_gives_the_same_customers():
    demo("--customers", "30", "--seed", "7")
    first = customer_identities()
    call_command("flush", interactive=False, verbosity=0)

    demo("--customers", "30", "--seed", "7")

    assert customer_identities() == first


# flush cannot run inside the test transaction on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_another_seed_gives_other_customers():
    demo("--customers", "30", "--seed", "7")
    first = customer_identities()
    call_command("flush", interactive=False, verbosity=0)

    demo("--customers", "30", "--seed", "8")

    assert customer_identities() != first


@pytest.mark.django_db
def test_it_adds_nothing_to_a_populated_database():
    demo("--customers", "30", "--seed", "7")
    before = customer_identities()

    output = demo("--customers", "30", "--seed", "7")

    assert "already present (30 customers); nothing added" in output
    assert customer_identities() == before


@pytest.mark.django_db
def test_append_adds_customers_after_the_highest_number():
    demo("--customers", "30", "--seed", "7")

    demo("--customers", "5", "--seed", "7", "--append")

    numbers = list(Customer.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(10000, 10035))
    org_numbers = list(
        Customer.objects.exclude(organization_number="").values_list(
            "organization_number", flat=True
        )
    )
    assert len(set(org_numbers)) == len(org_numbers)
    assert User.objects.filter(username="admin").count() == 1


@pytest.mark.django_db
def test_the_invoicing_history_is_gapless_dated_delivered_and_partly_exported():
    from kunde.invoices.models import DeliveryAttempt, Invoice

    demo("--customers", "20", "--seed", "3", "--invoices", "25")
    documents = list(Invoice.objects.order_by("number"))
    assert 25 <= len(documents) <= 30  # 25 invoices plus the credit notes some of them got
    assert [d.number for d in documents] == list(range(1, len(documents) + 1))
    dates = [d.issue_date for d in documents]
    assert dates == sorted(dates)  # numbers follow the dates
    assert all(d.pdf and d.status == "issued" for d in documents)
    for note in (d for d in documents if d.kind == "credit_note"):
        assert note.credited_invoice.customer_id == note.customer_id
        assert note.total_ore < 0
    assert DeliveryAttempt.objects.count() == len(documents)
    assert {d.export_status for d in documents} >= {"transferred"}


@pytest.mark.django_db
def test_the_first_customers_get_an_agreement_a_logo_and_a_spreadsheet(settings, tmp_path):
    from kunde.files.models import CustomerFile

    settings.MEDIA_ROOT = str(tmp_path)
    demo("--customers", "5", "--files", "2")
    files = CustomerFile.objects.order_by("customer__number", "name")
    assert files.count() == 6
    first = [file for file in files if file.customer.number == files[0].customer.number]
    kinds = sorted(file.content_type for file in first)
    assert kinds == [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "image/png",
    ]
    for file in first:
        with file.file.open("rb") as stored:
            head = stored.read(4)
        assert head in (b"%PDF", b"\x89PNG", b"PK\x03\x04")
        assert bool(file.thumbnail) == (file.content_type != kinds[1])
    assert all(file.bookkeeping == file.name.endswith(".pdf") for file in files)
