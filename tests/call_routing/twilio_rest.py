"""A real HTTP server answering Twilio's Calls REST API, recording each request.

Twilio's own `Client` (redirected by TWILIO_API_BASE, as in production with the
stand-in) talks to it over real HTTP; tests assert on what the app asked Twilio
to do. Used until the shared stand-in fixture (`tests/stand_in.py`) lands.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass(frozen=True)
class RestRequest:
    method: str
    path: str
    form: dict[str, str]

    @property
    def call_sid(self) -> str | None:
        parts = self.path.removesuffix(".json").split("/")
        return parts[-1] if len(parts) >= 6 and parts[-2] == "Calls" else None


class RestRecorder:
    def __init__(self) -> None:
        self.requests: list[RestRequest] = []
        self.fail_next = 0
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                recorder.requests.append(RestRequest("POST", self.path, form))
                if recorder.fail_next:
                    recorder.fail_next -= 1
                    self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                sid = self.path.removesuffix(".json").split("/")[-1]
                if sid == "Calls":
                    sid = "CA" + f"{len(recorder.requests):032x}"
                self._reply(200, {"sid": sid, "status": form.get("Status", "in-progress")})

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> RestRecorder:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def updates_for(self, call_sid: str) -> list[dict[str, str]]:
        return [r.form for r in self.requests if r.call_sid == call_sid]

    def created(self) -> list[dict[str, str]]:
        return [r.form for r in self.requests if r.path.endswith("/Calls.json")]
