"""A small purpose-built TwiML app for testing the stand-in (not the helpline's IVR).

Each test puts the documents it needs into `app.documents[path]` (a string, or a
function of the request form returning a string or `(body, status, content_type)`);
every request is logged with its parameters and whether its X-Twilio-Signature
was valid for the test auth token.
"""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

from tests.builders import TEST_AUTH_TOKEN

Document = str | Callable[[dict[str, str]], Any]


@dataclass
class Hit:
    method: str
    path: str
    params: dict[str, str]
    signature_valid: bool
    headers: dict[str, str]


def tone_wav(seconds: float, rate: int = 8000, frequency: float = 440.0) -> bytes:
    buffer = BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        frames = int(seconds * rate)
        writer.writeframes(b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * i / rate)))
            for i in range(frames)))
    return buffer.getvalue()


class TwimlApp:
    def __init__(self, auth_token: str = TEST_AUTH_TOKEN) -> None:
        self.documents: dict[str, Document] = {}
        self.hits: list[Hit] = []
        self.audio = {"/audio/tone2s.wav": tone_wav(2.0), "/audio/tone7s.wav": tone_wav(7.0)}
        self.validator = RequestValidator(auth_token)
        self.flask = self._build()
        self.base_url = ""

    def url(self, path: str) -> str:
        return self.base_url + path

    def hits_to(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]

    def _build(self) -> Flask:
        app = Flask(__name__)

        @app.route("/<path:path>", methods=["GET", "POST"])
        def any_path(path: str) -> Any:
            path = "/" + path
            params = (request.form.to_dict() if request.method == "POST"
                      else request.args.to_dict())
            signed = self.validator.validate(
                request.url, request.form.to_dict() if request.method == "POST" else {},
                request.headers.get("X-Twilio-Signature", ""))
            self.hits.append(Hit(request.method, path, params, bool(signed),
                                 dict(request.headers)))
            if not signed:
                return Response("bad signature", status=403)
            if path in self.audio:
                return Response(self.audio[path], content_type="audio/wav")
            document = self.documents.get(path)
            if document is None:
                return Response("not found", status=404)
            result = document(params) if callable(document) else document
            if isinstance(result, tuple):
                body, status, content_type = result
                return Response(body, status=status, content_type=content_type)
            return Response(result, content_type="text/xml")

        return app
