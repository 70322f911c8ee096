"""Receiver lookup against a local SMP and a test DNS resolver."""

import threading
import urllib.parse
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from kunde.ehf.models import EhfReceiver
from kunde.ehf.receivers import customer_ehf_verify
from kunde.lib import peppol_lookup


def _service_group(host, orgnr, doctypes):
    refs = "".join(
        f'<ServiceMetadataReference href="{host}/iso6523-actorid-upis%3A%3A0192%3A{orgnr}/'
        f'services/{urllib.parse.quote("busdox-docid-qns::" + d, safe="")}"/>'
        for d in doctypes
    )
    return (
        '<ServiceGroup xmlns="http://busdox.org/serviceMetadata/publishing/1.0/">'
        f'<ParticipantIdentifier scheme="iso6523-actorid-upis">0192:{orgnr}</ParticipantIdentifier>'
        f"<ServiceMetadataReferenceCollection>{refs}</ServiceMetadataReferenceCollection>"
        "</ServiceGroup>"
    ).encode()


class FakeSmp:
    """participants: orgnr -> document types; anything else is 404; `down` answers 500."""

    def __init__(self):
        self.participants = {}
        self.down = False
        self.requests = 0
        smp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                smp.requests += 1
                orgnr = urllib.parse.unquote(self.path).rsplit(":", 1)[-1]
                if smp.down:
                    self.send_response(500)
                    self.end_headers()
                    return
                if orgnr not in smp.participants:
                    self.send_response(404)
                    self.end_headers()
                    return
                body = _service_group(smp.url, orgnr, smp.participants[orgnr])
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


BOTH = [peppol_lookup.INVOICE_DOCTYPE, peppol_lookup.CREDIT_NOTE_DOCTYPE]


@pytest.fixture
def smp():
    fake = FakeSmp()
    yield fake
    fake.close()


def test_the_sml_step_finds_the_smp_through_the_resolver(smp):
    smp.participants["923609016"] = BOTH
    asked = []

    def resolver(name, rdtype):
        asked.append((name, rdtype))
        return [f'100 10 "U" "Meta:SMP" "!^.*$!{smp.url}!" .']

    result = peppol_lookup.lookup("923609016", sml_domain="sml.test", resolver=resolver)
    assert result.can_receive and result.smp_url == smp.url
    name, rdtype = asked[0]
    assert rdtype == "NAPTR" and name.endswith(".iso6523-actorid-upis.sml.test")
    assert name == peppol_lookup.sml_name("923609016", "sml.test")


def test_not_in_dns_means_not_registered():
    result = peppol_lookup.lookup("923609016", sml_domain="sml.test", resolver=lambda n, t: [])
    assert (result.registered, result.can_receive) == (False, False)


def test_a_receiver_of_invoices_only_cannot_receive(smp):
    smp.participants["923609016"] = BOTH[:1]
    result = peppol_lookup.lookup("923609016", sml_domain="x", smp=smp.url)
    assert (result.registered, result.accepts_invoice, result.can_receive) == (True, True, False)


@pytest.mark.django_db
def test_verify_keeps_the_answer_on_the_customer(smp, settings, customer, manager):
    settings.PEPPOL_SMP_URL = smp.url
    smp.participants["923609016"] = BOTH
    receiver = customer_ehf_verify(actor=manager, customer=customer)
    assert receiver.can_receive
    customer.refresh_from_db()
    assert customer.ehf_status == "can_receive" and customer.ehf_checked_at
    # Fresh answers are reused; old ones are asked again.
    customer_ehf_verify(actor=manager, customer=customer, force=False)
    assert smp.requests == 1
    EhfReceiver.objects.update(checked_at=timezone.now() - timedelta(days=30))
    smp.participants.clear()
    assert not customer_ehf_verify(actor=manager, customer=customer, force=False).can_receive
    customer.refresh_from_db()
    assert customer.ehf_status == "cannot_receive"


@pytest.mark.django_db
def test_an_smp_that_does_not_answer_is_a_clear_error_and_keeps_the_last_answer(
    smp, settings, customer, manager
):
    settings.PEPPOL_SMP_URL = smp.url
    smp.down = True
    with pytest.raises(ValidationError, match="could not be asked"):
        customer_ehf_verify(actor=manager, customer=customer)
    assert not EhfReceiver.objects.exists()


@pytest.mark.django_db
def test_the_verify_button_on_the_profile(smp, settings, client_for, customer, manager, reader):
    settings.PEPPOL_SMP_URL = smp.url
    smp.participants["923609016"] = BOTH
    page = client_for(manager).get(f"/customers/{customer.pk}/")
    assert b'data-testid="ehf-verify"' in page.content
    response = client_for(manager).post(f"/customers/{customer.pk}/ehf-verify/", follow=True)
    assert b"Accepts EHF Billing 3.0" in response.content or "Tar imot" in response.content.decode()
    assert client_for(reader).post(f"/customers/{customer.pk}/ehf-verify/").status_code == 403


def test_peppol_lookup_command(smp, settings, capsys):
    settings.PEPPOL_SMP_URL = smp.url
    smp.participants["923609016"] = BOTH
    call_command("peppol-lookup", "923609016")
    assert "can receive EHF: yes" in capsys.readouterr().out


@pytest.mark.django_db
def test_edit_mode_has_the_verify_button_and_ehf_is_suggested(client_for, customer, manager):
    from kunde.customers.models import Customer

    Customer.objects.filter(pk=customer.pk).update(ehf_status="can_receive")
    page = client_for(manager).get(f"/customers/{customer.pk}/edit/").content.decode()
    assert 'data-testid="ehf-verify"' in page
    assert 'data-testid="ehf-suggest"' in page
