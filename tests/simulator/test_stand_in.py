"""The shared end-to-end fixture against the REAL helpline app: the app's /twilio/*
routes verify the stand-in's signature, reach the emulator through twilio's
Client, and a simulator with the wrong auth token is refused everywhere."""

import pytest
import requests

from simulator.engine import NumberRoute, VoiceEngine
from simulator.voice.webhooks import WebhookClient

LINES = ["+661800000101", "+661800000102", "+661800000103", "+661800000104",
         "+601800881010", "+661800000199"]


def twilio_rules(app):
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if rule.rule.startswith("/twilio/")})


def test_stand_in_serves_the_real_app_and_shares_the_clock(stand_in):
    checks = requests.get(stand_in.app_url + "/healthz", timeout=5).json()["checks"]
    assert checks["database"]["ok"] and checks["redis"]["ok"]   # no rq worker runs here
    assert stand_in.services.clock is stand_in.clock is stand_in.engine.clock
    assert stand_in.settings.twilio_api_base == stand_in.rest_url
    assert stand_in.settings.public_base_url == stand_in.app_url


def test_wrong_auth_token_gets_403_from_every_twilio_url(stand_in):
    rules = twilio_rules(stand_in.app)
    assert "/twilio/voice/incoming" in rules and "/twilio/voice/status" in rules
    wrong = WebhookClient("f" * 32)
    right = WebhookClient(stand_in.settings.twilio_auth_token)
    params = {"CallSid": "CA" + "0" * 32, "AccountSid": stand_in.settings.twilio_account_sid,
              "From": "+959123456789", "To": LINES[0], "CallStatus": "ringing"}
    for rule in rules:
        url = stand_in.app_url + rule
        assert wrong.send(None, "voice", url, "POST", params).status == 403, rule
        assert right.send(None, "voice", url, "POST", params).status != 403, rule


def test_unsigned_and_replayed_to_another_url_requests_are_refused(stand_in):
    url = stand_in.app_url + "/twilio/voice/incoming"
    assert requests.post(url, data={"CallSid": "CA" + "0" * 32}, timeout=5).status_code == 403
    client = WebhookClient(stand_in.settings.twilio_auth_token)
    from simulator.voice.webhooks import signed_url_and_body

    _, body, signature = signed_url_and_body(url, "POST", {"CallSid": "CA" + "1" * 32},
                                             stand_in.settings.twilio_auth_token)
    moved = stand_in.app_url + "/twilio/voice/status"
    response = requests.post(moved, data=body, headers={"X-Twilio-Signature": signature},
                             timeout=5)
    assert response.status_code == 403
    assert client.send(None, "status", moved, "POST", body).status != 403


@pytest.mark.parametrize("line", LINES)
def test_every_demo_line_answers_a_call_without_application_error(stand_in, line):
    result = stand_in.call(to=line, hangup_after=20)
    assert result.webhooks[0]["url"] == stand_in.app_url + "/twilio/voice/incoming"
    assert result.webhooks[0]["status"] == 200
    assert not [n for n in result.notices if n["fatal"]], result.notices
    assert result.heard, "the caller must never hear silence"
    assert result.outcome["kind"] != "error"


def test_simulator_with_the_wrong_token_ends_in_application_error(stand_in):
    engine = VoiceEngine(account_sid=stand_in.settings.twilio_account_sid,
                         auth_token="f" * 32, clock=stand_in.clock,
                         routes={LINES[0]: NumberRoute(stand_in.app_url
                                                       + "/twilio/voice/incoming")})
    call = engine.call(to=LINES[0])
    assert call.webhooks[0].status == 403
    assert call.notices[0].code == 11200 and call.ended_by == "error"
