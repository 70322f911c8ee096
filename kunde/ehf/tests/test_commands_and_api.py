"""`kunde ehf`, `kunde ehf-validate` and GET /api/v1/invoices/{id}/ehf."""

import pytest
from django.core.management import CommandError, call_command

from kunde.accounts.models import ApiToken


@pytest.fixture
def token(reader):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=reader, name='tests')[1]}"}


@pytest.mark.django_db
def test_ehf_command_writes_the_document_and_validate_accepts_it(make_issued, tmp_path, capsys):
    invoice = make_issued()
    out = tmp_path / "faktura.xml"
    call_command("ehf", str(invoice.number), "--out", str(out))
    assert out.read_bytes().startswith(b"<?xml")
    call_command("ehf-validate", str(out))
    assert f"{out}: VALID" in capsys.readouterr().out


@pytest.mark.django_db
def test_ehf_command_exits_with_the_failed_rules(make_issued, tmp_path, capsys):
    invoice = make_issued(order_reference="", your_reference="")
    out = tmp_path / "faktura.xml"
    with pytest.raises(CommandError):
        call_command("ehf", str(invoice.number), "--out", str(out))
    assert "PEPPOL-EN16931-R003" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.django_db
def test_ehf_validate_prints_one_line_per_file_and_fails_if_one_fails(tmp_path, capsys):
    good = tmp_path / "good.xml"
    bad = tmp_path / "bad.xml"
    bad.write_text("<Invoice")
    good.write_text("<x/>")
    with pytest.raises(CommandError):
        call_command("ehf-validate", str(bad), str(good))
    call_command_output = capsys.readouterr().out.splitlines()
    assert call_command_output[0].startswith(f"{bad}: INVALID fatal XML")
    assert call_command_output[1].startswith(f"{good}: INVALID fatal XSD")


@pytest.mark.django_db
def test_the_api_returns_the_xml(client, make_issued, token):
    invoice = make_issued()
    response = client.get(f"/api/v1/invoices/{invoice.pk}/ehf", **token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert b"urn:fdc:peppol.eu:2017:poacc:billing:3.0" in response.content


@pytest.mark.django_db
def test_the_api_answers_422_with_the_failed_rules(client, make_issued, token):
    invoice = make_issued(order_reference="", your_reference="")
    response = client.get(f"/api/v1/invoices/{invoice.pk}/ehf", **token)
    assert response.status_code == 422
    rules = {f["rule"]: f for f in response.json()["failures"]}
    assert rules["PEPPOL-EN16931-R003"]["flag"] == "fatal"
    assert rules["PEPPOL-EN16931-R003"]["explanation"]


@pytest.mark.django_db
def test_the_api_refuses_a_draft_and_needs_sign_in(client, draft, token):
    assert client.get(f"/api/v1/invoices/{draft.pk}/ehf", **token).status_code == 409
    assert client.get(f"/api/v1/invoices/{draft.pk}/ehf").status_code == 401


@pytest.mark.django_db
def test_the_invoice_in_the_api_shows_the_ehf_status(client, make_issued, token):
    from kunde.ehf.models import EhfDelivery

    invoice = make_issued()
    assert client.get(f"/api/v1/invoices/{invoice.pk}", **token).json()["ehf_status"] is None
    EhfDelivery.objects.create(invoice=invoice, status="delivered", idempotency_key="k")
    assert client.get(f"/api/v1/invoices/{invoice.pk}", **token).json()["ehf_status"] == "delivered"
