"""Queues that tell the truth, end to end through the Twilio stand-in over real HTTP:
the agent a caller needs is offered to them before a callback; a caller nobody can
answer is told at once; the wait said follows the agents serving; the maximum wait
holds; voicemails and callbacks are work offered to free agents."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from agent_console.store import open_callbacks_for
from call_routing import jobs
from call_routing.service import routing_service
from cases.models import Ticket
from ivr.models import Call, CallbackRequest, CallEvent
from recordings.models import Recording
from tests.builders import create_staff_member, put_agent_on_a_call

KHMER_LINE = "+661800000102"
THAI_LINE = "+661800000103"
NEPALI_LINE = "+661800000104"
NEPALI_CALLER = "+9779812345678"
PASSWORD = "correct horse battery"


def until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def agent(stand_in, email: str, skills: dict[str, int], *,
          state: str | None = "available") -> tuple[int, requests.Session]:
    """A staff member logged in to the console API (their own HTTP session)."""
    with stand_in.services.db.session() as session:
        agent_id = create_staff_member(session, email=email, skills=skills,
                                       password=PASSWORD).id
    http = requests.Session()
    assert http.post(f"{stand_in.app_url}/login", allow_redirects=False,
                     data={"email": email, "password": PASSWORD}).status_code == 302
    if state is not None:
        body = {"state": state, **({"reason": "meal"} if state == "break" else {})}
        assert http.post(f"{stand_in.app_url}/api/agents/me/state", json=body).ok
    return agent_id, http


def offer_of(stand_in, http: requests.Session) -> dict | None:
    response = http.get(f"{stand_in.app_url}/api/agents/me/offer")
    return response.json() if response.status_code == 200 else None


def engine(stand_in):
    return routing_service(stand_in.services).engine


def the_call(stand_in, call_sid: str) -> Call:
    with stand_in.services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == call_sid))
        session.expunge(call)
        return call


def event_times(stand_in, call_sid: str, kind: str) -> list[float]:
    with stand_in.services.db.session() as session:
        return [at.timestamp() for at in session.scalars(
            select(CallEvent.at).join(Call, CallEvent.call_id == Call.id)
            .where(Call.call_sid == call_sid, CallEvent.kind == kind)
            .order_by(CallEvent.id))]


def minutes_said(call) -> list[int]:
    """The minutes of every "the wait is about N minutes" the caller heard."""
    return [int(parse_qs(urlsplit(item.audio_url).query)["minutes"][0])
            for item in call.heard if item.audio_url and "/queue_wait." in item.audio_url]


def seed_handle_time(stand_in, language: str, seconds: float, *, calls: int = 3) -> None:
    """Calls of `language` answered and finished: each `seconds` - 60 of talk and 60 of
    wrap-up (three of them, so one short call later leaves the median where it is)."""
    with stand_in.services.db.session() as session:
        seeder = create_staff_member(session, email=f"seed-{language}@example.org",
                                     skills={language: 5}).id
    routing = routing_service(stand_in.services)
    for n in range(calls):
        routing.set_state(seeder, "available")
        routing.engine.join(f"CA{n:032d}", language, None)
        routing.engine.accept(seeder, f"CA{n:032d}")
        stand_in.clock.advance(seconds - 60)
        routing.engine.finish_call(f"CA{n:032d}")
        routing.engine.wrap_up_done(seeder)
    routing.set_state(seeder, "offline")


def test_sokha_is_offered_the_khmer_caller_only_she_can_serve_not_the_thai_callback(stand_in):
    # A Thai caller asks for a callback (Thai line: Thai, an advisor, nobody there: 2 for
    # a callback, 1 for this number).
    thai = stand_in.call(to=THAI_LINE, press=["1", "1", "2", "1"], from_="+66812345601")
    assert thai.prompt_ids[-2:] == ["callback_confirmed", "goodbye"]
    stand_in.clock.advance(120)
    # Sokha (Khmer 5, Thai 2) goes available: nobody live is waiting, so the two-minute-old
    # callback is hers.
    sokha, console = agent(stand_in, "sokha@example.org", {"km": 5, "th": 2})
    offer = offer_of(stand_in, console)
    assert (offer["call_sid"], offer["kind"], offer["callback"]) == (thai.sid, "callback", True)

    # A Khmer caller presses 1: only Sokha can serve them. They are offered to her at
    # once, and the callback goes back to its place.
    stand_in.pace = 0.01
    khmer = stand_in.start_call(to=KHMER_LINE, press=["1"], from_="+85512345602")
    until(lambda: (offer_of(stand_in, console) or {}).get("call_sid") == khmer.call.sid)
    until(lambda: event_times(stand_in, khmer.call.sid, "queue_joined"))   # committed
    [pressed_at] = event_times(stand_in, khmer.call.sid, "queue_joined")
    reserved_at = engine(stand_in).offer_for(sokha).deadline - 15
    assert reserved_at - pressed_at <= 2
    offer = offer_of(stand_in, console)
    assert (offer["kind"], offer["language"], offer["callback"]) == ("call", "km", False)
    assert engine(stand_in).status(thai.sid).state == "waiting"

    stand_in.softphone(f"agent-{sokha}", answer_after=1, talk_seconds=20)
    assert console.post(f"{stand_in.app_url}/api/agents/me/offer/accept").ok
    assert khmer.result().outcome["kind"] == "bridged"
    # After the Khmer caller (and her wrap-up) the callback is offered to her again.
    console.post(f"{stand_in.app_url}/api/agents/me/wrap-up/done")
    assert offer_of(stand_in, console)["call_sid"] == thai.sid


def test_with_the_only_thai_agent_on_a_break_the_caller_is_offered_voicemail_or_a_callback(
        stand_in):
    agent(stand_in, "malee@example.org", {"th": 5}, state="break")
    result = stand_in.call(to=THAI_LINE, press=["1", "1", "2", "1"], from_="+66812345603")
    ids = result.prompt_ids
    # Within one prompt of pressing 1 in the menu: no advisor for the language, then
    # voicemail or callback.
    told = ids.index("no_agents")
    assert ids[told - 1].startswith("menu_"), ids
    assert ids[told + 1] == "offer_voicemail_or_callback", ids
    assert "queue_wait" not in ids and "queue_position" not in ids
    assert the_call(stand_in, result.sid).outcome == "callback_requested"


def test_the_wait_said_follows_the_agents_serving_now(stand_in):
    with stand_in.app.app_context():
        seed_handle_time(stand_in, "ne", 600)            # a recent call took 10 minutes
        put_agent_on_a_call(stand_in.services, email="a@example.org", skills={"ne": 5},
                            call_sid="CA" + "a" * 32)
    stand_in.pace = 0.005
    caller = stand_in.start_call(to=NEPALI_LINE, press=["1"] + [""] * 40,
                                 from_="+9779812340001")
    caller.wait_until(lambda call: len(minutes_said(call)) >= 1, timeout=20)
    # A second advisor comes on (and is busy talking): the wait halves.
    with stand_in.app.app_context():
        second = put_agent_on_a_call(stand_in.services, email="b@example.org",
                                     skills={"ne": 4}, call_sid="CA" + "c" * 32)
    said = len(minutes_said(caller.call))
    caller.wait_until(lambda call: len(minutes_said(call)) >= said + 2, timeout=20)
    # They finish and take a break: back to one advisor serving.
    routing = routing_service(stand_in.services)
    routing.engine.finish_call("CA" + "c" * 32)
    routing.set_state(second, "break", "meal")
    said = len(minutes_said(caller.call))
    caller.wait_until(lambda call: len(minutes_said(call)) >= said + 2, timeout=20)
    caller.call.control.hangup("caller")
    heard = minutes_said(caller.result().call)
    assert heard[0] == 10, heard
    assert 5 in heard and heard.index(5) > 0
    assert heard[-1] == 10 and heard.index(5) < len(heard) - 1


@pytest.mark.parametrize("line", [KHMER_LINE, NEPALI_LINE])
def test_the_maximum_wait_is_honoured_within_one_hold_loop(stand_in, line):
    with stand_in.app.app_context():
        put_agent_on_a_call(stand_in.services, skills={"km": 5, "ne": 5})
    result = stand_in.call(to=line, press=["1"] + [""] * 40, say="please call me", voice="en")
    assert result.outcome["kind"] == "voicemail"
    [queued] = event_times(stand_in, result.sid, "queue_joined")
    [offered] = event_times(stand_in, result.sid, "offered_alternatives")
    waited = offered - queued
    max_wait = stand_in.services.config.queue.max_wait_seconds
    assert max_wait - 3 <= waited <= max_wait + 15, waited
    assert result.prompt_ids.count("queue_position") >= 8


def test_a_voicemail_is_offered_to_a_free_agent_and_taken_on(stand_in):
    result = stand_in.call(to=KHMER_LINE, press=["2"], say="My employer kept my passport",
                           voice="en", from_="+85512345604")
    assert result.outcome["kind"] == "voicemail"
    [recording_sid] = [item["recording_sid"] for item in [result.outcome]]
    sokha, console = agent(stand_in, "sokha@example.org", {"km": 5})
    assert offer_of(stand_in, console) is None           # not queued until the heal
    assert jobs.heal(stand_in.services)["voicemails_queued"] == 1
    offer = offer_of(stand_in, console)
    assert (offer["kind"], offer["call_sid"], offer["language"]) == (
        "voicemail", recording_sid, "km")
    assert offer["caller_reference"] and offer["ticket_id"]
    accepted = console.post(f"{stand_in.app_url}/api/agents/me/offer/accept").json()
    assert (accepted["kind"], accepted["state"], accepted["ticket_id"]) == (
        "voicemail", "wrap_up", offer["ticket_id"])
    with stand_in.services.db.session() as session:
        recording = session.scalar(select(Recording)
                                   .where(Recording.recording_sid == recording_sid))
        assert recording.handled_by_id == sokha and recording.handled_at is not None
        assert session.get(Ticket, offer["ticket_id"]).assignee_id == sokha
    # Taken on: not queued again, nor offered to anyone else.
    stand_in.services.redis.delete(engine(stand_in).key("voicemail-lock"))
    assert jobs.heal(stand_in.services)["voicemails_queued"] == 0


def callback_request(stand_in) -> CallbackRequest:
    with stand_in.services.db.session() as session:
        request = session.scalar(select(CallbackRequest))
        session.expunge(request)
        return request


def on_the_list(stand_in) -> bool:
    with stand_in.services.db.session() as session:
        return bool(open_callbacks_for(session, ["ne"]))


def test_a_callback_answered_leaves_the_list(stand_in):
    result = stand_in.call(to=NEPALI_LINE, from_=NEPALI_CALLER, press=["3", "1"])
    bishnu, console = agent(stand_in, "bishnu@example.org", {"ne": 5}, state=None)
    stand_in.softphone(f"agent-{bishnu}", answer_after=1, talk_seconds=None)
    stand_in.phone(NEPALI_CALLER, answer_after=2, talk_seconds=30)
    assert on_the_list(stand_in)
    stand_in.pace = 0.01
    console.post(f"{stand_in.app_url}/api/agents/me/state", json={"state": "available"})
    assert offer_of(stand_in, console)["call_sid"] == result.sid
    assert console.post(f"{stand_in.app_url}/api/agents/me/offer/accept").ok
    until(lambda: callback_request(stand_in).status == "done")
    assert not on_the_list(stand_in)
    until(lambda: engine(stand_in).status(result.sid).state == "ended")


def test_an_unanswered_callback_returns_then_stops_after_its_attempts_with_a_note(stand_in):
    result = stand_in.call(to=NEPALI_LINE, from_=NEPALI_CALLER, press=["3", "1"])
    bishnu, console = agent(stand_in, "bishnu@example.org", {"ne": 5}, state=None)
    stand_in.softphone(f"agent-{bishnu}", answer_after=1, talk_seconds=None)
    phone = stand_in.phone(NEPALI_CALLER, reject=True)
    queue = stand_in.services.config.queue
    app = stand_in.app_url
    stand_in.pace = 0.01
    console.post(f"{app}/api/agents/me/state", json={"state": "available"})
    for attempt in range(1, queue.callback_max_attempts + 1):
        assert offer_of(stand_in, console)["call_sid"] == result.sid, attempt
        assert console.post(f"{app}/api/agents/me/offer/accept").ok
        until(lambda: callback_request(stand_in).status != "dialling"
              and engine(stand_in).agent(bishnu)["state"] == "wrap_up")
        assert len(phone.rings) == attempt
        console.post(f"{app}/api/agents/me/wrap-up/done")
        if attempt < queue.callback_max_attempts:
            # Back on the list and in line, but not offered again before its retry time.
            assert callback_request(stand_in).status == "open" and on_the_list(stand_in)
            assert offer_of(stand_in, console) is None
            stand_in.clock.advance(queue.callback_retry_after_seconds)
            jobs.tick(stand_in.services)
    request = callback_request(stand_in)
    assert request.status == "unreached" and not on_the_list(stand_in)
    assert engine(stand_in).status(result.sid).state == "ended"
    stand_in.clock.advance(queue.callback_retry_after_seconds)
    jobs.tick(stand_in.services)
    assert offer_of(stand_in, console) is None
    with stand_in.services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == result.sid))
        [ticket] = session.scalars(select(Ticket).where(Ticket.calls.any(Call.id == call.id)))
        assert f"not reached after {queue.callback_max_attempts} attempts" in ticket.notes
        assert "9812345678" not in ticket.notes


def test_call_back_now_takes_a_callback_from_the_list_out_of_its_turn(stand_in):
    stand_in.call(to=NEPALI_LINE, from_="+9779812340002", press=["3", "1"])
    result = stand_in.call(to=NEPALI_LINE, from_=NEPALI_CALLER, press=["3", "1"])
    bishnu, console = agent(stand_in, "bishnu@example.org", {"ne": 5}, state="break")
    stand_in.softphone(f"agent-{bishnu}", answer_after=1, talk_seconds=None)
    phone = stand_in.phone(NEPALI_CALLER, answer_after=2, talk_seconds=20)
    with stand_in.services.db.session() as session:
        request_id = session.scalar(select(CallbackRequest.id)
                                    .join(Call, CallbackRequest.call_id == Call.id)
                                    .where(Call.call_sid == result.sid))
    stand_in.pace = 0.01
    taken = console.post(f"{stand_in.app_url}/api/callbacks/{request_id}/call-now")
    assert taken.status_code == 200, taken.text
    assert (taken.json()["call_sid"], taken.json()["state"]) == (result.sid, "on_call")
    until(lambda: callback_request_status(stand_in, result.sid) == "done")
    assert [ring["result"] for ring in phone.rings] == ["answered"]
    again = console.post(f"{stand_in.app_url}/api/callbacks/{request_id}/call-now")
    assert again.status_code == 409 and again.json()["error"] == "callback_not_open"
    _, thai = agent(stand_in, "malee@example.org", {"th": 5}, state="break")
    with stand_in.services.db.session() as session:
        other = session.scalar(select(CallbackRequest.id).where(CallbackRequest.id != request_id))
    refused = thai.post(f"{stand_in.app_url}/api/callbacks/{other}/call-now")
    assert refused.status_code == 403 and refused.json()["error"] == "not_your_language"


def callback_request_status(stand_in, call_sid: str) -> str:
    with stand_in.services.db.session() as session:
        return session.scalar(select(CallbackRequest.status)
                              .join(Call, CallbackRequest.call_id == Call.id)
                              .where(Call.call_sid == call_sid))
