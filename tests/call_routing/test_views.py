"""The agents' JSON API and the bridge webhooks, through the Flask test client.

Twilio's REST API is the stand-in's emulator over real HTTP (the `twilio_rest`
fixture): each caller is a live call there, and tests assert on what the app asked
of it (its request log). Redis and the database are real; time is simulated.
"""

from __future__ import annotations

import functools
import json
import time
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from agent_console.models import AgentStateChange, StaffSkill, StaffUser
from agent_console.staff import hash_password
from call_routing import policy
from call_routing.gateway import call_queue
from call_routing.live import LIVE_CHANNEL
from call_routing.service import routing_service
from ivr.models import Call, CallbackRequest, Caller, CallEvent
from simulator.call import LiveCall
from tests.builders import create_staff_member, login_as, signed_post


def caller_number(n: int) -> str:
    return f"+668123456{n:02d}"


def sid(n: int) -> str:
    return f"CA{n:032x}"


@functools.cache
def password_hash() -> str:
    # Argon2 is slow on purpose; hash once per session, not for every staff member.
    return hash_password("correct horse battery")


def quick_staff(session, *, email: str, skills: dict[str, int], role: str = "agent"):
    user = StaffUser(email=email, role=role, display_name=email.split("@")[0],
                     password_hash=password_hash(),
                     skills=[StaffSkill(language=k, proficiency=v) for k, v in skills.items()])
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def staff(db_session):
    khmer = create_staff_member(db_session, email="khmer@example.org", skills={"km": 5})
    thai = quick_staff(db_session, email="thai@example.org", skills={"th": 4, "km": 1})
    boss = quick_staff(db_session, email="boss@example.org", role="supervisor",
                       skills={"en": 5})
    db_session.commit()
    return {"khmer": khmer, "thai": thai, "boss": boss}


def a_call(services, twilio_rest, n: int = 1, *, language: str = "km",
           consented: bool = True) -> str:
    """A caller on the line: their call in progress at "Twilio" (the emulator; it runs no
    TwiML here, as the tests play Twilio's webhooks themselves) and in the database."""
    number = caller_number(n)
    twilio_rest.register(LiveCall(
        sid=sid(n), account_sid=twilio_rest.account_sid, from_=number, to="+661800000102",
        voice_url="http://localhost/twilio/voice/incoming", status="in-progress",
        created_at=twilio_rest.clock.now(), answered_at=twilio_rest.clock.now()))
    with services.db.session() as session:
        caller = Caller(number_hmac=services.pii.link_key(number),
                        number_encrypted=services.pii.encrypt(number))
        session.add(Call(call_sid=sid(n), number_called="+661800000102", caller=caller,
                         language=language, consented_to_recording=consented))
    return sid(n)


def updates_for(twilio_rest, call_sid: str) -> list[dict[str, str]]:
    """The call updates (redirects, hang-ups) the emulator accepted, in order."""
    return [item.form for item in twilio_rest.rest_log.requests("POST", f"/Calls/{call_sid}.json")
            if item.status == 200]


def calls_placed(twilio_rest) -> list[dict[str, str]]:
    """The calls the app placed through the API (Calls create) that the emulator accepted."""
    return [item.form for item in twilio_rest.rest_log.requests("POST", "/Calls.json")
            if item.status == 201]


def go_available(client, user):
    login_as(client, user)
    response = client.post("/api/agents/me/state", json={"state": "available"})
    assert response.status_code == 200, response.json
    return response


def twiml(response) -> ET.Element:
    assert response.status_code == 200 and response.mimetype == "text/xml"
    return ET.fromstring(response.data)


def bridge_params(call_sid: str, **extra: str) -> dict[str, str]:
    return {"CallSid": call_sid, "AccountSid": "AC" + "1" * 32, "CallStatus": "in-progress",
            **extra}


def test_going_available_is_recorded_and_offered_calls_show_no_number(
        client, services, staff, clock, twilio_rest):
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    queued = call_queue(services).join(call_sid=call_sid, language="km", dialect=None)
    assert queued.state == "reserved"
    clock.advance(3)

    offer = client.get("/api/agents/me/offer")
    assert offer.status_code == 200
    body = offer.json
    assert body["call_sid"] == call_sid and body["language"] == "km"
    assert body["language_name"] == "Khmer"
    assert body["seconds_left"] == pytest.approx(12)
    assert body["caller_reference"].startswith("C-")
    assert "812345601" not in json.dumps(body)

    with services.db.session() as session:
        states = session.scalars(select(AgentStateChange.state)
                                 .where(AgentStateChange.user_id == staff["khmer"].id)
                                 .order_by(AgentStateChange.id)).all()
    assert states == ["available", "reserved"]


def test_accept_bridges_the_caller_through_twilio_rest(client, services, staff, twilio_rest):
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None)

    accepted = client.post("/api/agents/me/offer/accept")
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["client_identity"] == f"agent-{staff['khmer'].id}"
    assert updates_for(twilio_rest, call_sid) == [
        {"Url": "http://localhost/twilio/voice/bridge", "Method": "POST"}]
    assert call_queue(services).status(call_sid) is None     # left the wait loop

    root = twiml(signed_post(client, "/twilio/voice/bridge", bridge_params(call_sid)))
    dial = root.find("./Dial")
    assert dial.get("action") == "http://localhost/twilio/voice/bridge/ended"
    assert dial.get("record") == "record-from-answer-dual"
    assert dial.get("recordingStatusCallback") == (
        f"http://localhost/twilio/recordings/status?kind=call&call={call_sid}")
    assert dial.get("recordingStatusCallbackEvent") == "completed absent"
    assert dial.find("./Client").text == f"agent-{staff['khmer'].id}"

    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == call_sid))
        assert call.answered_at is not None and call.agent_id == staff["khmer"].id


def test_no_recording_without_consent(client, services, staff, twilio_rest):
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest, consented=False)
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None)
    client.post("/api/agents/me/offer/accept")
    dial = twiml(signed_post(client, "/twilio/voice/bridge", bridge_params(call_sid))).find(
        "./Dial")
    assert dial.get("record") is None and dial.get("recordingStatusCallback") is None


def test_an_agent_answering_on_their_phone_is_dialled_by_number(
        client, services, staff, twilio_rest):
    with services.db.session() as session:
        user = session.get(StaffUser, staff["khmer"].id)
        user.answer_mode = "number"
        user.phone_encrypted = services.pii.encrypt("+66899999999")
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None)
    client.post("/api/agents/me/offer/accept")
    dial = twiml(signed_post(client, "/twilio/voice/bridge", bridge_params(call_sid))).find(
        "./Dial")
    assert dial.find("./Number").text == "+66899999999" and dial.find("./Client") is None


def test_hang_up_after_talking_wraps_up_and_completes_the_timeline(
        client, services, staff, clock, twilio_rest):
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None)
    client.post("/api/agents/me/offer/accept")
    clock.advance(120)
    root = twiml(signed_post(client, "/twilio/voice/bridge/ended",
                             bridge_params(call_sid, DialCallStatus="completed",
                                           DialCallDuration="118")))
    assert root.find("./Hangup") is not None
    state = client.get("/api/agents/me/state").json
    assert state["state"] == "wrap_up" and state["wrap_up_until"] == pytest.approx(
        clock.now() + 60)

    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == call_sid))
        assert call.outcome == "answered" and call.ended_at is not None
        kinds = [e.kind for e in session.scalars(select(CallEvent).where(
            CallEvent.call_id == call.id).order_by(CallEvent.id))]
        assert kinds == ["queue_left", "bridge_ended"]

    done = client.post("/api/agents/me/wrap-up/done")
    assert done.status_code == 200 and done.json["state"] == "available"


def test_an_unanswered_bridge_sends_the_caller_back_to_the_front(
        client, services, staff, twilio_rest):
    go_available(client, staff["khmer"])
    first, second = a_call(services, twilio_rest, 1), a_call(services, twilio_rest, 2)
    call_queue(services).join(call_sid=first, language="km", dialect=None)
    call_queue(services).join(call_sid=second, language="km", dialect=None)
    client.post("/api/agents/me/offer/accept")
    root = twiml(signed_post(client, "/twilio/voice/bridge/ended",
                             bridge_params(first, DialCallStatus="no-answer")))
    assert root.find("./Redirect").text == "http://localhost/twilio/voice/queue/wait?lang=km"
    assert call_queue(services).status(first).position == 1
    state = client.get("/api/agents/me/state").json
    assert (state["state"], state["reason"]) == ("break", "missed")
    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == first))
        assert call.outcome is None and call.answered_at is None


@pytest.mark.parametrize("status", [500, 503])
def test_a_transient_twilio_failure_on_accept_keeps_the_caller_at_the_front(
        client, services, staff, twilio_rest, status):
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None)
    twilio_rest.faults.add("rest", "error", status=status, match=call_sid)
    response = client.post("/api/agents/me/offer/accept")
    assert response.status_code == 502 and response.json["error"] == "twilio_failed"
    assert [item.status for item in twilio_rest.rest_log.requests(
        "POST", f"/Calls/{call_sid}.json")] == [status]
    # the agent is free again and is offered the same caller once more, who went back
    # ahead of everyone who has not been offered yet (the "returned" class)
    assert client.get("/api/agents/me/offer").json["call_sid"] == call_sid
    engine = routing_service(services).engine
    score = float(services.redis.hget(engine.key("call", call_sid), "score"))
    assert policy.split_score(score)[0] == policy.RETURNED


def test_decline_and_errors_carry_stable_codes(client, services, staff, twilio_rest):
    assert client.get("/api/agents/me/state").status_code == 401
    go_available(client, staff["khmer"])
    missing = client.post("/api/agents/me/offer/accept")
    assert missing.status_code == 404 and missing.json["error"] == "no_offer"
    bad = client.post("/api/agents/me/state", json={"state": "on_call"})
    assert bad.status_code == 400 and bad.json["error"] == "invalid_state"
    assert client.post("/api/agents/me/state", data="x").json["error"] == "bad_request"

    call_sid = a_call(services, twilio_rest)
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None)
    busy = client.post("/api/agents/me/state", json={"state": "break", "reason": "lunch"})
    assert busy.status_code == 409 and busy.json["error"] == "agent_busy"
    declined = client.post("/api/agents/me/offer/decline")
    assert declined.json["state"] == "break" and declined.json["reason"] == "declined"
    assert client.get("/api/live").status_code == 403


def test_a_call_can_only_be_hung_up_by_its_agent(client, services, staff, twilio_rest):
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None)
    client.post("/api/agents/me/offer/accept")
    login_as(client, staff["thai"])
    other = client.post(f"/api/calls/{call_sid}/hangup")
    assert other.status_code == 403 and other.json["error"] == "not_your_call"
    login_as(client, staff["khmer"])
    assert client.post(f"/api/calls/{call_sid}/hangup").status_code == 200
    assert updates_for(twilio_rest, call_sid)[-1] == {"Status": "completed"}
    assert client.get("/api/agents/me/state").json["state"] == "wrap_up"


def test_cold_transfer_to_another_language(client, services, staff, twilio_rest):
    go_available(client, staff["thai"])
    client.post("/api/agents/me/state", json={"state": "break", "reason": "training"})
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None)
    client.post("/api/agents/me/offer/accept")
    login_as(client, staff["thai"])
    client.post("/api/agents/me/state", json={"state": "available"})
    login_as(client, staff["khmer"])
    moved = client.post(f"/api/calls/{call_sid}/transfer", json={"to_language": "th"})
    assert moved.status_code == 200, moved.json
    assert updates_for(twilio_rest, call_sid)[-1]["Url"] == (
        "http://localhost/twilio/voice/queue/wait?lang=th")
    login_as(client, staff["thai"])
    assert client.get("/api/agents/me/offer").json["call_sid"] == call_sid


def test_interpreter_conference(client, services, staff, twilio_rest):
    go_available(client, staff["thai"])
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None)
    client.post("/api/agents/me/offer/accept")
    added = client.post(f"/api/calls/{call_sid}/interpreter",
                        json={"agent_id": staff["thai"].id})
    assert added.status_code == 200, added.json
    assert added.json["state"] == "offered"
    assert calls_placed(twilio_rest) == []           # nobody is dialled before they accept
    # The interpreter is offered the call, with its language and caller reference.
    login_as(client, staff["thai"])
    offer = client.get("/api/agents/me/offer").json
    assert (offer["kind"], offer["call_sid"], offer["language"]) == (
        "interpreter", call_sid, "km")
    assert offer["owner_agent_id"] == staff["khmer"].id and "caller_reference" in offer
    accepted = client.post("/api/agents/me/offer/accept")
    assert accepted.status_code == 200, accepted.json
    assert (accepted.json["kind"], accepted.json["state"]) == ("interpreter", "on_call")
    login_as(client, staff["khmer"])
    assert updates_for(twilio_rest, call_sid)[-1]["Url"] == (
        "http://localhost/twilio/voice/bridge/conference")
    # No <Dial> ran at "Twilio" here (the test plays its webhooks), so the app finds no
    # live leg of the agent to move and dials both agents into the room instead.
    assert len(twilio_rest.rest_log.requests("GET", "/Calls.json")) == 1
    dialled = sorted(form["To"] for form in calls_placed(twilio_rest))
    assert dialled == sorted(f"client:agent-{staff[k].id}" for k in ("khmer", "thai"))
    assert sorted(call.to for call in twilio_rest.calls.values()
                  if call.direction == "outbound-api") == dialled
    root = twiml(signed_post(client, "/twilio/voice/bridge/conference",
                             bridge_params(call_sid)))
    assert root.find("./Dial/Conference").text == call_sid
    assert root.find("./Dial/Conference").get("endConferenceOnExit") == "true"
    # The agent's leg moved into the room: the caller's <Dial> ends and they follow.
    followed = twiml(signed_post(client, "/twilio/voice/bridge/ended", bridge_params(
        call_sid, DialCallStatus="completed", CallStatus="in-progress")))
    assert followed.find("./Dial/Conference").text == call_sid
    routing = routing_service(services)
    assert routing.engine.agent(staff["thai"].id)["state"] == "on_call"   # conference on
    # The caller hangs up in the conference: the call is over for both agents.
    signed_post(client, "/twilio/voice/bridge/ended",
                bridge_params(call_sid, DialCallStatus="completed", CallStatus="completed"))
    assert routing.engine.agent(staff["thai"].id)["state"] == "wrap_up"
    assert routing.engine.agent(staff["khmer"].id)["state"] == "wrap_up"


def test_bridge_webhooks_need_a_twilio_signature(client):
    assert client.post("/twilio/voice/bridge", data={"CallSid": sid(1)}).status_code == 403


def test_live_figures_and_events_for_supervisors(
        client, services, staff, clock, redis_client, twilio_rest):
    subscriber = redis_client.pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(LIVE_CHANNEL)
    go_available(client, staff["khmer"])
    for n in (1, 2, 3):
        call_queue(services).join(call_sid=a_call(services, twilio_rest, n), language="km",
                                  dialect=None)
    clock.advance(10)
    client.post("/api/agents/me/offer/accept")        # answered within 20 s
    clock.advance(30)
    call_queue(services).leave(sid(3), "hung_up")     # abandoned after 5 s
    login_as(client, staff["boss"])
    figures = client.get("/api/live").json
    km = next(row for row in figures["languages"] if row["language"] == "km")
    assert km["offered"] == 3 and km["answered"] == 1 and km["abandoned"] == 1
    assert km["waiting"] == 1 and km["longest_wait_seconds"] == pytest.approx(40)
    assert km["agents"]["on_call"] == 1
    assert km["service_level"] == pytest.approx(0.5)
    assert km["average_speed_of_answer_seconds"] == pytest.approx(10)

    kinds = []
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and len(kinds) < 8:
        # get_message answers None for the (ignored) subscribe confirmation too
        message = subscriber.get_message(timeout=0.1)
        if message is not None:
            kinds.append(json.loads(message["data"])["type"])
    subscriber.close()
    assert "agent" in kinds and "queue" in kinds

    agents = client.get("/api/agents").json["agents"]
    assert {row["state"] for row in agents if row["agent_id"] == staff["khmer"].id} == {
        "on_call"}


def test_a_callback_rings_the_agent_then_dials_the_caller(client, services, staff,
                                                          twilio_rest):
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    number = caller_number(1)
    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == call_sid))
        session.add(CallbackRequest(call_id=call.id, caller_id=call.caller_id, language="km",
                                    number_encrypted=services.pii.encrypt(number)))
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None, callback=True)
    offer = client.get("/api/agents/me/offer").json
    assert offer["callback"] is True
    accepted = client.post("/api/agents/me/offer/accept").json
    assert accepted["callback"] is True
    # Nothing is done to the original call (nobody is on it) ...
    assert twilio_rest.rest_log.requests(path_suffix=f"/Calls/{call_sid}.json") == []
    # ... a new call rings the agent, from the number the caller had called.
    [created] = twilio_rest.rest_log.requests(method="POST", path_suffix="/Calls.json")
    assert created.form["To"] == f"client:agent-{staff['khmer'].id}"
    assert created.form["From"] == "+661800000102"
    assert created.form["Url"].endswith(f"/twilio/voice/callback/agent?call={call_sid}")
    assert number.lstrip("+") not in str(created.form)

    # The agent answers: their leg dials the caller (the number only in this TwiML).
    agent_leg = signed_post(client, f"/twilio/voice/callback/agent?call={call_sid}",
                            {"CallSid": "CA" + "9" * 32, "CallStatus": "in-progress"})
    dial = ET.fromstring(agent_leg.data).find("./Dial")
    assert dial.get("callerId") == "+661800000102"
    assert dial.find("./Number").text == number
    ended = signed_post(client, f"/twilio/voice/callback/ended?call={call_sid}",
                        {"CallSid": "CA" + "9" * 32, "DialCallStatus": "completed"})
    assert ET.fromstring(ended.data).find("./Hangup") is not None
    with services.db.session() as session:
        assert session.scalar(select(CallbackRequest.status)) == "done"
    assert client.get("/api/agents/me/state").json["state"] == "wrap_up"


def test_a_callback_without_a_stored_number_fails_clearly(client, services, staff,
                                                          twilio_rest):
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None, callback=True)
    response = client.post("/api/agents/me/offer/accept")
    assert response.status_code >= 400 and response.json["error"] == "twilio_failed"
    assert twilio_rest.rest_log.requests(method="POST", path_suffix="/Calls.json") == []
    assert client.get("/api/agents/me/state").json["state"] == "wrap_up"
