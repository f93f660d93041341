"""Signature checks accept exactly what Twilio signs, including behind a proxy."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from flask import Flask
from werkzeug.datastructures import MultiDict

from helpline.twilio_auth import is_valid_twilio_request
from tests.builders import TEST_AUTH_TOKEN, twilio_signature

PARAMS = {"CallSid": "CA" + "1" * 32, "From": "+66812345678", "To": "+661800000102"}
FORM = "application/x-www-form-urlencoded"
URL = "http://localhost/twilio/voice/incoming"


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
    assert not check("/twilio/voice/incoming?step=menu", PARAMS, signed)
    # A client's own X-Forwarded-* headers are not believed: only a trusted proxy's,
    # through ProxyFix (tests/helpline/test_proxy.py).
    assert not check("/twilio/voice/incoming?step=menu", PARAMS, signed,
                     headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "helpline.example"})


def check_body(path: str, body: str, signature: str, content_type: str = FORM) -> bool:
    app = Flask(__name__)
    with app.test_request_context(path, method="POST", data=body, content_type=content_type,
                                  headers={"X-Twilio-Signature": signature}):
        from flask import request

        return is_valid_twilio_request(request, TEST_AUTH_TOKEN, None)


def test_a_name_appended_again_to_a_signed_body_is_refused():
    signature = twilio_signature(URL, PARAMS)
    body = urlencode(PARAMS)
    assert check_body("/twilio/voice/incoming", body, signature)
    assert not check_body("/twilio/voice/incoming", body + "&CallSid=CA" + "2" * 32, signature)
    assert not check_body("/twilio/voice/incoming", body + "&To=%2B661800000101", signature)


def test_a_repeated_name_is_refused_even_when_every_value_is_signed():
    pairs = [*PARAMS.items(), ("Digits", "1"), ("Digits", "2")]
    signature = twilio_signature(URL, MultiDict(pairs))
    assert not check_body("/twilio/voice/incoming", urlencode(pairs), signature)


def test_a_name_repeated_in_the_query_or_across_query_and_form_is_refused():
    for query in ("?lang=km&lang=en", "?CallSid=CA" + "3" * 32):
        signature = twilio_signature(URL + query, PARAMS)
        assert not check_body("/twilio/voice/incoming" + query, urlencode(PARAMS), signature)
    signature = twilio_signature(URL + "?lang=km&tries=0", PARAMS)
    assert check_body("/twilio/voice/incoming?lang=km&tries=0", urlencode(PARAMS), signature)


def test_file_parts_the_signature_cannot_cover_are_refused():
    app = Flask(__name__)
    data = {**PARAMS, "upload": (io.BytesIO(b"not signed"), "x.txt")}
    with app.test_request_context("/twilio/voice/incoming", method="POST", data=data,
                                  content_type="multipart/form-data",
                                  headers={"X-Twilio-Signature": twilio_signature(URL, PARAMS)}):
        from flask import request

        assert request.form.to_dict() == PARAMS
        assert not is_valid_twilio_request(request, TEST_AUTH_TOKEN, None)


def test_a_signed_duplicate_gets_403_from_the_app_and_stores_nothing(client, db_session):
    from sqlalchemy import func, select

    from ivr.models import Call

    pairs = [*PARAMS.items(), ("CallSid", "CA" + "4" * 32)]
    response = client.post("/twilio/voice/incoming", data=urlencode(pairs), content_type=FORM,
                           headers={"X-Twilio-Signature": twilio_signature(
                               URL, MultiDict(pairs))})
    assert response.status_code == 403
    assert db_session.scalar(select(func.count(Call.id))) == 0
