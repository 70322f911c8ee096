from django.contrib.auth import views as auth_views
from django.urls import path

from kunde.accounts import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("set-password/<uidb64>/<token>/", views.set_password, name="set_password"),
]

# Mounted at /users/ (kunde/urls.py).
user_urlpatterns = [
    path("", views.user_list, name="user_list"),
    path("new/", views.user_invite, name="user_invite"),
    path("<int:user_id>/", views.user_detail, name="user_detail"),
    path("<int:user_id>/role/", views.user_role, name="user_role"),
    path("<int:user_id>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("<int:user_id>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("<int:user_id>/password-link/", views.user_password_link, name="user_password_link"),
]
