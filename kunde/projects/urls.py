from django.urls import path

from kunde.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/<int:customer_id>/", views.project_create, name="create"),
    path("hours/", views.week, name="week"),
    path("cost-rates/", views.cost_rates, name="cost_rates"),
    path("import/", views.hours_import, name="import"),
    path("approvals/", views.approvals, name="approvals"),
    path("<int:project_id>/", views.project_detail, name="detail"),
    path("<int:project_id>/edit/", views.project_edit, name="edit"),
    path("<int:project_id>/approve/", views.hours_approve, name="approve"),
    path("<int:project_id>/activities/", views.activity_add, name="activity_add"),
    path("<int:project_id>/expenses/", views.expense_add, name="expense_add"),
    path("<int:project_id>/expenses/approve/", views.expenses_approve, name="expenses_approve"),
]
