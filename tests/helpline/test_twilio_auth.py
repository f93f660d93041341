"""Signature checks accept exactly what Twilio signs, including behind a proxy."""

from __future__ import annotations

from flask import Flask

from helpline.twilio_auth import is_valid_twilio_request
from tests.builders import TEST_AUTH_TOKEN, twilio_signature

PARAMS = {"CallSid": "CA" + "1" * 32, "From": "+66812345678", "To": "+661800000102"}


def check(path: str, params: dict, signature: str, public_base: str | None = None,
          headers: dict | None = None) -> bool:
    app = Flask(__name__)
    with app.test_request_context(path, method="POST", data=params,
                                  headers={"X-Twilio-Signature": signature, **(headers or {})}):
        from flask import request

        return is_valid_twilio_request(request, TEST_AUTH_TOKEN, public_base)


def test_valid_signature_is_accepted():
    signature = twilio_signature("http://localhost/twilio/voice/incoming", PARAMS)
    assert check("/twilio/voice/incoming", PARAMS, signature)


def test_wrong_token_tampered_params_or_no_signature_are_refused():
    wrong = twilio_signature("http://localhost/twilio/voice/incoming", PARAMS, "f" * 32)
    assert not check("/twilio/voice/incoming", PARAMS, wrong)
    good = twilio_signature("http://localhost/twilio/voice/incoming", PARAMS)
    assert not check("/twilio/voice/incoming", {**PARAMS, "To": "+661800000101"}, good)
    assert not check("/twilio/voice/incoming", PARAMS, "")


def test_behind_a_proxy_the_public_url_is_what_was_signed():
    signed = twilio_signature("https://helpline.example/twilio/voice/incoming?step=menu",
                              PARAMS)
    assert check("/twilio/voice/incoming?step=menu", PARAMS, signed,
                 public_base="https://helpline.example")
    assert check("/twilio/voice/incoming?step=menu", PARAMS, signed,
                 headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "helpline.example"})
    assert not check("/twilio/voice/incoming?step=menu", PARAMS, signed)
