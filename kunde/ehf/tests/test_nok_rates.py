"""Finance enters the NOK rates a foreign-currency EHF document needs for its VAT in NOK."""

from datetime import date
from decimal import Decimal

import pytest

from kunde.ehf.documents import ehf_document
from kunde.ehf.models import NokRate

pytestmark = pytest.mark.django_db


def test_finance_adds_a_rate_and_the_euro_invoice_then_passes(client_for, finance, make_issued):
    invoice = make_issued(currency="EUR")
    assert ehf_document(invoice).report.rule_ids() == {"NOK-RATE"}
    client = client_for(finance)
    response = client.post(
        "/ehf/nok-rates/", {"currency": "eur", "date": "2020-01-01", "nok": "11.53"}
    )
    assert response.status_code == 302
    assert NokRate.objects.get().nok == Decimal("11.53")
    assert ehf_document(invoice).valid
    page = client.get("/ehf/nok-rates/").content.decode()
    assert "EUR" in page and "11.53" in page and 'data-testid="nok-rates"' in page


def test_a_second_rate_for_the_same_day_replaces_the_first(client_for, finance):
    client = client_for(finance)
    for nok in ("11.5", "11.6"):
        client.post("/ehf/nok-rates/", {"currency": "EUR", "date": "2026-11-02", "nok": nok})
    assert list(NokRate.objects.values_list("date", "nok")) == [
        (date(2026, 11, 2), Decimal("11.6"))
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"currency": "NOK", "date": "2026-11-02", "nok": "1"}, "currency"),
        ({"currency": "EURO", "date": "2026-11-02", "nok": "1"}, "currency"),
        ({"currency": "EUR", "date": "2026-11-02", "nok": "0"}, "nok"),
        ({"currency": "EUR", "date": "not a date", "nok": "11"}, "date"),
    ],
)
def test_a_wrong_rate_is_refused_and_nothing_saved(client_for, finance, data, field):
    response = client_for(finance).post("/ehf/nok-rates/", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not NokRate.objects.exists()


def test_a_reader_may_not_set_rates(client_for, reader):
    client = client_for(reader)
    assert client.get("/ehf/nok-rates/").status_code == 403
    data = {"currency": "EUR", "date": "2026-11-02", "nok": "11"}
    assert client.post("/ehf/nok-rates/", data).status_code == 403
    assert not NokRate.objects.exists()


def test_a_draft_in_another_currency_links_to_the_rates(client_for, finance, ehf_customer, draft):
    draft.currency = "EUR"
    draft.save()
    page = client_for(finance).get(f"/invoices/{draft.pk}/").content.decode()
    assert 'href="/ehf/nok-rates/"' in page
