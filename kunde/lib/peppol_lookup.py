"""Peppol discovery: can a Norwegian organisation receive EHF (BIS Billing 3.0) invoices and
credit notes?

1. SML (BDXL): the participant id `iso6523-actorid-upis::0192:<orgnr>`, lowercased, SHA-256,
   base32 without padding, under `iso6523-actorid-upis.<SML domain>`; its NAPTR record
   (service `Meta:SMP`) names the SMP's URL. The DNS step is an injectable resolver.
2. SMP: `GET <smp>/iso6523-actorid-upis::0192:<orgnr>` lists the document types the participant
   receives (404: not registered).
"""

import base64
import hashlib
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

SCHEME = "iso6523-actorid-upis"
DOCTYPE_SCHEME = "busdox-docid-qns"
BILLING = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
INVOICE_DOCTYPE = f"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##{BILLING}"
CREDIT_NOTE_DOCTYPE = (
    f"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##{BILLING}"
)

# (name, record type) -> the records' text, e.g. NAPTR as
# '100 10 "U" "Meta:SMP" "!^.*$!https://smp.example.no!" .'
Resolver = Callable[[str, str], list[str]]


class LookupError_(Exception):
    """The network could not be asked (DNS or SMP not answering)."""


@dataclass(frozen=True)
class LookupResult:
    organization_number: str
    registered: bool
    accepts_invoice: bool
    accepts_credit_note: bool
    smp_url: str = ""

    @property
    def can_receive(self) -> bool:
        return self.accepts_invoice and self.accepts_credit_note


def participant(organization_number: str) -> str:
    return f"0192:{organization_number}"


def sml_name(organization_number: str, sml_domain: str) -> str:
    value = f"{SCHEME}::{participant(organization_number)}".lower().encode()
    digest = base64.b32encode(hashlib.sha256(value).digest()).decode().rstrip("=")
    return f"{digest}.{SCHEME}.{sml_domain}"


_NAPTR = re.compile(r'"(?P<service>[^"]*)"\s+"!\^\.\*\$!(?P<url>[^!]+)!"')


def dns_resolver(name: str, rdtype: str) -> list[str]:
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(name, rdtype, lifetime=5)
    except dns.resolver.NXDOMAIN:
        return []
    except dns.resolver.NoAnswer:
        return []
    except dns.exception.DNSException as exc:
        raise LookupError_(f"DNS lookup of {name} failed: {exc}") from exc
    return [record.to_text() for record in answer]


def smp_url(organization_number: str, sml_domain: str, resolver: Resolver) -> str | None:
    for record in resolver(sml_name(organization_number, sml_domain), "NAPTR"):
        match = _NAPTR.search(record)
        if match and match.group("service") == "Meta:SMP":
            return match.group("url").rstrip("/")
    return None


def document_types(smp: str, organization_number: str, timeout: float) -> list[str] | None:
    """The document type ids the SMP lists for the participant; None when not registered."""
    url = f"{smp}/{urllib.parse.quote(f'{SCHEME}::{participant(organization_number)}', safe='')}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise LookupError_(f"The SMP answered {exc.code}.") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise LookupError_(f"The SMP could not be reached: {exc}") from exc
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise LookupError_("The SMP's answer is not XML.") from exc
    types = []
    for element in root.iter("{*}ServiceMetadataReference"):
        href = urllib.parse.unquote(element.get("href", ""))
        marker = f"/services/{DOCTYPE_SCHEME}::"
        if marker in href:
            types.append(href.split(marker, 1)[1])
    return types


def lookup(
    organization_number: str,
    *,
    sml_domain: str,
    resolver: Resolver = dns_resolver,
    smp: str = "",
    timeout: float = 5.0,
) -> LookupResult:
    """Whether the organisation is in the Peppol network and takes BIS Billing 3.0 invoices and
    credit notes. `smp` skips the DNS step. Raises LookupError_ when the network cannot be
    asked."""
    smp = smp.rstrip("/") or smp_url(organization_number, sml_domain, resolver) or ""
    if not smp:
        return LookupResult(organization_number, False, False, False)
    types = document_types(smp, organization_number, timeout)
    if types is None:
        return LookupResult(organization_number, False, False, False, smp)
    return LookupResult(
        organization_number,
        True,
        INVOICE_DOCTYPE in types,
        CREDIT_NOTE_DOCTYPE in types,
        smp,
    )
