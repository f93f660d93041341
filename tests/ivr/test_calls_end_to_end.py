"""Every demo line and every IVR path, placed as real calls through the Twilio stand-in.

The app runs in a real WSGI server; the stand-in POSTs signed webhooks over HTTP and
follows the TwiML; a simulated clock makes a ten-minute wait take milliseconds.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agent_console.models import StaffUser
from call_routing.service import routing_service
from ivr.models import Call, CallbackRequest, CallEvent
from tests.builders import create_staff_member, put_agent_on_a_call

DEMO_LINES = [
    # (number, keys to reach the main menu, language the caller then hears)
    ("+661800000101", ["1"], "my"),
    ("+661800000102", [], "km"),
    ("+661800000103", ["2"], "lo"),
    ("+661800000104", [], "ne"),
    ("+601800881010", [], "id"),
    ("+661800000199", [], "en"),
]


def the_call(stand_in, result) -> Call:
    with stand_in.services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == result.sid))
        session.expunge(call)
        return call


def events(stand_in, result) -> list[str]:
    with stand_in.services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == result.sid))
        return list(session.scalars(select(CallEvent.kind).where(CallEvent.call_id == call.id)
                                    .order_by(CallEvent.id)))


@pytest.mark.parametrize(("number", "keys", "language"), DEMO_LINES,
                         ids=[line[0] for line in DEMO_LINES])
def test_voicemail_on_every_demo_line(stand_in, number, keys, language):
    result = stand_in.call(to=number, press=[*keys, "2"], say="My employer kept my passport",
                           voice="en")
    assert result.outcome["kind"] == "voicemail", result.json
    ids = result.prompt_ids
    # the recording notice first, so a caller who presses ahead has always started it
    assert ids.index("consent_notice") < ids.index("welcome") < ids.index("voicemail_prompt")
    assert ids[-2:] == ["voicemail_thanks", "goodbye"]
    call = the_call(stand_in, result)
    assert call.language == language and call.outcome == "voicemail"
    assert call.ended_at is not None
    assert all(hook["status"] in (200, 204) for hook in result.json["webhooks"])


def test_language_menu_speaks_each_option_in_its_own_language(stand_in):
    result = stand_in.call(to="+661800000101", press=["1", "2"], say="hello", voice="en")
    options = [h for h in result.json["heard"] if h["prompt_id"] == "language_option"]
    assert [h["language"] for h in options[:5]] == ["my", "shn", "kac", "ksw", "mnw"]


@pytest.mark.parametrize(("key", "dialect"), [("2", "shn"), ("3", "kac"), ("4", "ksw"),
                                              ("5", "mnw")])
def test_each_dialect_is_chosen_and_routed_under_burmese(stand_in, key, dialect):
    result = stand_in.call(to="+661800000101", press=[key, "2"], say="hello", voice="en")
    call = the_call(stand_in, result)
    assert (call.language, call.dialect) == (dialect, dialect)


def test_menu_timeouts_replay_then_default_then_an_agent_then_offers(stand_in):
    result = stand_in.call(to="+661800000101", press=[])
    ids = result.prompt_ids
    assert ids.count("no_input") >= 4          # two language replays + two menu replays
    call = the_call(stand_in, result)
    assert call.language == "my"              # the line's default after three silences
    kinds = events(stand_in, result)
    assert "language_defaulted" in kinds and "menu_defaulted" in kinds
    assert "no_agents" in ids                 # nobody is logged in: no queue nobody serves
    assert ids[-1] == "goodbye"               # a silent caller is not looped forever
    assert result.outcome["kind"] != "error"


def test_three_invalid_keys_fall_back_to_the_default_language(stand_in):
    result = stand_in.call(to="+661800000103", press=["9", "8", "7", "2"], say="hi",
                           voice="en")
    assert result.prompt_ids.count("not_recognised") == 2
    assert the_call(stand_in, result).language == "th"
    assert result.outcome["kind"] == "voicemail"


def test_callback_on_the_calling_number(stand_in):
    result = stand_in.call(to="+661800000104", from_="+9779812345678", press=["3", "1"])
    assert "callback_confirm_number" in result.prompt_ids
    assert result.prompt_ids[-2:] == ["callback_confirmed", "goodbye"]
    assert the_call(stand_in, result).outcome == "callback_requested"
    with stand_in.services.db.session() as session:
        request = session.scalar(select(CallbackRequest))
        assert request.language == "ne"
        assert stand_in.services.pii.decrypt(request.number_encrypted) == "+9779812345678"


def test_no_agent_logged_in_offers_voicemail_or_callback_at_once(stand_in):
    result = stand_in.call(to="+661800000102", press=["1", "2", "1"])
    ids = result.prompt_ids
    assert ids.index("no_agents") < ids.index("offer_voicemail_or_callback")
    # not "we are finding an advisor" right before "no advisor is available"
    assert "queue_joined" not in ids and "queue_position" not in ids
    assert the_call(stand_in, result).outcome == "callback_requested"


def put_agent_on_break(stand_in, *, skills: dict[str, int]) -> int:
    with stand_in.services.db.session() as session:
        agent = create_staff_member(session, email="busy@example.org", skills=skills)
        agent_id = agent.id
    with stand_in.app.app_context():
        routing_service(stand_in.services).set_state(agent_id, "break", "meeting")
    return agent_id


def a_busy_colleague(stand_in, *, skills: dict[str, int]) -> int:
    """Someone for the language is on a call: callers wait in line (a colleague on a
    break would not count: they would be offered voicemail or a callback at once)."""
    with stand_in.app.app_context():
        return put_agent_on_a_call(stand_in.services, skills=skills)


def test_maximum_wait_reached_offers_voicemail(stand_in):
    a_busy_colleague(stand_in, skills={"km": 5})
    # "" = silent at a Gather: the caller just waits through every announcement.
    result = stand_in.call(to="+661800000102", press=["1"] + [""] * 40, say="please call me",
                           voice="en")
    ids = result.prompt_ids
    # no call has ended yet to measure handle time by: no wait is guessed at
    assert "queue_position" in ids and "queue_wait" not in ids
    assert ids.index("queue_position") < ids.index("max_wait_reached")
    assert result.outcome["kind"] == "voicemail"
    call = the_call(stand_in, result)
    assert (call.ended_at - call.queued_at).total_seconds() >= 600
    assert "offered_alternatives" in events(stand_in, result)


def test_caller_hangs_up_while_waiting(stand_in):
    a_busy_colleague(stand_in, skills={"ne": 4})
    result = stand_in.call(to="+661800000104", press=["1"], hangup_after=120)
    assert result.outcome["kind"] == "hung_up"
    assert "queue_position" in result.prompt_ids
    call = the_call(stand_in, result)
    assert call.outcome == "abandoned_in_queue"
    with stand_in.app.app_context():
        from ivr.queueing import call_queue

        assert call_queue(stand_in.services).status(result.sid) is None


def test_press_one_while_waiting_leaves_a_voicemail(stand_in):
    a_busy_colleague(stand_in, skills={"id": 5})
    result = stand_in.call(to="+601800881010", press=["1", "1"], say="gaji saya", voice="id")
    assert "queue_options" in result.prompt_ids
    assert result.outcome["kind"] == "voicemail"
    assert "queue_left" in events(stand_in, result)


def test_press_two_while_waiting_requests_a_callback_keeping_the_place(stand_in):
    a_busy_colleague(stand_in, skills={"id": 5})
    result = stand_in.call(to="+601800881010", press=["1", "2", "1"])
    assert the_call(stand_in, result).outcome == "callback_requested"
    with stand_in.app.app_context():
        status = routing_service(stand_in.services).engine.status(result.sid)
    assert status is not None and (status.state, status.kind) == ("waiting", "callback")
    assert "queue_options" in result.prompt_ids      # asked from the queue, not an offer


def test_staff_exist_but_none_speaks_the_language(stand_in):
    with stand_in.services.db.session() as session:
        assert session.scalar(select(StaffUser)) is None
    put_agent_on_break(stand_in, skills={"th": 5})
    result = stand_in.call(to="+661800000104", press=["1", "1"], say="hello", voice="en")
    assert "no_agents" in result.prompt_ids
