"""Every response carries the security headers: pages, static files, JSON, errors, TwiML."""

from __future__ import annotations

import pytest

from helpline.security_headers import CONTENT_SECURITY_POLICY
from tests.builders import signed_post

EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_headers(response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    assert "Strict-Transport-Security" not in response.headers  # http here


def test_the_policy_refuses_inline_script_and_framing():
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


@pytest.mark.parametrize("path", ["/login", "/console/static/console.js", "/healthz",
                                  "/no-such-page", "/console/agent"])
def test_pages_static_files_health_and_errors(client, path):
    assert_headers(client.get(path))


def test_twiml_and_a_refused_webhook(client):
    params = {"CallSid": "CA" + "1" * 32, "AccountSid": "AC" + "1" * 32,
              "From": "+66812345678", "To": "+661800000102", "CallStatus": "ringing"}
    twiml = signed_post(client, "/twilio/voice/incoming", params)
    assert twiml.status_code == 200 and twiml.mimetype == "text/xml"
    assert_headers(twiml)
    assert_headers(client.post("/twilio/voice/incoming", data=params))  # unsigned: 403


def test_https_behind_a_trusted_proxy_adds_hsts(client):
    # Without TRUSTED_PROXY_HOPS the request is what the socket says: https itself.
    response = client.get("/login", base_url="https://helpline.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
