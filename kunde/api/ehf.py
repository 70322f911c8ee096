"""EHF documents over the API: the UBL XML of an issued invoice or credit note."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404

from kunde.api.api import api
from kunde.ehf.documents import ehf_document
from kunde.ehf.explain import failures_as_dicts
from kunde.invoices.models import Invoice

_DETAIL = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
_FAILURES = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "failures": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    name: {"type": "string"}
                    for name in ("rule", "flag", "location", "text", "explanation")
                },
            },
        },
    },
}


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
            },
            409: {
                "description": "A draft has no EHF document.",
                "content": {"application/json": {"schema": _DETAIL}},
            },
            422: {
                "description": "A refused value, or a document that fails the gate (each failed "
                "rule in `failures`).",
                "content": {"application/json": {"schema": _FAILURES}},
            },
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
        failures = failures_as_dicts(document.report.failures)
        # The API's 422 shape, and each failed rule in full beside it.
        errors = {"ehf": [f"{f['rule']}: {f['explanation']}" for f in failures]}
        return JsonResponse({"errors": errors, "failures": failures}, status=422)
    response = HttpResponse(document.xml, content_type="application/xml")
    response["Content-Disposition"] = f'inline; filename="{invoice.kind}-{invoice.number}.xml"'
    return response
