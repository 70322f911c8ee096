"""Believable, reproducible Norwegian demo data: staff, our company, tags, customers with
contacts, notes and activity, and projects with hours and expenses.

Everything random comes from one `random.Random` seeded from the caller's seed, so the same seed
gives the same customers. Dates are counted back from today, so they move with the day the data
is built. Rows are written with bulk_create in chunks, which is what lets 100,000 customers take
a minute or two instead of an hour.
"""

import random
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kunde.accounts.models import Role
from kunde.activity.models import ActivityEntry
from kunde.customers.models import Contact, Customer, Note
from kunde.customers.services import next_customer_number
from kunde.demo import words
from kunde.demo.firm import (
    bank_account,
    company_fill,
    organization_number,
    staff_ensure,
    tags_ensure,
)
from kunde.lib.numbers import vat_number_for
from kunde.projects.models import CostRate, Expense, Project, TimeEntry

LARGE_CUSTOMER_NAME = "Nordlys Energi ASA"
CHUNK_SIZE = 5000  # customers generated and written at a time
BATCH_SIZE = 2000  # rows per INSERT (the backend may lower it: SQLite allows 999 parameters)
FIRST_PROJECT_NUMBER = 1000


def _pool(weights: dict) -> list:
    """A list in which each value occurs as often as its weight: `rng.choice` on it is a weighted
    draw without the cost of `rng.choices`."""
    return [value for value, weight in weights.items() for _ in range(weight)]


FORMS = _pool({"AS": 72, "ASA": 2, "ENK": 10, "NUF": 3, "DA": 3, "": 10})  # "": private person
STATUSES = _pool({"active": 80, "potential": 7, "inactive": 10, "blocked": 3})
DELIVERY_COMPANY = _pool({"email": 72, "ehf": 18, "letter": 10})
DELIVERY_PERSON = _pool({"email": 85, "letter": 15})
CONTACT_COUNTS = _pool({1: 2, 2: 3, 3: 1})
TAG_COUNTS = _pool({0: 45, 1: 35, 2: 15, 3: 5})
NOTE_COUNTS = _pool({0: 30, 1: 25, 2: 20, 3: 15, 4: 10})
PROJECT_COUNTS = _pool({0: 72, 1: 18, 2: 6, 3: 4})  # 0.42 projects per customer
PROJECT_STATUSES = _pool({"active": 45, "completed": 45, "planned": 10})
EXPENSE_COUNTS = _pool({0: 2, 1: 2, 2: 1, 3: 1})
FIRST_CONTACT_ROLES = ["Daglig leder"] * 3 + words.CONTACT_ROLES

_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ö": "o", "ä": "a", "ü": "u", "é": "e"})


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower().translate(_ASCII) if ch.isascii() and ch.isalnum())


def _office_hours(moment: datetime) -> datetime:
    """The same day, moved into 08:00-16:59 local time: people work by day."""
    local = timezone.localtime(moment)
    return local.replace(hour=8 + local.hour % 9, microsecond=0)


class DemoDataPresent(Exception):
    def __init__(self, customers: int):
        super().__init__(f"Demo data already present ({customers} customers)")
        self.customers = customers


@dataclass
class DemoSummary:
    customers: int = 0
    contacts: int = 0
    notes: int = 0
    projects: int = 0
    time_entries: int = 0
    expenses: int = 0
    seconds: float = 0.0


def demo_data_create(
    *, customers: int, seed: int, append: bool = False, log: Callable[[str], None] = print
) -> DemoSummary:
    """Add `customers` demo customers with everything around them. On a database that already
    has customers this raises DemoDataPresent, unless `append` asks for more customers after the
    highest number."""
    started = time.monotonic()
    existing = Customer.objects.count()
    if existing and not append:
        raise DemoDataPresent(existing)
    with transaction.atomic():
        staff = staff_ensure()
        company_fill()
        tags = tags_ensure()
        first_number = next_customer_number()
        builder = _Builder(
            rng=random.Random(f"kunde-demo:{seed}:{first_number}"),
            staff=staff,
            tag_ids=[tag.pk for tag in tags],
            first_number=first_number,
            with_large_customer=not existing,
        )
        log(f"Creating {customers:,} customers from number {first_number} (seed {seed}) ...")
        with _explicit_timestamps():
            for done in range(0, customers, CHUNK_SIZE):
                builder.write_chunk(min(CHUNK_SIZE, customers - done), customers)
                log(
                    f"  {builder.summary.customers:,} customers, "
                    f"{builder.summary.time_entries:,} time entries "
                    f"({time.monotonic() - started:.1f} s)"
                )
    builder.summary.seconds = time.monotonic() - started
    return builder.summary


@contextmanager
def _explicit_timestamps():
    """Let bulk_create keep the dates the demo rows carry: auto_now(_add) fields would otherwise
    stamp every row with the moment it was written. Changing them afterwards would cost an UPDATE
    per row. The switch is process-wide, which is fine in a command but not in a web server."""
    fields = [
        Customer._meta.get_field("created_at"),
        Customer._meta.get_field("updated_at"),
        Note._meta.get_field("created_at"),
        ActivityEntry._meta.get_field("at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@dataclass
class _Chunk:
    customers: list = field(default_factory=list)
    tags: list = field(default_factory=list)  # (customer, tag ids)
    contacts: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    activity: list = field(default_factory=list)
    projects: list = field(default_factory=list)
    time_entries: list = field(default_factory=list)
    expenses: list = field(default_factory=list)


class _Builder:
    """Makes the rows of one chunk of customers at a time and writes them."""

    def __init__(self, *, rng, staff, tag_ids, first_number, with_large_customer):
        self.rng = rng
        self.tag_ids = tag_ids
        self.admin = staff[0]
        self.managers = [user.pk for user in staff if user.role == Role.ACCOUNT_MANAGER]
        self.authors = [user.pk for user in staff if user.role != Role.READ_ONLY]
        # Each employee has their own cost per hour (øre), between 600 and 900 kroner.
        self.cost_rates = {pk: rng.randrange(60000, 90001, 500) for pk in self.authors}
        # The same rates as the employees' cost rates, valid from long before any demo hours.
        CostRate.objects.bulk_create(
            [
                CostRate(employee_id=pk, valid_from=date(2000, 1, 1), rate_ore=rate)
                for pk, rate in self.cost_rates.items()
            ],
            ignore_conflicts=True,
        )
        self.next_number = first_number
        self.large_number = first_number if with_large_customer else None
        highest_project = Project.objects.aggregate(n=Max("number"))["n"]
        self.next_project_number = max((highest_project or 0) + 1, FIRST_PROJECT_NUMBER)
        self.organization_numbers = set(
            Customer.objects.exclude(organization_number="").values_list(
                "organization_number", flat=True
            )
        )
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate()
        latest = Customer.objects.aggregate(at=Max("created_at"))["at"]
        # A fresh set of customers is spread over twelve years; more customers come after the last.
        self.created_from = latest or self.now - timedelta(days=12 * 365)
        self.summary = DemoSummary()

    # Writing -------------------------------------------------------------------------------

    def write_chunk(self, size: int, total: int) -> None:
        chunk = _Chunk()
        span = (self.now - self.created_from).total_seconds()
        for _ in range(size):
            # Customer numbers and creation times rise together, as they would in real use.
            position = (self.summary.customers + len(chunk.customers) + self.rng.random()) / total
            moment = self.created_from + timedelta(seconds=span * position)
            created_at = min(_office_hours(moment), self.now)
            self._customer(chunk, self.next_number, created_at)
            self.next_number += 1
        Customer.objects.bulk_create(chunk.customers, batch_size=BATCH_SIZE)
        Through = Customer.tags.through
        Through.objects.bulk_create(
            [
                Through(customer_id=customer.pk, tag_id=tag_id)
                for customer, tag_ids in chunk.tags
                for tag_id in tag_ids
            ],
            batch_size=BATCH_SIZE,
        )
        Contact.objects.bulk_create(chunk.contacts, batch_size=BATCH_SIZE)
        Note.objects.bulk_create(chunk.notes, batch_size=BATCH_SIZE)
        ActivityEntry.objects.bulk_create(chunk.activity, batch_size=BATCH_SIZE)
        Project.objects.bulk_create(chunk.projects, batch_size=BATCH_SIZE)
        TimeEntry.objects.bulk_create(chunk.time_entries, batch_size=BATCH_SIZE)
        Expense.objects.bulk_create(chunk.expenses, batch_size=BATCH_SIZE)
        s = self.summary
        s.customers += len(chunk.customers)
        s.contacts += len(chunk.contacts)
        s.notes += len(chunk.notes)
        s.projects += len(chunk.projects)
        s.time_entries += len(chunk.time_entries)
        s.expenses += len(chunk.expenses)

    # One customer with what belongs to it ---------------------------------------------------

    def _customer(self, chunk: _Chunk, number: int, created_at: datetime) -> None:
        rng = self.rng
        large = number == self.large_number
        form = "ASA" if large else rng.choice(FORMS)
        values, area_code = self._address()
        values.update(self._identity(form, large, area_code))
        is_company = form != ""
        customer = Customer(
            number=number,
            kind="company" if is_company else "person",
            organization_form=form,
            status="active" if large else rng.choice(STATUSES),
            account_manager_id=rng.choice(self.managers) if large or rng.random() < 0.92 else None,
            created_at=created_at,
            updated_at=created_at + (self.now - created_at) * rng.random() ** 3,
            **values,
        )
        self._delivery(customer)
        contacts = self._contacts(customer, 3 if large else rng.choice(CONTACT_COUNTS))
        customer.refresh_derived_fields([contact.name for contact in contacts])
        chunk.customers.append(customer)
        chunk.contacts.extend(contacts)
        tags = rng.sample(self.tag_ids, 2 if large else rng.choice(TAG_COUNTS))
        if tags:
            chunk.tags.append((customer, tags))
        first_names = [contact.name.split()[0] for contact in contacts]
        for _ in range(300 if large else rng.choice(NOTE_COUNTS)):
            chunk.notes.append(self._note(customer, first_names))
        chunk.activity.append(
            ActivityEntry(
                customer=customer,
                actor_id=self.admin.pk,
                at=created_at,
                action="customer.created",
                changes={},
            )
        )
        for _ in range(120 if large else rng.choice(PROJECT_COUNTS)):
            self._project(chunk, customer, entries=25 if large else None)

    def _identity(self, form: str, large: bool, area_code: str) -> dict:
        """Name, organisation and VAT numbers, and the customer's e-mail, phone and web site."""
        rng = self.rng
        first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
        currency, language = "NOK", "en" if rng.random() < 0.02 else "nb"
        if large:
            base, name = "Nordlys Energi", LARGE_CUSTOMER_NAME
        elif form in ("AS", "ASA"):
            base = self._company_base()
            name = f"{base} {form}"
        elif form == "ENK":
            trade = rng.choice(words.TRADES)
            base = f"{last} {trade}" if rng.random() < 0.5 else f"{first} {last} {trade}"
            name = base
        elif form == "DA":
            base = f"{rng.choice(words.DA_PREFIXES)} {last} & {rng.choice(words.LAST_NAMES)}"
            name = f"{base} DA"
        elif form == "NUF":
            foreign_form, foreign_currency = rng.choice(words.FOREIGN_FORMS)
            base = f"{rng.choice(words.FOREIGN_PREFIXES)} {rng.choice(words.FOREIGN_INDUSTRIES)}"
            name = f"{base} {foreign_form} NUF"
            if rng.random() < 0.6:
                language = "en"
            if rng.random() < 0.5:
                currency = foreign_currency
        else:
            mail = f"{_slug(first)}.{_slug(last)}@{rng.choice(words.PRIVATE_MAIL_DOMAINS)}"
            return {
                "name": f"{first} {last}",
                "email": mail,
                "phone": self._mobile(),
                "currency": currency,
                "language": language,
            }
        domain = _slug(base) + ".no"
        orgnr = self._organization_number()
        vat = rng.random() < (0.6 if form == "ENK" else 0.9)
        return {
            "name": name,
            "organization_number": orgnr,
            "vat_number": vat_number_for(orgnr) if vat else "",
            "email": f"{rng.choice(['post', 'post', 'firmapost', 'kontakt'])}@{domain}",
            "invoice_email": f"faktura@{domain}" if rng.random() < 0.6 else "",
            "website": f"https://www.{domain}" if rng.random() < 0.75 else "",
            "phone": f"+47 {area_code} {rng.randrange(10, 100)} {rng.randrange(10, 100)} "
            f"{rng.randrange(10, 100)}",
            "bank_account": self._bank_account() if rng.random() < 0.25 else "",
            "currency": currency,
            "language": language,
        }

    def _company_base(self) -> str:
        rng = self.rng
        compound = rng.choice(words.NAME_PREFIXES) + rng.choice(words.NAME_SUFFIXES)
        draw = rng.random()
        if draw < 0.45:
            return f"{compound} {rng.choice(words.INDUSTRIES)}"
        if draw < 0.65:
            return f"{rng.choice(words.LAST_NAMES)} {rng.choice(words.INDUSTRIES)}"
        if draw < 0.85:
            return compound
        town = rng.choice(words.PLACES)[1].removesuffix(" N").removesuffix(" S")
        return f"{town} {rng.choice(words.INDUSTRIES)}"

    def _organization_number(self) -> str:
        rng = self.rng
        while True:
            first_eight = ("9" if rng.random() < 0.85 else "8") + str(rng.randrange(10**7)).zfill(7)
            number = organization_number(first_eight)
            if number and number not in self.organization_numbers:
                self.organization_numbers.add(number)
                return number

    def _bank_account(self) -> str:
        while True:
            first_ten = self.rng.choice(words.BANK_PREFIXES) + str(self.rng.randrange(10**6)).zfill(
                6
            )
            account = bank_account(first_ten)
            if account:
                return account

    def _address(self) -> tuple[dict, str]:
        """A postal address, sometimes with a separate visiting address, and its area code."""
        rng = self.rng
        postcode, city, area_code = rng.choice(words.PLACES)
        street = f"{rng.choice(words.STREETS)} {rng.randint(1, 120)}"
        if rng.random() < 0.1:
            street += rng.choice("ABC")
        values = {
            "postal_street": street,
            "postal_postcode": postcode,
            "postal_city": city,
        }
        if rng.random() < 0.12:
            # Mail to a post-office box, visitors to the street address.
            values.update(
                postal_street=f"Postboks {rng.randint(1, 9999)}",
                visiting_street=street,
                visiting_postcode=postcode,
                visiting_city=city,
            )
        return values, area_code

    def _mobile(self) -> str:
        rng = self.rng
        return (
            f"+47 {rng.choice('49')}{rng.randrange(10, 100)} {rng.randrange(10, 100)} "
            f"{rng.randrange(100, 1000)}"
        )

    def _delivery(self, customer: Customer) -> None:
        rng = self.rng
        if not customer.organization_number:
            customer.invoice_delivery = rng.choice(DELIVERY_PERSON)
            return
        customer.invoice_delivery = rng.choice(DELIVERY_COMPANY)
        if customer.invoice_delivery == "ehf":
            customer.ehf_status = "can_receive"
            checked = self.now - timedelta(minutes=rng.randrange(60 * 24 * 365))
            customer.ehf_checked_at = max(checked, customer.created_at)
        elif rng.random() < 0.03:
            customer.external_invoice_email = f"{_slug(customer.name)[:20]}@regnskapsservice.no"

    def _contacts(self, customer: Customer, count: int) -> list[Contact]:
        if customer.kind == "person":
            return []
        rng = self.rng
        domain = customer.email.partition("@")[2]
        contacts = []
        for index in range(count):
            first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
            contacts.append(
                Contact(
                    customer=customer,
                    name=f"{first} {last}",
                    role=rng.choice(FIRST_CONTACT_ROLES if index == 0 else words.CONTACT_ROLES),
                    email=f"{_slug(first)}.{_slug(last)}@{domain}",
                    phone=self._mobile(),
                    is_primary=index == 0,
                )
            )
        return contacts

    def _note(self, customer: Customer, first_names: list[str]) -> Note:
        rng = self.rng
        parts = [rng.choice(words.NOTES) for _ in range(1 if rng.random() < 0.7 else 2)]
        text = " ".join(parts).format(
            contact=rng.choice(first_names or words.FIRST_NAMES),
            month=rng.choice(words.MONTHS),
            service=rng.choice(words.SERVICES),
        )
        # Notes are from the last two years, and never older than the customer.
        earliest = max(customer.created_at, self.now - timedelta(days=730))
        at = min(_office_hours(earliest + (self.now - earliest) * rng.random()), self.now)
        return Note(
            customer=customer,
            author_id=rng.choice(self.authors),
            text=text,
            created_at=at,
        )

    def _project(self, chunk: _Chunk, customer: Customer, entries: int | None) -> None:
        rng = self.rng
        status = rng.choice(PROJECT_STATUSES)
        earliest = max(customer.created_at.date(), self.today - timedelta(days=540))
        if status == "planned":
            start = self.today + timedelta(days=rng.randint(7, 90))
            end = start + timedelta(days=rng.randint(30, 180))
        else:
            span = max((self.today - earliest).days - 14, 0)
            start = earliest + timedelta(days=rng.randint(0, span))
            if status == "completed":
                end = max(min(start + timedelta(days=rng.randint(30, 300)), self.today), start)
            else:
                end = start + timedelta(days=rng.randint(90, 540)) if rng.random() < 0.4 else None
        project = Project(
            number=self.next_project_number,
            name=rng.choice(words.PROJECT_NAMES).format(year=start.year),
            customer=customer,
            status=status,
            manager_id=rng.choice(self.managers),
            start_date=start,
            end_date=end,
        )
        self.next_project_number += 1
        chunk.projects.append(project)
        if status == "planned":
            return
        last = min(end or self.today, self.today)
        sales_rate = rng.randrange(110000, 180001, 5000)
        project.hourly_rate_ore = sales_rate
        for _ in range(entries or rng.randint(5, 25)):
            chunk.time_entries.append(self._time_entry(project, start, last, sales_rate))
        for _ in range(rng.choice(EXPENSE_COUNTS)):
            cost = rng.randrange(5000, 800000, 100)
            chunk.expenses.append(
                Expense(
                    project=project,
                    date=self._date_between(start, last),
                    description=rng.choice(words.EXPENSES),
                    cost_ore=cost,
                    sales_ore=cost + cost * rng.choice((0, 0, 5, 10, 15)) // 100,
                    billable=rng.random() < 0.85,
                    approved=rng.random() < 0.8,
                )
            )

    def _time_entry(self, project: Project, start: date, last: date, sales_rate: int) -> TimeEntry:
        rng = self.rng
        day = self._date_between(start, last)
        employee = rng.choice(self.authors)
        return TimeEntry(
            project=project,
            employee_id=employee,
            date=day,
            minutes=rng.randrange(2, 33) * 15,
            description=rng.choice(words.TIME_DESCRIPTIONS),
            billable=rng.random() < 0.85,
            # Older hours have been through approval; the last month's mostly not yet.
            approved=(self.today - day).days > 30 or rng.random() < 0.3,
            cost_rate_ore=self.cost_rates[employee],
            sales_rate_ore=sales_rate,
        )

    def _date_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max((last - first).days, 0)))
