from django.urls import path

from kunde.offers import public, views

app_name = "offers"
urlpatterns = [
    path("customers/<int:customer_id>/offers/", views.customer_offers, name="customer_offers"),
    path("customers/<int:customer_id>/offers/new/", views.offer_new, name="new"),
    path("offers/", views.all_offers, name="list"),
    path("offers/<int:offer_id>/", views.offer_detail, name="detail"),
    path("offers/<int:offer_id>/edit/", views.offer_edit, name="edit"),
    path("offers/<int:offer_id>/ready/", views.offer_ready, name="ready"),
    path("offers/<int:offer_id>/send/", views.offer_send, name="send"),
    path("offers/<int:offer_id>/withdraw/", views.offer_withdraw, name="withdraw"),
    path("offers/<int:offer_id>/answer/", views.offer_answer, name="answer"),
    path(
        "offers/<int:offer_id>/revisions/<int:revision_id>/pdf/",
        views.revision_pdf,
        name="revision_pdf",
    ),
    path("offer/<str:token>/", public.public_offer, name="public"),
]
