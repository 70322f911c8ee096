"""Our side of the demo: the firm (Fjordvik Rådgivning AS), its staff and its customer tags.
Whatever already exists is kept and reused."""

from django.contrib.auth.hashers import make_password
from stdnum.no import kontonr

from kunde.accounts.models import Role, User
from kunde.company.models import Company
from kunde.customers.models import Tag
from kunde.demo import words
from kunde.lib.numbers import organization_number_check_digit

PASSWORD = "kunde-demo"

AM = Role.ACCOUNT_MANAGER
# username, first name, last name, role
STAFF = [
    ("admin", "Ingrid", "Solheim", Role.ADMIN),
    ("finance", "Lars", "Haugen", Role.FINANCE),
    ("manager", "Silje", "Berntsen", AM),
    ("reader", "Ole", "Kristiansen", Role.READ_ONLY),
    ("kari", "Kari", "Nordby", AM),
    ("henrik", "Henrik", "Aasen", AM),
    ("marte", "Marte", "Lien", AM),
    ("jonas", "Jonas", "Rød", AM),
    ("sofie", "Sofie", "Eriksen", AM),
    ("eirik", "Eirik", "Vold", AM),
    ("hanne", "Hanne", "Moe", AM),
    ("sindre", "Sindre", "Bakke", AM),
]


def organization_number(first_eight: str) -> str | None:
    """The valid organisation number that starts with these eight digits, if there is one."""
    digit = organization_number_check_digit(first_eight)
    return None if digit is None else f"{first_eight}{digit}"


def bank_account(first_ten: str) -> str | None:
    """The valid Norwegian account number that starts with these ten digits, if there is one."""
    for digit in "0123456789":
        if kontonr.is_valid(first_ten + digit):
            return first_ten + digit
    return None


def staff_ensure() -> list[User]:
    """The demo users in STAFF order; the ones that already exist are reused as they are."""
    usernames = [username for username, *_rest in STAFF]
    existing = {user.username: user for user in User.objects.filter(username__in=usernames)}
    password = make_password(PASSWORD)  # hashing is slow on purpose: do it once
    missing = [
        User(
            username=username,
            first_name=first,
            last_name=last,
            role=role,
            email=f"{username}@fjordvik.no",
            password=password,
        )
        for username, first, last, role in STAFF
        if username not in existing
    ]
    for user in User.objects.bulk_create(missing):
        existing[user.username] = user
    return [existing[username] for username in usernames]


def company_fill() -> Company:
    """Fill in our own company, unless someone has already set it up (it has an org. number)."""
    company = Company.load()
    if company.organization_number:
        return company
    company.name = "Fjordvik Rådgivning AS"
    company.organization_number = organization_number("92170536")
    company.organization_form = "AS"
    company.vat_registered = True
    company.street = "Tollbugata 24"
    company.postcode = "0157"
    company.city = "Oslo"
    company.email = "post@fjordvik.no"
    company.phone = "+47 22 40 18 00"
    company.bank_account = bank_account("1503123456")
    company.customer_number_start = 10000
    company.full_clean()
    company.save()
    return company


def tags_ensure() -> list[Tag]:
    for name in words.TAGS:
        Tag.objects.get_or_create(name=name)
    return list(Tag.objects.filter(name__in=words.TAGS).order_by("name"))
