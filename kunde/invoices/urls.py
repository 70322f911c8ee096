from kunde.invoices.views import delivery, documents, export, options, report

# Each views module lists its own paths; full paths, since some hang below /customers/<id>/.
urlpatterns = [
    *options.urlpatterns,
    *report.urlpatterns,
    *documents.urlpatterns,
    *delivery.urlpatterns,
    *export.urlpatterns,
]
