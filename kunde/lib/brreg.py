"""A small client for Enhetsregisteret's open JSON API (the Norwegian business register).

Why not the `brreg` package: it fixes the base URL and gives no timeout control, and the register
must be replaceable by a local test server and must never hang a page. Two calls are all we need.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field


class RegisterUnavailable(Exception):
    """The register did not answer in time or answered with an error."""


@dataclass(frozen=True)
class RegisterAddress:
    lines: list[str] = field(default_factory=list)
    postcode: str = ""
    city: str = ""
    country: str = "NO"


@dataclass(frozen=True)
class RegisterEntity:
    organization_number: str
    name: str
    organization_form: str  # e.g. "AS", "ENK", "NUF"
    organization_form_name: str
    business_address: RegisterAddress
    postal_address: RegisterAddress | None
    vat_registered: bool
    deleted: bool

    def as_dict(self) -> dict:
        return asdict(self)


def _address(data: dict | None) -> RegisterAddress | None:
    if not data:
        return None
    return RegisterAddress(
        lines=[line for line in data.get("adresse") or [] if line],
        postcode=data.get("postnummer") or "",
        city=data.get("poststed") or "",
        country=data.get("landkode") or "NO",
    )


def _entity(data: dict) -> RegisterEntity:
    form = data.get("organisasjonsform") or {}
    return RegisterEntity(
        organization_number=data["organisasjonsnummer"],
        name=data.get("navn", ""),
        organization_form=form.get("kode", ""),
        organization_form_name=form.get("beskrivelse", ""),
        business_address=_address(data.get("forretningsadresse")) or RegisterAddress(),
        postal_address=_address(data.get("postadresse")),
        vat_registered=bool(data.get("registrertIMvaregisteret")),
        deleted=bool(data.get("slettedato")),
    )


class RegisterClient:
    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _get(self, path: str, params: dict | None = None) -> dict | None:
        url = f"{self.base_url}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):  # unknown, or removed from public view
                return None
            raise RegisterUnavailable(f"The register answered {exc.code}.") from exc
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise RegisterUnavailable("The register did not answer.") from exc

    def get(self, organization_number: str) -> RegisterEntity | None:
        data = self._get(f"/enheter/{organization_number}")
        return _entity(data) if data else None

    def search(self, name: str, limit: int = 10) -> list[RegisterEntity]:
        data = self._get("/enheter", {"navn": name, "size": limit}) or {}
        return [_entity(item) for item in data.get("_embedded", {}).get("enheter", [])]
