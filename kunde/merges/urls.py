from django.urls import path

from kunde.merges import views

app_name = "merges"
urlpatterns = [
    path("customers/duplicates/", views.duplicates, name="duplicates"),
    path("customers/duplicates/dismiss/", views.dismiss, name="dismiss"),
    path("customers/<int:customer_id>/merge/", views.merge_start, name="start"),
    path(
        "customers/merge/<int:first_id>/<int:second_id>/",
        views.merge_preview,
        name="preview",
    ),
    path("merges/<int:merge_id>/", views.merge_detail, name="detail"),
    path("merges/<int:merge_id>/undo/", views.merge_undo_view, name="undo"),
]
