"""A minimal Twilio Recordings REST endpoint served over real HTTP, for the download
job's tests until the simulator's REST emulator (`simulator/rest.py`) lands.

It speaks what the job uses: GET .../Recordings/{RE}.wav (Basic auth) and DELETE
.../Recordings/{RE}.json, and can misbehave: N answers of 5xx, or a 404.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import Flask, Response, request
from werkzeug.serving import make_server


@dataclass
class FakeTwilioRecordings:
    account_sid: str
    auth_token: str
    media: dict[str, bytes] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)  # sid → statuses to send

    def app(self) -> Flask:
        app = Flask("fake_twilio")
        prefix = f"/2010-04-01/Accounts/{self.account_sid}/Recordings"

        @app.get(f"{prefix}/<sid>.wav")
        def media(sid: str) -> Response:
            if not self._authorised():
                return Response(status=401)
            queued = self.failures.get(sid)
            if queued:
                return Response(f'{{"status": {queued[0]}}}', status=queued.pop(0))
            self.downloads.append(sid)
            if sid not in self.media:
                return Response('{"code": 20404}', status=404)
            return Response(self.media[sid], mimetype="audio/x-wav")

        @app.delete(f"{prefix}/<sid>.json")
        def delete(sid: str) -> Response:
            if not self._authorised():
                return Response(status=401)
            if sid not in self.media:
                return Response('{"code": 20404, "status": 404}', status=404,
                                mimetype="application/json")
            del self.media[sid]
            self.deleted.append(sid)
            return Response(status=204)

        return app

    def _authorised(self) -> bool:
        auth = request.authorization
        return bool(auth and auth.username == self.account_sid
                    and auth.password == self.auth_token)


class Served:
    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
