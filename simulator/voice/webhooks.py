"""Requests to the app, made and signed exactly as Twilio makes them.

POST: form-encoded parameters, signature over the URL plus the sorted
parameters. GET: parameters appended to the query string, signature over that
full URL. Signed with the auth token (HMAC-SHA1), or, as Twilio does for URLs a
Webhooks Rule matches, with a SharedKey's secret and its algorithm, naming both in
X-Twilio-Webhooks-Signature-Settings (`SharedKey`). Every request is timed and
logged on its call (`Webhook`), so the CLI and the benchmark can report status and
latency per URL.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from twilio.request_validator import (
    HMAC_SHA1,
    HMAC_SHA256,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
)

from simulator.call import LiveCall, Webhook
from simulator.faults import Faults

USER_AGENT = "TwilioProxy/1.1"
DEFAULT_TIMEOUT = 15.0      # Twilio's webhook timeout


@dataclass
class Response:
    status: int | None
    body: bytes
    content_type: str
    latency_ms: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class SharedKey:
    """A Twilio SharedKey a Webhook Setting signs with: its id (webhooks_sharedkey_...),
    its secret, and the Setting's algorithm."""
    key_id: str
    secret: str
    algorithm: str = HMAC_SHA256

    @property
    def settings_header(self) -> str:
        return f"key={self.key_id},algorithm={self.algorithm}"


def signed_url_and_body(url: str, method: str, params: dict[str, str], auth_token: str,
                        algorithm: str = HMAC_SHA1
                        ) -> tuple[str, dict[str, str] | None, str]:
    """(URL to request, form body or None, X-Twilio-Signature)."""
    validator = RequestValidator(auth_token)
    if method == "GET":
        full = url + ("&" if "?" in url else "?") + urlencode(params) if params else url
        return full, None, validator.compute_signature(full, {}, algorithm)
    return url, params, validator.compute_signature(url, params, algorithm)


class WebhookClient:
    def __init__(self, auth_token: str, faults: Faults | None = None,
                 timeout: float = DEFAULT_TIMEOUT, shared_key: SharedKey | None = None) -> None:
        self.auth_token = auth_token
        # Set: every webhook is signed as a Webhooks Rule matching all URLs would sign it.
        self.shared_key = shared_key
        self.faults = faults or Faults()
        self.timeout = timeout
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def send(self, call: LiveCall | None, purpose: str, url: str, method: str,
             params: dict[str, str]) -> Response:
        response = self._send(url, method, params)
        if call is not None:
            call.webhooks.append(Webhook(purpose, url, method, response.status,
                                         round(response.latency_ms, 2), response.error))
        return response

    def _send(self, url: str, method: str, params: dict[str, str]) -> Response:
        fault = self.faults.take("webhook", url)
        if fault is not None and fault.kind == "drop":
            return Response(None, b"", "", 0.0, "connection refused (injected)")
        key = self.shared_key
        request_url, body, signature = signed_url_and_body(
            url, method, params, key.secret if key else self.auth_token,
            key.algorithm if key else HMAC_SHA1)
        headers = {"X-Twilio-Signature": signature, "User-Agent": USER_AGENT,
                   "I-Twilio-Idempotency-Token": str(uuid.uuid4())}
        if key is not None:
            headers[SIGNATURE_SETTINGS_HEADER] = key.settings_header
        started = time.perf_counter()
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds)
        try:
            answer = self._session().request(method, request_url, data=body, headers=headers,
                                             timeout=self.timeout, allow_redirects=True)
        except requests.Timeout:
            return Response(None, b"", "", _ms(started), "timed out")
        except requests.RequestException as exc:
            return Response(None, b"", "", _ms(started), f"connection failed: {type(exc).__name__}")
        latency = _ms(started)
        if fault is not None and fault.kind == "timeout":
            return Response(None, b"", "", latency, "timed out (injected)")
        content_type = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
        return Response(answer.status_code, answer.content, content_type, latency)

    def fetch_media(self, url: str) -> Response:
        """GET a <Play> file (signed, as Twilio signs media fetches too)."""
        return self._send(url, "GET", {})


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
