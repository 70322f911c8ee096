"""Administrators manage users and roles at /users/; everyone else gets 403."""

import pytest
from django.core import mail
from django.urls import reverse

from conftest import PASSWORD
from kunde.accounts.models import Role, User, UserChange, UserChangeAction


def _invite(client, **fields):
    data = {"username": "nina", "first_name": "Nina", "last_name": "Ny", "email": "nina@x.no"}
    data |= {"role": "finance"} | fields
    return client.post(reverse("user_invite"), data)


@pytest.mark.parametrize("persona", ["finance", "manager", "reader"])
def test_only_administrators_see_the_user_pages(client_for, request, persona, admin):
    client = client_for(request.getfixturevalue(persona))
    for url in (reverse("user_list"), reverse("user_invite"), reverse("user_detail", args=[1])):
        assert client.get(url).status_code == 403
    assert (
        client.post(reverse("user_role", args=[admin.pk]), {"role": "read_only"}).status_code == 403
    )
    assert client.post(reverse("user_deactivate", args=[admin.pk])).status_code == 403
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN and admin.is_active


def test_the_list_shows_every_user_with_role(client_for, admin, reader):
    response = client_for(admin).get(reverse("user_list"))
    assert response.status_code == 200
    assert b"rolf" in response.content and b"Read-only" in response.content


def test_an_invited_user_gets_a_one_time_link_that_sets_the_password(
    client_for, client, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client_for(admin))
    assert response.status_code == 200
    user = User.objects.get(username="nina")
    assert user.role == Role.FINANCE and not user.has_usable_password()
    link = response.context["link"]
    assert link in mail.outbox[0].body and mail.outbox[0].to == ["nina@x.no"]
    change = UserChange.objects.get(user=user)
    assert (change.actor, change.action) == (admin, UserChangeAction.CREATED)
    assert change.details == {"role": {"old": None, "new": "finance"}}

    client.logout()
    path = link.removeprefix("http://testserver")
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    new = "a-new-long-password-9"
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    # The link is spent.
    assert not client.get(path, follow=True).context["validlink"]


def test_a_duplicate_username_is_refused_and_nothing_is_made(client_for, admin, reader):
    response = _invite(client_for(admin), username="ROLF")
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors["username"])
    assert User.objects.count() == 2


def test_a_bad_email_is_refused(client_for, admin):
    response = _invite(client_for(admin), email="not-an-address")
    assert "email" in response.context["form"].errors
    assert not User.objects.filter(username="nina").exists()


def test_the_role_is_changed_and_logged(client_for, admin, reader):
    response = client_for(admin).post(
        reverse("user_role", args=[reader.pk]), {"role": "account_manager"}
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.role == Role.ACCOUNT_MANAGER
    change = reader.changes.get()
    assert change.actor == admin
    assert change.details == {"role": {"old": "read_only", "new": "account_manager"}}
    page = client_for(admin).get(reverse("user_detail", args=[reader.pk]))
    assert "Role: Read-only → Account manager" in page.content.decode()


def test_deactivate_and_reactivate(client_for, admin, reader):
    client = client_for(admin)
    client.post(reverse("user_deactivate", args=[reader.pk]))
    reader.refresh_from_db()
    assert not reader.is_active
    client.post(reverse("user_reactivate", args=[reader.pk]))
    reader.refresh_from_db()
    assert reader.is_active
    assert [c.action for c in reader.changes.order_by("id")] == ["deactivated", "reactivated"]


def test_the_last_active_admin_cannot_demote_or_deactivate_themself(client_for, admin):
    client = client_for(admin)
    response = client.post(reverse("user_role", args=[admin.pk]), {"role": "finance"}, follow=True)
    assert "last active administrator" in response.content.decode()
    client.post(reverse("user_deactivate", args=[admin.pk]))
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN and admin.is_active
    assert not admin.changes.exists()


def test_with_a_second_admin_one_may_step_down(client_for, admin):
    User.objects.create_user(username="bob", password=PASSWORD, role=Role.ADMIN)
    client_for(admin).post(reverse("user_role", args=[admin.pk]), {"role": "finance"})
    admin.refresh_from_db()
    assert admin.role == Role.FINANCE


def test_an_unknown_role_is_refused(client_for, admin, reader):
    client_for(admin).post(reverse("user_role", args=[reader.pk]), {"role": "owner"})
    reader.refresh_from_db()
    assert reader.role == Role.READ_ONLY


def test_a_new_link_is_logged(client_for, admin, reader):
    response = client_for(admin).post(reverse("user_password_link", args=[reader.pk]))
    assert "/accounts/set-password/" in response.context["link"]
    assert reader.changes.get().action == UserChangeAction.PASSWORD_LINK


def test_the_users_link_is_in_the_menu_only_for_admins(client_for, admin, finance):
    assert b'href="/users/"' in client_for(admin).get("/customers/").content
    assert b'href="/users/"' not in client_for(finance).get("/customers/").content


def test_the_user_pages_speak_norwegian(client_for, admin, reader):
    client = client_for(admin)
    client.post(reverse("user_role", args=[reader.pk]), {"role": "finance"})
    page = client.get(reverse("user_detail", args=[reader.pk]), HTTP_ACCEPT_LANGUAGE="nb")
    text = page.content.decode()
    assert "Historikk" in text and "Rolle: Lesetilgang → Økonomi" in text
