from kunde.demo.bench import _time_get
from kunde.offers.bench import bench_offer_pdfs, bench_offers_ensure, offers_bench
from kunde.offers.models import Offer


def test_the_offers_bench_adds_its_offers_once_and_prints_figures(admin, customer, company):
    bench_offers_ensure(count=60, log=lambda message: None)
    bench_offers_ensure(count=60, log=lambda message: None)
    assert Offer.objects.filter(customer=customer).count() == 60
    assert set(Offer.objects.values_list("status", flat=True)) == {
        "draft",
        "ready",
        "sent",
        "accepted",
        "rejected",
        "expired",
        "withdrawn",
    }
    pdf = bench_offer_pdfs(seconds=0.05)
    assert pdf["name"] == "offer_pdf" and pdf["n"] >= 1


def test_offers_bench_rows(admin, customer, company, monkeypatch):
    monkeypatch.setattr("kunde.offers.bench.OFFERS_ON_CUSTOMER", 60)
    monkeypatch.setattr(
        "kunde.offers.bench.bench_offer_pdfs", lambda: {"name": "offer_pdf", "n": 1}
    )
    rows = offers_bench(time_get=_time_get, n=1, warmup=0, log=lambda message: None)
    tab = rows[0]
    assert tab["name"] == "offers_tab" and tab["offers_on_customer"] >= 50 and tab["queries"] > 0
