"""The payment pages; full paths, since the ledger hangs below /customers/<id>/ and the payment
form below /invoices/<id>/. Included with the namespace "payments"."""

from django.urls import path

from kunde.payments.views import imports, invoice, ledger, unmatched

urlpatterns = [
    path("customers/<int:customer_id>/ledger/", ledger.customer_ledger, name="customer_ledger"),
    path(
        "customers/<int:customer_id>/ledger/statement/",
        ledger.customer_statement,
        name="customer_statement",
    ),
    path(
        "customers/<int:customer_id>/ledger/credit/apply/",
        ledger.credit_apply,
        name="credit_apply",
    ),
    path(
        "customers/<int:customer_id>/ledger/credit/refund/",
        ledger.credit_refund,
        name="credit_refund",
    ),
    path("invoices/<int:invoice_id>/payments/", invoice.payment_new, name="payment_new"),
    path("invoices/<int:invoice_id>/write-off/", invoice.invoice_write_off, name="write_off"),
    path("payments/import/", imports.import_upload, name="import"),
    path("payments/import/<int:import_id>/", imports.import_detail, name="import_detail"),
    path("payments/import/<int:import_id>/status/", imports.import_status, name="import_status"),
    path("payments/import/<int:import_id>/file/", imports.import_file, name="import_file"),
    path("payments/import/<int:import_id>/release/", imports.import_release, name="import_release"),
    path("payments/unmatched/", unmatched.unmatched_list, name="unmatched"),
    path(
        "payments/unmatched/<int:payment_id>/assign/",
        unmatched.unmatched_assign,
        name="unmatched_assign",
    ),
]
