from django.urls import path

from kunde.ehf import views

app_name = "ehf"
urlpatterns = [
    path(
        "customers/<int:customer_id>/ehf-verify/",
        views.customer_ehf_verify_view,
        name="customer_verify",
    ),
    path("ehf/nok-rates/", views.nok_rates_view, name="nok_rates"),
    path("ehf/callback/", views.access_point_callback, name="callback"),
]
