import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kunde.files import services
from kunde.files.models import CustomerFile
from kunde.files.serving import content_disposition
from kunde.files.tests.conftest import png_bytes


def _tab(customer):
    return reverse("files:customer_files", args=[customer.pk])


def _file(name, data):
    return SimpleUploadedFile(name, data)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_every_role_sees_the_tab(client_for, admin, finance, manager, reader, customer):
    for user in (admin, finance, manager, reader):
        response = client_for(user).get(_tab(customer))
        assert response.status_code == 200
        assert b"Files" in response.content


def test_read_only_sees_no_upload_form_and_may_not_post(client_for, reader, customer):
    client = client_for(reader)
    assert b"data-upload-form" not in client.get(_tab(customer)).content
    response = client.post(_tab(customer), {"files": _file("a.txt", b"1")})
    assert response.status_code == 403
    assert CustomerFile.objects.count() == 0


def test_upload_several_files_from_the_form(client_for, manager, customer):
    client = client_for(manager)
    response = client.post(
        _tab(customer),
        {"files": [_file("a.txt", b"1"), _file("b.txt", b"2")], "description": "Fra møtet"},
        follow=True,
    )
    assert response.status_code == 200
    assert sorted(CustomerFile.objects.values_list("name", flat=True)) == ["a.txt", "b.txt"]
    assert b"a.txt" in response.content and b"b.txt" in response.content
    assert "Fra møtet" in response.content.decode()


def test_upload_from_the_script_answers_json(client_for, manager, customer):
    client = client_for(manager)
    response = client.post(
        _tab(customer),
        {"files": _file("a.txt", b"1")},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 201
    assert response.json()["name"] == "a.txt"
    again = client.post(
        _tab(customer),
        {"files": _file("copy.txt", b"1")},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert again.status_code == 409 and again.json()["duplicate"] is True
    kept = client.post(
        _tab(customer),
        {"files": _file("copy.txt", b"1"), "keep_both": "on"},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert kept.status_code == 201
    assert CustomerFile.objects.count() == 2


def test_a_refused_file_is_explained_on_the_page(client_for, manager, customer):
    response = client_for(manager).post(
        _tab(customer), {"files": _file("virus.exe", b"MZ..")}, follow=True
    )
    assert "may not be uploaded" in response.content.decode()
    assert CustomerFile.objects.count() == 0


def test_a_duplicate_from_the_form_asks_to_keep_both(client_for, manager, customer):
    client = client_for(manager)
    client.post(_tab(customer), {"files": _file("a.txt", b"1")})
    response = client.post(_tab(customer), {"files": _file("b.txt", b"1")}, follow=True)
    assert "Keep both" in response.content.decode()
    assert CustomerFile.objects.count() == 1


@pytest.fixture
def stored(manager, customer):
    return services.file_upload(
        actor=manager, customer=customer, upload=_file("Årsrapport «2025» ø.txt", b"innhold")
    )


def test_download_streams_the_bytes_as_an_attachment_with_safe_headers(
    client_for, reader, customer, stored
):
    response = client_for(reader).get(reverse("files:download", args=[customer.pk, stored.pk]))
    assert response.status_code == 200
    assert response.streaming
    assert _body(response) == b"innhold"
    assert response["Content-Type"] == "text/plain"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"] == (
        'attachment; filename="Arsrapport _2025_ _.txt"; '
        "filename*=UTF-8''%C3%85rsrapport%20%C2%AB2025%C2%BB%20%C3%B8.txt"
    )
    assert response["Content-Length"] == "7"


def test_content_disposition_escapes_quotes_and_newlines():
    assert content_disposition('a"b\r\n.txt') == (
        "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt"
    )
    assert content_disposition("plain.pdf", inline=True) == 'inline; filename="plain.pdf"'


def test_only_images_and_pdfs_are_shown_inline(client_for, manager, customer, stored):
    client = client_for(manager)
    text = client.get(reverse("files:download", args=[customer.pk, stored.pk]) + "?preview=1")
    assert text["Content-Disposition"].startswith("attachment")
    image = services.file_upload(
        actor=manager, customer=customer, upload=_file("logo.png", png_bytes())
    )
    shown = client.get(reverse("files:download", args=[customer.pk, image.pk]) + "?preview=1")
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["Content-Type"] == "image/png"
    thumb = client.get(reverse("files:thumbnail", args=[customer.pk, image.pk]))
    assert thumb.status_code == 200 and _body(thumb)[:4] == b"\x89PNG"


def test_another_customers_file_is_not_found(client_for, manager, other_customer, stored):
    response = client_for(manager).get(
        reverse("files:download", args=[other_customer.pk, stored.pk])
    )
    assert response.status_code == 404


def test_a_deleted_file_is_not_served(client_for, manager, customer, stored):
    services.file_delete(actor=manager, file=stored)
    response = client_for(manager).get(reverse("files:download", args=[customer.pk, stored.pk]))
    assert response.status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, customer, stored):
    response = client.get(reverse("files:download", args=[customer.pk, stored.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_rename_delete_and_restore(client_for, admin, manager, reader, customer, stored):
    edit = reverse("files:edit", args=[customer.pk, stored.pk])
    delete = reverse("files:delete", args=[customer.pk, stored.pk])
    restore = reverse("files:restore", args=[customer.pk, stored.pk])
    assert client_for(reader).post(edit, {"name": "x.txt"}).status_code == 403
    assert client_for(reader).post(delete).status_code == 403
    client = client_for(manager)
    assert client.post(edit, {"name": "...", "description": ""}).status_code == 400
    assert client.post(edit, {"name": "Ny.txt", "description": "d"}).status_code == 302
    stored.refresh_from_db()
    assert stored.name == "Ny.txt"
    assert client.post(delete).status_code == 302
    assert b"data-file-link>Ny.txt</a>" not in client.get(_tab(customer)).content
    assert client.post(restore).status_code == 403
    admin_client = client_for(admin)
    assert b"Ny.txt" in admin_client.get(reverse("files:deleted_files", args=[customer.pk])).content
    assert admin_client.post(restore).status_code == 302
    assert b"data-file-link>Ny.txt</a>" in admin_client.get(_tab(customer)).content


def test_search_sort_and_filter(client_for, manager, customer):
    for name in ("kontrakt.txt", "budsjett.txt", "avtale.txt"):
        services.file_upload(actor=manager, customer=customer, upload=_file(name, name.encode()))
    client = client_for(manager)
    found = client.get(_tab(customer), {"q": "kontr"}).content.decode()
    assert "kontrakt.txt" in found and "budsjett.txt" not in found
    by_name = client.get(_tab(customer), {"sort": "name"}).content.decode()
    assert by_name.index("avtale.txt") < by_name.index("budsjett.txt") < by_name.index("kontrakt")
    produced = client.get(_tab(customer), {"show": "produced"}).content.decode()
    assert "kontrakt.txt" not in produced


def test_issued_invoices_are_listed_read_only_as_produced(
    client_for, manager, customer, issued_invoice
):
    client = client_for(manager)
    page = client.get(_tab(customer)).content.decode()
    assert f"Invoice {issued_invoice.number}" in page
    assert reverse("invoices:invoice_pdf", args=[issued_invoice.pk]) in page
    assert "Kept (bookkeeping)" in page
    uploaded_only = client.get(_tab(customer), {"show": "uploaded"}).content.decode()
    assert f"Invoice {issued_invoice.number}" not in uploaded_only


@override_settings(FILES_PER_PAGE=5)
def test_the_tab_pages_in_a_constant_number_of_queries(
    client_for, manager, customer, django_assert_max_num_queries
):
    client = client_for(manager)
    services.file_upload(actor=manager, customer=customer, upload=_file("0.txt", b"0"))
    client.get(_tab(customer))
    with django_assert_max_num_queries(12) as few:
        client.get(_tab(customer))
    for number in range(1, 12):
        services.file_upload(
            actor=manager, customer=customer, upload=_file(f"{number}.txt", str(number).encode())
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(_tab(customer), {"page": 2})
    assert "Page 2 of 3" in response.content.decode()


def test_big_uploads_are_not_kept_in_memory(client_for, manager, customer):
    data = io.BytesIO(b"z" * (3 * 1024 * 1024))
    data.name = "big.bin"
    response = client_for(manager).post(
        _tab(customer), {"files": data}, headers={"X-Requested-With": "XMLHttpRequest"}
    )
    assert response.status_code == 201
    assert CustomerFile.objects.get().size == 3 * 1024 * 1024
