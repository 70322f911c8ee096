from django.urls import path

from kunde.files import views

app_name = "files"
urlpatterns = [
    path("customers/<int:customer_id>/files/", views.customer_files, name="customer_files"),
    path("customers/<int:customer_id>/files/deleted/", views.deleted_files, name="deleted_files"),
    path(
        "customers/<int:customer_id>/files/<int:file_id>/download/",
        views.file_download,
        name="download",
    ),
    path(
        "customers/<int:customer_id>/files/<int:file_id>/thumbnail/",
        views.file_thumbnail,
        name="thumbnail",
    ),
    path("customers/<int:customer_id>/files/<int:file_id>/edit/", views.file_edit, name="edit"),
    path(
        "customers/<int:customer_id>/files/<int:file_id>/delete/",
        views.file_delete,
        name="delete",
    ),
    path(
        "customers/<int:customer_id>/files/<int:file_id>/restore/",
        views.file_restore,
        name="restore",
    ),
]
