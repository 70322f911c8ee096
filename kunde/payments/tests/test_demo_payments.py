from io import StringIO

import pytest
from django.core.management import call_command

from kunde.invoices.models import Invoice
from kunde.payments.models import ImportStatus, MatchRule, Payment, PaymentImport
from kunde.payments.selectors import payment_states, unmatched_payments
from kunde.payments.services import unmatched_suggestions


@pytest.mark.django_db
def test_the_demo_books_payments_of_every_kind():
    out = StringIO()
    call_command("demo", "--customers", "20", "--seed", "3", "--invoices", "60", stdout=out)

    assert "payments in" in out.getvalue()
    assert PaymentImport.objects.filter(format="ocr").count() >= 3
    assert set(PaymentImport.objects.values_list("status", flat=True)) == {ImportStatus.BOOKED}
    rules = set(Payment.objects.values_list("match_rule", flat=True))
    assert {MatchRule.KID_EXACT, MatchRule.KID_PARTIAL, MatchRule.UNMATCHED} <= rules
    assert Payment.objects.filter(method="bank").exists()  # entered by hand
    unmatched = list(unmatched_payments())
    assert len(unmatched) == 5
    assert all(p.payer_name and p.text for p in unmatched)
    named = next(p for p in unmatched if p.text.startswith("Faktura "))
    assert "number" in unmatched_suggestions(named)[0].reasons
    states = {s.status for s in payment_states(Invoice.objects.all()).values() if s}
    assert {"paid", "overdue"} <= states
