"""A gap in the rota, end to end through the Twilio stand-in on its simulated clock: a
Nepali caller rings before the first Nepali shift of the day, hears when the next
advisor is on, asks for a callback; the request is scheduled into that shift (routing
holds it until then) — not offered to an agent who logs in early — and offered when
the shift's agent goes available once it has started, and the caller is rung back."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import select

from call_routing.rota import store as rota_store
from call_routing.rota.domain import WeeklyShift
from call_routing.service import routing_service
from ivr.callback_intake import requeue_lost_callbacks
from ivr.models import Call, CallbackRequest, CallEvent
from prompts.resolver import parse_audio_url
from tests.builders import create_staff_member
from tests.call_routing.test_end_to_end import wait_for_offer

NEPALI_LINE = "+661800000104"
CALLER = "+9779812345678"
PASSWORD = "correct horse battery"
THURSDAY = 3
# The stand-in's clock starts at 2026-01-01 00:00 UTC: Thursday 07:00 in Bangkok.
SHIFT_STARTS = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)        # Thursday 10:00 in Bangkok


def until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def params_heard(result, prompt_id: str) -> dict[str, str]:
    [url] = [item["audio_url"] for item in result.heard
             if item["verb"] == "play" and item["prompt_id"] == prompt_id]
    return parse_audio_url(url)[2]


def request_row(stand_in) -> CallbackRequest:
    with stand_in.services.db.session() as session:
        request = session.scalar(select(CallbackRequest))
        session.expunge(request)
        return request


def advance_to(stand_in, at: datetime) -> None:
    stand_in.clock.advance(max(0.0, at.timestamp() - stand_in.clock.now()))


def no_offer(stand_in) -> bool:
    response = stand_in.http.get(f"{stand_in.app_url}/api/agents/me/offer")
    return response.status_code != 200


def test_a_rota_gap_schedules_the_callback_into_the_next_shift(stand_in):
    with stand_in.services.db.session() as session:
        bishnu = create_staff_member(session, email="bishnu@example.org", skills={"ne": 5},
                                     password=PASSWORD).id
        rota_store.add_weekly(session, WeeklyShift(bishnu, THURSDAY, 10 * 60, 18 * 60))

    # 07:00: nobody is on shift or logged in for Nepali. Advisor (1), callback (2), this
    # number (1).
    result = stand_in.call(to=NEPALI_LINE, from_=CALLER, press=["1", "2", "1"])
    ids = result.prompt_ids
    assert ids.index("no_agents") < ids.index("next_advisor_at") < ids.index(
        "offer_voicemail_or_callback")
    assert params_heard(result, "next_advisor_at") == {"day": "today", "time": "1000"}
    assert ids[-3:] == ["callback_confirmed", "callback_from", "goodbye"]
    assert params_heard(result, "callback_from") == {"day": "today", "time": "1000"}
    assert result.outcome["kind"] == "callback_requested"

    request = request_row(stand_in)
    assert request.status == "open" and request.not_before == SHIFT_STARTS
    with stand_in.services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == result.sid))
        scheduled = session.scalar(select(CallEvent.detail).where(
            CallEvent.call_id == call.id, CallEvent.kind == "callback_scheduled"))
    assert scheduled == {"not_before": SHIFT_STARTS.isoformat()}
    assert "9812345678" not in str(scheduled)

    # 07:30: Bishnu logs in early and goes available. The callback is not his yet, even
    # when the scheduler's routing tick and intake sweep run (it is queued, not due).
    advance_to(stand_in, datetime(2026, 1, 1, 0, 30, tzinfo=UTC))
    app = stand_in.app_url
    assert stand_in.http.post(f"{app}/login", allow_redirects=False,
                              data={"email": "bishnu@example.org",
                                    "password": PASSWORD}).status_code == 302
    went = stand_in.http.post(f"{app}/api/agents/me/state", json={"state": "available"})
    assert went.json()["state"] == "available"
    routing = routing_service(stand_in.services)
    routing.tick()
    assert requeue_lost_callbacks(stand_in.services) == 0
    assert no_offer(stand_in)
    stand_in.http.post(f"{app}/api/agents/me/state", json={"state": "offline"})

    # 10:00: the shift starts; the routing tick finds the request due; Bishnu goes
    # available and is offered it; his phone rings, then the caller's.
    advance_to(stand_in, SHIFT_STARTS)
    assert routing.tick()["deferred_due"] == 1
    softphone = stand_in.softphone(f"agent-{bishnu}", answer_after=1, talk_seconds=None)
    phone = stand_in.phone(CALLER, answer_after=2, talk_seconds=30)
    stand_in.http.post(f"{app}/api/agents/me/state", json={"state": "available"})
    stand_in.pace = 0.01
    offer = wait_for_offer(stand_in)
    assert offer["call_sid"] == result.sid
    accepted = stand_in.http.post(f"{app}/api/agents/me/offer/accept")
    assert accepted.status_code == 200 and accepted.json()["callback"] is True
    until(lambda: request_row(stand_in).status != "dialling")
    assert request_row(stand_in).status == "done"
    assert [ring["result"] for ring in softphone.rings] == ["answered"]
    assert [ring["result"] for ring in phone.rings] == ["answered"]


def test_with_someone_on_shift_the_caller_hears_no_shift_time(stand_in):
    with stand_in.services.db.session() as session:
        bishnu = create_staff_member(session, email="bishnu@example.org", skills={"ne": 5},
                                     password=PASSWORD).id
        # On shift now (Thursday 07:00 is inside 06:00-14:00) but not logged in.
        rota_store.add_weekly(session, WeeklyShift(bishnu, THURSDAY, 6 * 60, 14 * 60))
    result = stand_in.call(to=NEPALI_LINE, from_=CALLER, press=["1", "2", "1"])
    assert "no_agents" in result.prompt_ids
    assert "next_advisor_at" not in result.prompt_ids
    assert "callback_from" not in result.prompt_ids
    assert request_row(stand_in).not_before is None


def test_a_scheduled_callback_lost_with_redis_is_queued_again_for_its_shift(stand_in):
    with stand_in.services.db.session() as session:
        bishnu = create_staff_member(session, email="bishnu@example.org", skills={"ne": 5},
                                     password=PASSWORD).id
        rota_store.add_weekly(session, WeeklyShift(bishnu, THURSDAY, 10 * 60, 18 * 60))
    result = stand_in.call(to=NEPALI_LINE, from_=CALLER, press=["1", "2", "1"])
    assert request_row(stand_in).not_before == SHIFT_STARTS
    stand_in.services.require_redis().flushdb()          # Redis restarted empty
    assert requeue_lost_callbacks(stand_in.services) == 1
    app = stand_in.app_url
    stand_in.http.post(f"{app}/login", data={"email": "bishnu@example.org",
                                             "password": PASSWORD})
    routing = routing_service(stand_in.services)
    assert stand_in.http.post(f"{app}/api/agents/me/state",
                              json={"state": "available"}).json()["state"] == "available"
    routing.tick()
    assert no_offer(stand_in)                            # still not before 10:00
    advance_to(stand_in, SHIFT_STARTS)
    routing.tick()
    assert wait_for_offer(stand_in)["call_sid"] == result.sid
