import pytest


@pytest.fixture
def ehf_customer(customer):
    """The shared customer as an EHF receiver with a buyer reference on its documents."""
    from kunde.customers.models import Customer

    Customer.objects.filter(pk=customer.pk).update(invoice_delivery="ehf")
    customer.refresh_from_db()
    return customer


@pytest.fixture
def make_issued(company, ehf_customer, finance):
    """make_issued(lines=..., **draft fields) -> an issued invoice for the EHF customer."""
    from kunde.invoices import services

    def make(lines=None, *, project=None, from_project_hours=False, **fields):
        draft = services.invoice_draft_create(
            actor=finance,
            customer=ehf_customer,
            project=project,
            from_project_hours=from_project_hours,
            lines=lines
            if lines is not None
            else [
                {
                    "description": "Rådgivning",
                    "quantity": "10",
                    "unit": "timer",
                    "unit_price_ore": 125000,
                }
            ],
        )
        fields.setdefault("order_reference", "PO-4711")
        for name, value in fields.items():
            setattr(draft, name, value)
        draft.save()
        return services.invoice_issue(actor=finance, invoice=draft)

    return make


@pytest.fixture
def smp_network(settings):
    """A local SMP where the EHF customer (923609016) can receive EHF: a delivery job asks it
    before sending when the customer's last lookup is missing or old (no real DNS in tests)."""
    from kunde.ehf.tests.test_receivers import BOTH, FakeSmp

    fake = FakeSmp()
    fake.participants["923609016"] = BOTH
    settings.PEPPOL_SMP_URL = fake.url
    yield fake
    fake.close()
