"""Callbacks end to end through the Twilio stand-in: a caller asks to be called back;
an agent who speaks their language accepts the request; the agent's phone rings,
then the caller's, from the helpline's number — the agent never sees the number."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from ivr.models import Call, CallbackRequest, CallEvent
from tests.builders import create_staff_member
from tests.call_routing.test_end_to_end import wait_for_offer

NEPALI_LINE = "+661800000104"
CALLER = "+9779812345678"
PASSWORD = "correct horse battery"


def until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def request_status(stand_in) -> str:
    with stand_in.services.db.session() as session:
        return session.scalar(select(CallbackRequest.status))


@pytest.mark.parametrize("caller_answers", [True, False])
def test_an_agent_calls_the_caller_back(stand_in, caller_answers):
    result = stand_in.call(to=NEPALI_LINE, from_=CALLER, press=["3", "1"])
    assert result.prompt_ids[-2:] == ["callback_confirmed", "goodbye"]
    with stand_in.services.db.session() as session:
        agent = create_staff_member(session, email="bishnu@example.org", skills={"ne": 5},
                                    password=PASSWORD).id
    softphone = stand_in.softphone(f"agent-{agent}", answer_after=1, talk_seconds=None)
    phone = stand_in.phone(CALLER, answer_after=3, talk_seconds=40,
                           reject=not caller_answers)
    app = stand_in.app_url
    assert stand_in.http.post(f"{app}/login", allow_redirects=False,
                              data={"email": "bishnu@example.org",
                                    "password": PASSWORD}).status_code == 302
    went = stand_in.http.post(f"{app}/api/agents/me/state", json={"state": "available"})
    assert went.json()["state"] in ("available", "reserved")   # offered at once

    stand_in.pace = 0.01
    offer = wait_for_offer(stand_in)
    assert offer["call_sid"] == result.sid
    assert "9812345678" not in str(offer)                      # masked for the agent
    accepted = stand_in.http.post(f"{app}/api/agents/me/offer/accept")
    assert accepted.status_code == 200 and accepted.json()["callback"] is True

    until(lambda: request_status(stand_in) != "dialling")
    assert request_status(stand_in) == ("done" if caller_answers else "open")
    assert [ring["result"] for ring in softphone.rings] == ["answered"]
    assert [ring["result"] for ring in phone.rings] == (
        ["answered"] if caller_answers else ["busy"])
    # The outbound leg came from the helpline number the caller had called.
    [agent_leg] = [call for call in stand_in.engine.calls.values()
                   if call.to == f"client:agent-{agent}"]
    assert agent_leg.from_ == NEPALI_LINE
    # The caller's number reached Twilio only inside TwiML, never in a URL.
    assert not any("9812345678" in url for call in stand_in.engine.calls.values()
                   for url in call.path)

    until(lambda: stand_in.http.get(f"{app}/api/agents/me/state").json()["state"]
          == "wrap_up")
    with stand_in.services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == result.sid))
        attempt = session.scalar(select(CallEvent.detail).where(
            CallEvent.call_id == call.id, CallEvent.kind == "callback_attempt"))
    assert attempt == {"reached": caller_answers, "agent_id": agent}
