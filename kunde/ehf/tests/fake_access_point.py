"""A local stand-in for an access point's HTTP API (127.0.0.1, a thread): it accepts, rejects,
fails (500) or answers too late, as a test tells it, and remembers what it was sent."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeAccessPoint:
    def __init__(self):
        self.mode = "accept"  # accept, reject, fail, refuse (400), timeout
        self.fail_first = 0  # answer 503 to this many posts first, then as `mode` says
        self.documents: dict[str, dict] = {}  # idempotency key -> {"id", "xml", "status"}
        self.posts = 0
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                fake.posts += 1
                xml = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Authorization") != "Bearer secret":
                    return self._answer(401, {"error": "bad token"})
                if fake.mode == "timeout":
                    fake.release.wait(5)
                    return self._answer(500, {"error": "late"})
                if fake.mode == "fail" or fake.posts <= fake.fail_first:
                    return self._answer(503, {"error": "down for maintenance"})
                if fake.mode == "refuse":
                    return self._answer(400, {"error": "not a document we take"})
                key = self.headers["Idempotency-Key"]
                if key not in fake.documents:
                    status = "rejected" if fake.mode == "reject" else "sent"
                    fake.documents[key] = {
                        "id": f"doc-{len(fake.documents) + 1}",
                        "xml": xml,
                        "status": status,
                    }
                document = fake.documents[key]
                answer = {"id": document["id"], "status": document["status"]}
                if document["status"] == "rejected":
                    answer["reason"] = "Receiver not found in the Peppol network"
                return self._answer(201, answer)

            def do_GET(self):
                for document in fake.documents.values():
                    if self.path == f"/documents/{document['id']}":
                        return self._answer(
                            200, {"id": document["id"], "status": document["status"]}
                        )
                return self._answer(404, {"error": "unknown"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
