"""The voice webhooks over the Flask test client: signed like Twilio, TwiML asserted by XPath."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from helpline.db import Base
from ivr.models import Call, CallbackRequest, Caller, CallEvent, Notice
from tests.builders import signed_post

CALLER = "+66812345678"


def sid(n: int = 1) -> str:
    return f"CA{n:032x}"


def voice(client, path: str, *, to: str = "+661800000102", call_sid: str | None = None,
          **fields: str):
    params = {"CallSid": call_sid or sid(), "AccountSid": "AC" + "1" * 32, "From": CALLER,
              "To": to, "CallStatus": "in-progress", "Direction": "inbound",
              "ApiVersion": "2010-04-01", **fields}
    response = signed_post(client, path, params)
    assert response.status_code in (200, 204), response.data
    return response


def twiml(response) -> ET.Element:
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    return root


def spoken(root: ET.Element) -> list[str]:
    """Play URLs and Say texts in document order."""
    return [(el.text or "").strip() for el in root.iter() if el.tag in ("Play", "Say")]


def test_incoming_on_the_myanmar_line_offers_five_languages(client, db_session):
    root = twiml(voice(client, "/twilio/voice/incoming", to="+661800000101"))
    gather = root.find("./Gather")
    assert gather is not None
    assert gather.get("action").endswith("/twilio/voice/language?tries=0")
    assert gather.get("numDigits") == "1" and gather.get("actionOnEmptyResult") == "true"
    options = list(gather)
    assert len(options) == 5
    call = db_session.scalar(select(Call))
    assert call.call_sid == sid() and call.number_called == "+661800000101"


def test_replayed_incoming_creates_one_call_one_caller_no_duplicate_events(client, db_session):
    for _ in range(3):
        voice(client, "/twilio/voice/incoming")
    assert db_session.scalar(select(func.count(Call.id))) == 1
    assert db_session.scalar(select(func.count(Caller.id))) == 1
    kinds = db_session.scalars(select(CallEvent.kind)).all()
    assert kinds.count("language_chosen") == 1


def test_direct_line_plays_consent_welcome_and_menu_all_inside_the_gather(client, db_session):
    root = twiml(voice(client, "/twilio/voice/incoming", to="+661800000102"))
    # Nothing outside the Gather: a key during any of it is the caller's menu choice.
    assert [el.tag for el in root] == ["Gather"]
    gather = root.find("./Gather")
    assert gather.get("action").endswith("/twilio/voice/main?lang=km&tries=0")
    assert gather.get("actionOnEmptyResult") == "true"
    assert len(gather) == 7      # notice, welcome, five options
    assert "consent_notice" in spoken(gather)[0] and "welcome" in spoken(gather)[1]
    call = db_session.scalar(select(Call))
    assert call.language == "km" and call.consented_to_recording is True


def test_language_choice_sets_dialect(client, db_session):
    voice(client, "/twilio/voice/incoming", to="+661800000101")
    root = twiml(voice(client, "/twilio/voice/language?tries=0", to="+661800000101", Digits="2"))
    assert root.find("./Gather").get("action").endswith("/twilio/voice/main?lang=shn&tries=0")
    call = db_session.scalar(select(Call))
    assert (call.language, call.dialect) == ("shn", "shn")


def test_unknown_number_gets_the_default_flow_and_an_admin_notice(client, db_session):
    root = twiml(voice(client, "/twilio/voice/incoming", to="+669999999999"))
    assert root.find("./Gather").get("action").endswith("/twilio/voice/language?tries=0")
    notice = db_session.scalar(select(Notice))
    assert notice.kind == "unknown_number" and "+669999999999" in notice.message
    assert CALLER not in notice.message


def test_voicemail_record_verb(client):
    voice(client, "/twilio/voice/incoming")
    root = twiml(voice(client, "/twilio/voice/main?lang=km&tries=0", Digits="2"))
    record = root.find("./Record")
    assert record is not None
    assert record.get("maxLength") == "180" and record.get("finishOnKey") == "#"
    assert record.get("trim") == "trim-silence" and record.get("playBeep") == "true"
    assert record.get("recordingStatusCallback").endswith(
        "/twilio/recordings/status?kind=voicemail&lang=km")
    assert record.get("recordingStatusCallbackEvent") == "completed absent"
    assert record.get("action").endswith("/twilio/voice/voicemail/done?lang=km")


@pytest.mark.parametrize(("duration", "outcome"), [("0", None), ("12", "voicemail")])
def test_voicemail_done(client, db_session, duration, outcome):
    voice(client, "/twilio/voice/incoming")
    root = twiml(voice(client, "/twilio/voice/voicemail/done?lang=km",
                       RecordingDuration=duration, RecordingSid="RE" + "0" * 32))
    call = db_session.scalar(select(Call))
    assert call.outcome == outcome
    assert (root.find("./Hangup") is not None) == (outcome is not None)


def test_callback_on_the_calling_number_is_stored_encrypted(client, db_session, services):
    voice(client, "/twilio/voice/incoming")
    root = twiml(voice(client, "/twilio/voice/main?lang=km&tries=0", Digits="3"))
    assert root.find("./Gather").get("action").endswith("/twilio/voice/callback/choice?lang=km")
    # The confirmation names only the last two digits (it travels in a prompt URL).
    confirm = " ".join(spoken(root))
    assert "last_digits=78" in confirm and "678" not in confirm
    root = twiml(voice(client, "/twilio/voice/callback/choice?lang=km", Digits="1"))
    assert root.find("./Hangup") is not None
    request = db_session.scalar(select(CallbackRequest))
    assert request.language == "km"
    assert services.pii.decrypt(request.number_encrypted) == CALLER
    assert db_session.scalar(select(Call)).outcome == "callback_requested"


def test_callback_on_a_keyed_in_number(client, db_session, services):
    voice(client, "/twilio/voice/incoming", From="anonymous")
    root = twiml(voice(client, "/twilio/voice/main?lang=km&tries=0", Digits="3",
                       From="anonymous"))
    gather = root.find("./Gather")
    assert gather.get("finishOnKey") == "#" and gather.get("numDigits") is None
    bad = twiml(voice(client, "/twilio/voice/callback/entered?lang=km&tries=0", Digits="123",
                      From="anonymous"))
    assert bad.find("./Gather").get("action").endswith("callback/entered?lang=km&tries=1")
    voice(client, "/twilio/voice/callback/entered?lang=km&tries=1", Digits="0898765432",
          From="anonymous")
    request = db_session.scalar(select(CallbackRequest))
    assert services.pii.decrypt(request.number_encrypted) == "+66898765432"


def test_no_caller_number_in_plaintext_anywhere_after_a_callback(client, db_session):
    voice(client, "/twilio/voice/incoming")
    voice(client, "/twilio/voice/main?lang=km&tries=0", Digits="3")
    voice(client, "/twilio/voice/callback/choice?lang=km", Digits="1")
    connection = db_session.connection()
    for table in Base.metadata.sorted_tables:
        for row in connection.execute(select(table)):
            assert "812345678" not in " ".join(str(v) for v in row)


def test_status_callback_records_hung_up_in_menu_once(client, db_session):
    voice(client, "/twilio/voice/incoming")
    for _ in range(2):
        voice(client, "/twilio/voice/status", CallStatus="completed", CallDuration="14")
    call = db_session.scalar(select(Call))
    assert call.outcome == "hung_up_in_menu" and call.duration_seconds == 14
    assert call.ended_at is not None
    kinds = db_session.scalars(select(CallEvent.kind)).all()
    assert kinds.count("ended") == 1


def test_missing_fields_still_get_valid_twiml(client):
    response = signed_post(client, "/twilio/voice/incoming", {"To": "+661800000102"})
    root = twiml(response)
    assert spoken(root), "the caller hears an apology, not silence"
    response = signed_post(client, "/twilio/voice/main?lang=km", {"Digits": "1"})
    root = twiml(response)
    assert root.find("./Record").get("action").endswith("/twilio/voice/voicemail/saved?lang=km")
    assert root.find("./Redirect").text.endswith("/twilio/voice/voicemail/saved?lang=km")


def test_every_twilio_route_refuses_a_bad_signature(app, client):
    rules = [rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/twilio/")]
    assert len(rules) >= 12
    for path in rules:
        response = client.post(path, data={"CallSid": sid()},
                               headers={"X-Twilio-Signature": "bad"})
        assert response.status_code == 403, path
        assert client.post(path, data={"CallSid": sid()}).status_code == 403, path


def test_when_even_prompts_fail_the_caller_hears_the_recorded_apology(client, services):
    """Never Twilio's "application error": the last resort needs no resolver or database."""
    services.extras.pop("prompts")
    root = twiml(voice(client, "/twilio/voice/main?lang=km&tries=0", Digits="1"))
    assert [el.tag for el in root] == ["Play", "Hangup"]
    assert root.find("./Play").text == "/prompts/audio/km/technical_problem.wav"
