"""End to end through the Twilio stand-in over real HTTP: a Khmer caller is bridged to
agent A; A adds agent B as interpreter; caller, A and B meet in one conference
without A being rung a second time; B hangs up (and wraps up at once), then the
caller; both agents are in wrap-up and the call's timeline in the database is
complete."""

from __future__ import annotations

import time

import requests
from sqlalchemy import select

from agent_console.models import AgentStateChange
from ivr.models import Call, CallEvent
from tests.builders import create_staff_member
from tests.call_routing.test_end_to_end import wait_for_offer

KHMER_LINE = "+661800000102"
PASSWORD = "correct horse battery"


def until(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def log_in(stand_in, session: requests.Session, email: str) -> None:
    response = session.post(f"{stand_in.app_url}/login", allow_redirects=False,
                            data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    went = session.post(f"{stand_in.app_url}/api/agents/me/state", json={"state": "available"})
    assert went.json()["state"] == "available"


def in_room(stand_in, name: str) -> set[str]:
    room = stand_in.engine.conferences.live(name, stand_in.settings.twilio_account_sid)
    return set() if room is None else {p.call_sid for p in room.participants}


class ThreeWay:
    """A Khmer caller bridged to agent A, who has added agent B as interpreter."""

    def __init__(self, stand_in) -> None:
        with stand_in.services.db.session() as session:
            self.first = create_staff_member(session, email="sokha@example.org",
                                             skills={"km": 5}, password=PASSWORD).id
            # Thai only: the Khmer call is never offered to the interpreter.
            self.interpreter = create_staff_member(session, email="malee@example.org",
                                                   skills={"th": 5}, password=PASSWORD).id
        self.phone_a = stand_in.softphone(f"agent-{self.first}", answer_after=2,
                                          talk_seconds=None)
        self.phone_b = stand_in.softphone(f"agent-{self.interpreter}", answer_after=2,
                                          talk_seconds=None)
        app = stand_in.app_url
        self.agent_a = stand_in.http
        self.agent_b = requests.Session()
        log_in(stand_in, self.agent_a, "sokha@example.org")
        log_in(stand_in, self.agent_b, "malee@example.org")

        stand_in.pace = 0.01
        self.caller = stand_in.start_call(to=KHMER_LINE, press=["1"])
        assert wait_for_offer(stand_in)["call_sid"] == self.caller.call.sid
        assert self.agent_a.post(f"{app}/api/agents/me/offer/accept").status_code == 200
        self.caller.wait_until(lambda call: bool(call.child_sids) and bool(self.phone_a.active))
        self.leg_a = self.caller.call.child_sids[0]  # A's browser leg of the caller's <Dial>

        added = self.agent_a.post(f"{app}/api/calls/{self.caller.call.sid}/interpreter",
                                  json={"agent_id": self.interpreter})
        assert added.status_code == 200, added.text
        # B is offered the call as its interpreter (with its language and caller
        # reference), and is dialled in on accepting.
        offer = self.agent_b.get(f"{app}/api/agents/me/offer").json()
        assert (offer["kind"], offer["call_sid"], offer["language"]) == (
            "interpreter", self.caller.call.sid, "km")
        assert offer["caller_reference"] and offer["owner_agent_id"] == self.first
        assert not [call for call in stand_in.engine.calls.values()
                    if call.to == f"client:agent-{self.interpreter}"]
        accepted = self.agent_b.post(f"{app}/api/agents/me/offer/accept")
        assert accepted.status_code == 200, accepted.text
        until(lambda: len(in_room(stand_in, self.caller.call.sid)) == 3)
        [self.leg_b] = [call.sid for call in stand_in.engine.calls.values()
                        if call.to == f"client:agent-{self.interpreter}"]

    def states(self, stand_in) -> list[str]:
        return [session.get(f"{stand_in.app_url}/api/agents/me/state").json()["state"]
                for session in (self.agent_a, self.agent_b)]


def test_an_interpreter_joins_a_three_way_conference_and_hang_ups_end_the_call(stand_in):
    three = ThreeWay(stand_in)
    caller, leg_a, leg_b = three.caller, three.leg_a, three.leg_b
    first, interpreter = three.first, three.interpreter
    phone_a, phone_b, agent_b = three.phone_a, three.phone_b, three.agent_b
    app = stand_in.app_url

    # One conference, named by the caller's CallSid, with the caller, A's original
    # leg (A was never rung again) and B's call.
    assert in_room(stand_in, caller.call.sid) == {caller.call.sid, leg_a, leg_b}
    assert [call.sid for call in stand_in.engine.calls.values()
            if call.to == f"client:agent-{first}"] == [leg_a]
    assert [ring["result"] for ring in phone_a.rings] == ["answered"]
    assert [ring["result"] for ring in phone_b.rings] == ["answered"]
    assert stand_in.engine.get(leg_a).status == "in-progress"
    for session in (stand_in.http, agent_b):
        assert session.get(f"{app}/api/agents/me/state").json()["state"] == "on_call"

    assert stand_in.agent_hangup(f"agent-{interpreter}")       # B leaves
    until(lambda: in_room(stand_in, caller.call.sid) == {caller.call.sid, leg_a})
    caller.call.control.hangup("caller")                       # the caller hangs up
    result = caller.result()
    until(lambda: stand_in.engine.get(leg_a).finished and stand_in.engine.get(leg_b).finished)

    assert result.outcome["kind"] == "bridged" and result.outcome["agent_kind"] == "conference"
    assert not [notice for notice in result.notices if notice["fatal"]]
    room = stand_in.engine.conferences.all()[0]
    assert room.status == "completed" and room.call_sid_ending == caller.call.sid
    assert stand_in.engine.get(leg_a).ended_by == "app"        # put out when the room ended
    assert stand_in.engine.get(leg_b).ended_by == "agent"
    for session in (stand_in.http, agent_b):
        assert session.get(f"{app}/api/agents/me/state").json()["state"] == "wrap_up"
    agent_b.close()

    with stand_in.services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == caller.call.sid))
        assert (call.outcome, call.agent_id) == ("answered", first)
        assert call.answered_at is not None and call.ended_at is not None
        assert call.duration_seconds is not None and call.duration_seconds > 0
        events = session.execute(select(CallEvent.kind, CallEvent.detail)
                                 .where(CallEvent.call_id == call.id)
                                 .order_by(CallEvent.id)).all()
        kinds = [kind for kind, _detail in events]
        states = {agent: session.scalars(select(AgentStateChange.state)
                                         .where(AgentStateChange.user_id == agent)
                                         .order_by(AgentStateChange.id)).all()
                  for agent in (first, interpreter)}
    assert kinds[-4:] == ["interpreter_invited", "interpreter_added", "interpreter_left",
                          "bridge_ended"], kinds
    assert "queue_joined" in kinds and kinds.index("queue_joined") < kinds.index("queue_left")
    assert events[-4][1] == events[-3][1] == {"agent_id": first, "interpreter_id": interpreter}
    assert events[-2][1] == {"interpreter_id": interpreter, "status": "completed"}
    assert events[-1][1]["how"] == "caller_hung_up"
    assert states[first] == ["available", "reserved", "on_call", "wrap_up"]
    assert states[interpreter] == ["available", "reserved", "on_call", "wrap_up"]


def test_when_the_agent_who_owns_the_call_leaves_nobody_is_left_alone_in_the_room(stand_in):
    three = ThreeWay(stand_in)
    assert stand_in.agent_hangup(f"agent-{three.first}")        # A leaves first
    result = three.caller.result()
    until(lambda: stand_in.engine.get(three.leg_b).finished)
    assert result.outcome["kind"] == "bridged"
    room = stand_in.engine.conferences.all()[0]
    assert room.status == "completed" and room.call_sid_ending == three.leg_a
    assert stand_in.engine.get(three.leg_b).ended_by == "app"    # put out with the room
    assert three.states(stand_in) == ["wrap_up", "wrap_up"]
    three.agent_b.close()
    with stand_in.services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == three.caller.call.sid))
        assert call.ended_at is not None and call.outcome == "answered"
