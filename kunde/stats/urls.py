from django.urls import path

from kunde.stats import views

app_name = "stats"
urlpatterns = [
    path("statistics/customers/", views.customer_ranking, name="customer_ranking"),
    path(
        "customers/<int:customer_id>/statistics/",
        views.customer_statistics,
        name="customer_statistics",
    ),
    path(
        "customers/<int:customer_id>/statistics/<slug:figure>/",
        views.figure_rows,
        name="figure",
    ),
]
