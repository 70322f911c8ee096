from django.urls import path

from kunde.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("register-lookup/", views.register_lookup, name="register_lookup"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path("<int:customer_id>/activity/", views.customer_activity, name="activity"),
    path("<int:customer_id>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:customer_id>/contacts/<int:contact_id>/", views.contact_edit, name="contact_edit"),
    path(
        "<int:customer_id>/contacts/<int:contact_id>/delete/",
        views.contact_delete,
        name="contact_delete",
    ),
    path("<int:customer_id>/notes/", views.note_create, name="note_create"),
    path("<int:customer_id>/notes/<int:note_id>/", views.note_edit, name="note_edit"),
    path("<int:customer_id>/notes/<int:note_id>/delete/", views.note_delete, name="note_delete"),
]
