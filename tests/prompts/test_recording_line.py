"""The recording line without the stand-in: PIN sign-in and lock-out, the hand-over
of its calls from the helpline's incoming URL (signature checked), and its place in
the configuration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from agent_console.models import AuditEntry
from helpline.config import ConfigError, load_config, parse_config
from helpline.db import utcnow
from helpline.settings import DEMO_CONFIG
from prompts.recording_line import pins
from tests.builders import create_staff_member, signed_post

PIN = "730519"


@pytest.fixture
def speaker(app):
    with app.extensions["helpline"].db.session() as session:
        person = create_staff_member(session, email="noy@example.org", skills={"lo": 5})
        pins.set_pin(session, staff_id=person.id, pin=PIN, by_id=person.id)
        return person.id


def sign_in(app, staff_number: str, pin: str, **kw):
    with app.extensions["helpline"].db.session() as session:
        result = pins.sign_in(session, staff_number=staff_number, pin=pin, **kw)
        return (result.staff.id if result.staff else None), result.locked


def test_the_right_pin_signs_in_and_wrong_ones_lock_it_after_ten(app, speaker):
    assert sign_in(app, str(speaker), PIN) == (speaker, False)
    assert sign_in(app, "999999", PIN) == (None, False)      # no such staff member
    for _ in range(pins.LOCK_AFTER - 1):
        assert sign_in(app, str(speaker), "111111") == (None, False)
    assert sign_in(app, str(speaker), "111111") == (None, True)
    assert sign_in(app, str(speaker), PIN) == (None, True)   # locked: even the right one
    later = utcnow() + timedelta(minutes=pins.LOCK_MINUTES + 1)
    assert sign_in(app, str(speaker), PIN, now=later) == (speaker, False)
    with app.extensions["helpline"].db.session() as session:
        done = list(session.scalars(select(AuditEntry.action).where(
            AuditEntry.subject_id == str(speaker))))
    assert done.count("recording_line_signed_in") == 2
    assert done.count("recording_pin_locked") == 1


def test_a_call_to_the_recording_line_at_the_helpline_url_is_handed_over(client):
    params = {"CallSid": "CA" + "1" * 32, "To": "+661800000190", "From": "+66812345678",
              "AccountSid": "AC" + "0" * 32, "CallStatus": "ringing"}
    response = signed_post(client, "/twilio/voice/incoming", params)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<Redirect" in body and "/twilio/recording-line/incoming" in body
    assert client.post("/twilio/voice/incoming", data=params).status_code == 403
    helpline = signed_post(client, "/twilio/voice/incoming", {**params, "To": "+661800000102"})
    assert "/twilio/recording-line" not in helpline.get_data(as_text=True)


def test_the_line_asks_for_the_staff_number_and_refuses_unsigned_requests(client):
    params = {"CallSid": "CA" + "2" * 32, "To": "+661800000190"}
    assert client.post("/twilio/recording-line/incoming", data=params).status_code == 403
    body = signed_post(client, "/twilio/recording-line/incoming", params).get_data(
        as_text=True)
    assert "<Gather" in body and 'finishOnKey="#"' in body and "staff number" in body
    # Steps after the PIN need a signed-in call: without one, back to the start.
    menu = signed_post(client, "/twilio/recording-line/menu?lang=lo", params)
    assert "/twilio/recording-line/incoming" in menu.get_data(as_text=True)


def demo_raw() -> dict:
    import yaml

    return yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))


def test_the_demo_configuration_has_a_recording_line():
    line = load_config(DEMO_CONFIG).recording_line
    assert line is not None and line.number == "+661800000190" and line.pin_attempts == 3


def test_the_recording_line_needs_a_number_of_its_own():
    raw = demo_raw()
    raw["recording_line"] = {"number": "+661800000102"}
    with pytest.raises(ConfigError) as refused:
        parse_config(raw)
    assert any(p.startswith("recording_line.number:") and "numbers[1]" in p
               for p in refused.value.problems), refused.value.problems
    raw["recording_line"] = {"number": "+661800000190", "pin_tries": 3}
    with pytest.raises(ConfigError) as refused:
        parse_config(raw)
    assert any("recording_line.pin_tries" in p for p in refused.value.problems)
