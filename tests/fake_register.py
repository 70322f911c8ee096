"""A local stand-in for Enhetsregisteret's open JSON API (data.brreg.no/enhetsregisteret/api).

It answers the two calls kunde.lib.brreg makes, with the same JSON shapes as the real register:

    GET /enheter/<orgnr>          one entity; 404 when unknown, 400 when not nine digits
    GET /enheter?navn=..&size=N   {"_embedded": {"enheter": [...]}, "page": {...}}; like the real
                                  register, the "_embedded" key is missing when nothing matches

Set `delay` to a number of seconds longer than the client's timeout to make the register "not
answer"; stop() releases requests that are still waiting, so no thread outlives the test.
"""

import json
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def _address(lines, postcode, city, municipality):
    return {
        "land": "Norge",
        "landkode": "NO",
        "postnummer": postcode,
        "poststed": city,
        "adresse": lines,
        "kommune": municipality,
    }


def _entity(number, name, form, business, postal=None, vat=True):
    code, description = form
    entity = {
        "organisasjonsnummer": number,
        "navn": name,
        "organisasjonsform": {"kode": code, "beskrivelse": description},
        "forretningsadresse": business,
        "registrertIMvaregisteret": vat,
        "registrertIForetaksregisteret": code != "ENK",
        "konkurs": False,
        "underAvvikling": False,
    }
    if postal:
        entity["postadresse"] = postal
    return entity


# Valid organisation numbers (MOD11 with weights 3,2,7,6,5,4,3,2; they start with 8 or 9).
FJELLHEIM = "923609016"
NORDLYS = "987654325"
FJELLSTUA = "812345672"
HAVBRIS = "998877660"
AS = ("AS", "Aksjeselskap")
ENK = ("ENK", "Enkeltpersonforetak")

COMPANIES = [
    _entity(
        FJELLHEIM,
        "Fjellheim Konsult AS",
        AS,
        business=_address(["Storgata 12"], "0155", "OSLO", "OSLO"),
        postal=_address(["Postboks 1234 Sentrum"], "0106", "OSLO", "OSLO"),
    ),
    _entity(
        NORDLYS,
        "Nordlys Regnskap AS",
        AS,
        business=_address(["Bryggen 3", "3. etasje"], "5003", "BERGEN", "BERGEN"),
    ),
    _entity(
        FJELLSTUA,
        "Fjellstua Kafé Ingrid Berg",
        ENK,
        business=_address(["Fjellveien 8"], "3660", "RJUKAN", "TINN"),
        vat=False,
    ),
    _entity(
        HAVBRIS,
        "Havbris Eiendom AS",
        AS,
        business=_address(["Kjøpmannsgata 40"], "7013", "TRONDHEIM", "TRONDHEIM"),
    ),
]

BAD_NUMBER = {
    "status": 400,
    "error": "Bad Request",
    "valideringsfeil": [{"feilmelding": "Ugyldig organisasjonsnummer"}],
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # In slow mode the client has hung up before the answer; that is the point, not an error.
        if not isinstance(sys.exception(), ConnectionError):
            super().handle_error(request, client_address)


class FakeRegister:
    """The fake register's data and switches; `url` is what BRREG_BASE_URL should be."""

    def __init__(self, companies=COMPANIES):
        self.companies = {company["organisasjonsnummer"]: company for company in companies}
        self.delay = 0.0  # seconds each request waits before answering
        self.requests: list[str] = []  # the paths and queries asked for, in order
        self._released = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeRegister":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()  # wake requests that are sleeping in slow mode
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def search(self, name: str, size: int) -> dict:
        wanted = name.casefold()
        matches = [c for c in self.companies.values() if wanted in c["navn"].casefold()]
        shown = matches[:size]
        answer = {
            "_links": {"self": {"href": f"/enheter?navn={name}&size={size}"}},
            "page": {
                "size": size,
                "totalElements": len(matches),
                "totalPages": -(-len(matches) // size) if size else 0,
                "number": 0,
            },
        }
        if shown:
            answer["_embedded"] = {"enheter": shown}
        return answer

    def _handler_class(self):
        register = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                register.requests.append(self.path)
                if register.delay and register._released.wait(register.delay):
                    return  # stopped while waiting: the client has long given up
                parts = urlsplit(self.path)
                path = parts.path.rstrip("/")
                if path == "/enheter":
                    query = parse_qs(parts.query)
                    name = query.get("navn", [""])[0]
                    size = int(query.get("size", ["20"])[0])
                    self._json(HTTPStatus.OK, register.search(name, size))
                elif path.startswith("/enheter/"):
                    number = path.removeprefix("/enheter/")
                    if not (number.isdigit() and len(number) == 9):
                        self._json(HTTPStatus.BAD_REQUEST, BAD_NUMBER)
                    elif number in register.companies:
                        self._json(HTTPStatus.OK, register.companies[number])
                    else:
                        self._json(HTTPStatus.NOT_FOUND, None)
                else:
                    self._json(HTTPStatus.NOT_FOUND, None)

            def _json(self, status: HTTPStatus, body) -> None:
                data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):  # keep the test output clean
                pass

        return Handler
