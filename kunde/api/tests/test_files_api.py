"""The files endpoints: list, upload, metadata, download, delete; roles and refusals."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kunde.files import services
from kunde.files.models import CustomerFile


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def issued_invoice(draft, finance, django_capture_on_commit_callbacks):
    from kunde.invoices.services import invoice_issue

    with django_capture_on_commit_callbacks(execute=True):  # the PDF is rendered after commit
        invoice = invoice_issue(actor=finance, invoice=draft)
    invoice.refresh_from_db()
    return invoice


def _files_url(customer):
    return f"/api/v1/customers/{customer.pk}/files"


def _post(client, customer, headers, name="avtale.txt", data=b"signert", **fields):
    return client.post(
        _files_url(customer), {"file": SimpleUploadedFile(name, data), **fields}, **headers
    )


def test_upload_answers_201_with_the_stored_facts(client, token_for, manager, customer):
    response = _post(client, customer, token_for(manager), description="Rammeavtale")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "avtale.txt"
    assert body["size"] == 7
    assert body["sha256"] == hashlib.sha256(b"signert").hexdigest()
    assert body["content_type"] == "text/plain"
    assert body["uploaded_by"] == manager.username
    assert body["description"] == "Rammeavtale"
    assert {"id", "uploaded_at"} <= body.keys()


def test_read_only_may_list_and_download_but_not_upload_or_delete(
    client, token_for, manager, reader, customer
):
    record = _post(client, customer, token_for(manager)).json()
    headers = token_for(reader)
    assert _post(client, customer, headers, data=b"other").status_code == 403
    assert client.get(_files_url(customer), **headers).json()["count"] == 1
    download = client.get(f"/api/v1/files/{record['id']}/download", **headers)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"signert"
    assert download["Content-Disposition"] == 'attachment; filename="avtale.txt"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["ETag"] == f'"{record["sha256"]}"'
    assert client.delete(f"/api/v1/files/{record['id']}", **headers).status_code == 403


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("tom.txt", b"", "empty"),
        ("...", b"x", "only dots"),
        ("run.exe", b"MZ", "may not be uploaded"),
    ],
)
def test_bad_uploads_answer_422_and_store_nothing(
    name, data, message, client, token_for, manager, customer
):
    response = _post(client, customer, token_for(manager), name=name, data=data)
    assert response.status_code == 422
    assert message in " ".join(response.json()["errors"]["file"])
    assert CustomerFile.objects.count() == 0


def test_a_missing_file_field_is_422(client, token_for, manager, customer):
    response = client.post(_files_url(customer), {}, **token_for(manager))
    assert response.status_code == 422


def test_the_same_content_twice_is_409_unless_keep_both(client, token_for, manager, customer):
    headers = token_for(manager)
    first = _post(client, customer, headers).json()
    again = _post(client, customer, headers, name="kopi.txt")
    assert again.status_code == 409
    assert again.json()["duplicate_of"] == first["id"]
    assert _post(client, customer, headers, name="kopi.txt", keep_both="true").status_code == 201


def test_delete_is_204_and_bookkeeping_material_is_409(client, token_for, manager, customer):
    headers = token_for(manager)
    plain = _post(client, customer, headers).json()
    kept = _post(client, customer, headers, name="kvittering.txt", data=b"k", bookkeeping="true")
    assert kept.json()["bookkeeping"] is True
    assert client.delete(f"/api/v1/files/{plain['id']}", **headers).status_code == 204
    assert client.get(f"/api/v1/files/{plain['id']}", **headers).status_code == 404
    refused = client.delete(f"/api/v1/files/{kept.json()['id']}", **headers)
    assert refused.status_code == 409
    assert "bookkeeping material" in refused.json()["detail"]


def test_list_filters_by_kind_and_shows_issued_pdfs(
    client, token_for, finance, manager, customer, issued_invoice
):
    services.file_upload(actor=manager, customer=customer, upload=SimpleUploadedFile("a.txt", b"1"))
    headers = token_for(finance)
    everything = client.get(_files_url(customer), **headers).json()
    assert {row["kind"] for row in everything["results"]} == {"upload", "invoice"}
    produced = client.get(_files_url(customer), {"kind": "produced"}, **headers).json()
    assert [row["kind"] for row in produced["results"]] == ["invoice"]
    assert produced["results"][0]["download_url"] == f"/api/v1/invoices/{issued_invoice.pk}/pdf"
    uploaded = client.get(_files_url(customer), {"kind": "uploaded"}, **headers).json()
    assert [row["name"] for row in uploaded["results"]] == ["a.txt"]
    assert client.get(_files_url(customer), {"kind": "x"}, **headers).status_code == 422


def test_unknown_ids_are_404(client, token_for, reader):
    headers = token_for(reader)
    assert client.get("/api/v1/files/999", **headers).status_code == 404
    assert client.get("/api/v1/files/999/download", **headers).status_code == 404
    assert client.get("/api/v1/customers/999/files", **headers).status_code == 404


def test_the_files_paths_are_in_the_openapi_document(client, token_for, reader):
    paths = client.get("/api/v1/openapi.json", **token_for(reader)).json()["paths"]
    assert {"get", "post"} <= paths["/api/v1/customers/{customer_id}/files"].keys()
    assert "get" in paths["/api/v1/files/{file_id}"]
    assert "delete" in paths["/api/v1/files/{file_id}"]
    download = paths["/api/v1/files/{file_id}/download"]["get"]
    assert "*/*" in download["responses"]["200"]["content"]


def test_form_booleans_are_only_true_or_false(client, token_for, manager, customer):
    response = _post(client, customer, token_for(manager), bookkeeping="0")
    assert response.status_code == 422
    assert CustomerFile.objects.count() == 0
