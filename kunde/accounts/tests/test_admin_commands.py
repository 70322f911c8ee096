"""`kunde createsuperuser` and `kunde create-admin` make administrators."""

import pytest
from django.core.management import CommandError, call_command

from kunde.accounts.models import Role, User

PASSWORD = "a-long-admin-password-1"


def test_createsuperuser_makes_an_administrator(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, username="root", email="r@x.no")
    assert User.objects.get(username="root").role == Role.ADMIN


def test_create_admin_from_a_password_file(db, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n")
    call_command("create-admin", "kari", email="kari@x.no", password_file=str(secret))
    user = User.objects.get(username="kari")
    assert (user.role, user.email, user.is_active) == (Role.ADMIN, "kari@x.no", True)
    assert user.check_password(PASSWORD)
    assert user.changes.get().action == "created"


def test_create_admin_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("KUNDE_ADMIN_PASSWORD", PASSWORD)
    call_command("create-admin", "kari")
    assert User.objects.get(username="kari").check_password(PASSWORD)


def test_create_admin_refuses_a_duplicate_username(db, monkeypatch, admin):
    monkeypatch.setenv("KUNDE_ADMIN_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="A user named ada already exists"):
        call_command("create-admin", "ada")
    assert User.objects.count() == 1


def test_create_admin_refuses_a_weak_password(db, monkeypatch):
    monkeypatch.setenv("KUNDE_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError, match="too short"):
        call_command("create-admin", "kari")
    assert not User.objects.exists()


def test_create_admin_without_a_password_source_says_how(db, monkeypatch):
    monkeypatch.delenv("KUNDE_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    with pytest.raises(CommandError, match="--password-file"):
        call_command("create-admin", "kari")
