"""EHF documents over the API: the UBL XML of an issued invoice or credit note."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404

from kunde.api.api import api
from kunde.ehf.documents import ehf_document
from kunde.ehf.explain import failures_as_dicts
from kunde.invoices.models import Invoice


@api.get(
    "/invoices/{invoice_id}/ehf",
    tags=["invoices"],
    url_name="invoice_ehf",
    description="The EHF document (UBL 2.1, Peppol BIS Billing 3.0) of an issued invoice or "
    "credit note, checked by the offline gate. 422 with the failed rules when it does not pass; "
    "409 for a draft.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The XML",
                "content": {"application/xml": {"schema": {"type": "string"}}},
            }
        }
    },
)
def invoice_ehf(request, invoice_id: int):
    invoice = get_object_or_404(Invoice.objects.select_related("customer"), pk=invoice_id)
    if not invoice.is_issued:
        return JsonResponse(
            {"detail": f"{invoice} is not issued and has no EHF document."}, status=409
        )
    document = ehf_document(invoice)
    if not document.valid:
        return JsonResponse({"failures": failures_as_dicts(document.report.failures)}, status=422)
    response = HttpResponse(document.xml, content_type="application/xml")
    response["Content-Disposition"] = f'inline; filename="{invoice.kind}-{invoice.number}.xml"'
    return response
