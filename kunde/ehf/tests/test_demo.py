from io import StringIO

import pytest
from django.core.management import call_command

from kunde.ehf.documents import ehf_document
from kunde.invoices.models import Invoice


@pytest.mark.django_db
def test_every_demo_document_of_a_company_customer_is_a_valid_ehf():
    call_command("demo", "--customers", "20", "--seed", "3", "--invoices", "25", stdout=StringIO())
    documents = Invoice.objects.filter(customer__kind="company").select_related("customer")
    assert documents.filter(kind="credit_note").exists()
    for document in documents:
        report = ehf_document(document).report
        assert report.valid, (document, report.fatal)
