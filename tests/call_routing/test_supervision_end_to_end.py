"""Supervisors' routing controls end to end: callers through the Twilio stand-in over
real, signed HTTP; agents and the supervisor in the console's JSON API, each logged in
with their own session. A waiting Nepali caller reassigned to a named Nepali agent on
a break reaches her (not the colleague who goes ready first); an agent on break is
forced offline, and an agent being offered a caller is forced offline, the caller
going to the next agent. Each control leaves an audit row."""

from __future__ import annotations

import time

import requests
from sqlalchemy import select

from agent_console.models import AgentStateChange, AuditEntry
from call_routing import jobs
from tests.builders import create_staff_member, put_agent_on_a_call

NEPALI_LINE = "+661800000104"
PASSWORD = "correct horse battery"


def signed_in(stand_in, email: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{stand_in.app_url}/login",
                            data={"email": email, "password": PASSWORD},
                            allow_redirects=False)
    assert response.status_code == 302, response.text
    return session


def staff(stand_in, email: str, skills: dict[str, int], role: str = "agent") -> int:
    with stand_in.services.db.session() as session:
        return int(create_staff_member(session, email=email, skills=skills, role=role,
                                       password=PASSWORD).id)


def wait_until(predicate, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def offer_of(stand_in, agent: requests.Session) -> dict | None:
    response = agent.get(f"{stand_in.app_url}/api/agents/me/offer")
    return response.json() if response.status_code == 200 else None


def audit_rows(stand_in, action: str) -> list[AuditEntry]:
    with stand_in.services.db.session() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                               .order_by(AuditEntry.id)).all()
        session.expunge_all()
        return list(rows)


def test_a_waiting_nepali_caller_reassigned_to_a_named_nepali_agent_reaches_her(stand_in):
    app = stand_in.app_url
    # Someone serves Nepali (on another call), so the caller waits in line.
    put_agent_on_a_call(stand_in.services, email="busy@example.org", skills={"ne": 5})
    kamala_id = staff(stand_in, "kamala@example.org", {"ne": 5})
    staff(stand_in, "hari@example.org", {"ne": 5})
    sokha_id = staff(stand_in, "sokha@example.org", {"km": 5})
    supervisor_id = staff(stand_in, "su@example.org", {"en": 5}, role="supervisor")
    kamala, hari = signed_in(stand_in, "kamala@example.org"), signed_in(stand_in,
                                                                        "hari@example.org")
    supervisor = signed_in(stand_in, "su@example.org")
    assert kamala.post(f"{app}/api/agents/me/state",
                       json={"state": "break", "reason": "meal"}).status_code == 200
    stand_in.softphone(f"agent-{kamala_id}", answer_after=1, talk_seconds=30)

    stand_in.pace = 0.05
    caller = stand_in.start_call(to=NEPALI_LINE, press=["1"], from_="+9779800000001")
    work = wait_until(lambda: [item for item in supervisor.get(
        f"{app}/api/supervision/work").json()["work"] if item["sid"] == caller.call.sid],
        what="the caller waiting in line")[0]
    assert (work["kind"], work["language"], work["state"]) == ("call", "ne", "waiting")
    names = {agent["name"] for agent in work["eligible"]}
    assert "kamala" in names and "sokha" not in names     # only Nepali speakers
    # Naming an agent who does not speak Nepali is refused.
    khmer = supervisor.post(f"{app}/api/supervision/work/{caller.call.sid}/reassign",
                            json={"agent_id": sokha_id})
    assert khmer.status_code == 403 and khmer.json()["error"] == "not_your_language"

    reassigned = supervisor.post(f"{app}/api/supervision/work/{caller.call.sid}/reassign",
                                 json={"agent_id": kamala_id})
    assert reassigned.status_code == 200, reassigned.text
    assert reassigned.json()["offered"] is False            # she is on a break: it waits
    listed = next(item for item in supervisor.get(f"{app}/api/supervision/work").json()["work"]
                  if item["sid"] == caller.call.sid)
    assert listed["directed_to"] == kamala_id and listed["directed_to_name"] == "kamala"

    # Hari goes ready first: the caller waiting for Kamala is not offered to him.
    assert hari.post(f"{app}/api/agents/me/state", json={"state": "available"}).json()[
        "state"] == "available"
    jobs.sweep(stand_in.services)
    assert offer_of(stand_in, hari) is None

    assert kamala.post(f"{app}/api/agents/me/state",
                       json={"state": "available"}).status_code == 200
    offer = wait_until(lambda: offer_of(stand_in, kamala), what="Kamala's offer")
    assert offer["call_sid"] == caller.call.sid and offer["language"] == "ne"
    assert kamala.post(f"{app}/api/agents/me/offer/accept").status_code == 200
    result = caller.result(timeout=60)
    assert result.outcome["kind"] == "bridged"
    assert result.outcome["agent"] == f"agent-{kamala_id}"

    [row] = audit_rows(stand_in, "work_reassigned")
    assert (row.actor_id, row.subject_type, row.subject_id) == (
        supervisor_id, "call", caller.call.sid)
    assert row.detail["agent_id"] == kamala_id and row.detail["language"] == "ne"
    assert row.detail["wait_seconds"] == stand_in.services.config.supervision.\
        reassign_wait_seconds


def test_supervisor_forces_agents_offline_on_break_and_while_being_offered_a_caller(
        stand_in):
    app = stand_in.app_url
    put_agent_on_a_call(stand_in.services, email="busy@example.org", skills={"ne": 5})
    resting_id = staff(stand_in, "resting@example.org", {"ne": 5})
    ringing_id = staff(stand_in, "ringing@example.org", {"ne": 5})
    staff(stand_in, "next@example.org", {"ne": 3})
    supervisor_id = staff(stand_in, "su@example.org", {"en": 5}, role="supervisor")
    resting, ringing, nxt = (signed_in(stand_in, f"{who}@example.org")
                             for who in ("resting", "ringing", "next"))
    supervisor = signed_in(stand_in, "su@example.org")

    # An agent on a break who walked away from the desk is taken out of rotation.
    resting.post(f"{app}/api/agents/me/state", json={"state": "break", "reason": "rest"})
    forced = supervisor.post(f"{app}/api/agents/{resting_id}/state",
                             json={"state": "offline", "reason": "left the desk"})
    assert forced.status_code == 200, forced.text
    assert (forced.json()["state"], forced.json()["previous"]) == ("offline", "break")
    seen = resting.get(f"{app}/console/agent/state").json()
    assert seen["state"] == "offline"
    assert seen["forced_by"] == {"name": "su", "note": "left the desk"}
    # Agents cannot do it to each other.
    refused = ringing.post(f"{app}/api/agents/{resting_id}/state", json={"state": "offline"})
    assert refused.status_code == 403

    # An agent being offered a caller is forced offline: the offer is withdrawn and the
    # caller, still first in line, is offered to the next agent who goes ready.
    ringing.post(f"{app}/api/agents/me/state", json={"state": "available"})
    stand_in.pace = 0.05
    caller = stand_in.start_call(to=NEPALI_LINE, press=["1"], from_="+9779800000002")
    offer = wait_until(lambda: offer_of(stand_in, ringing), what="the first offer")
    assert offer["call_sid"] == caller.call.sid
    withdrawn = supervisor.post(f"{app}/api/agents/{ringing_id}/state",
                                json={"state": "offline", "reason": "not answering"})
    assert withdrawn.json()["withdrawn_sid"] == caller.call.sid
    assert offer_of(stand_in, ringing) is None
    status = stand_in.services.extras["routing"].engine.status(caller.call.sid)
    assert (status.state, status.position) == ("waiting", 1)
    nxt.post(f"{app}/api/agents/me/state", json={"state": "available"})
    offer = wait_until(lambda: offer_of(stand_in, nxt), what="the next agent's offer")
    assert offer["call_sid"] == caller.call.sid
    nxt.post(f"{app}/api/agents/me/offer/decline")
    caller.call.control.hangup("test")
    caller.result()

    rows = audit_rows(stand_in, "agent_state_forced")
    assert [(r.actor_id, r.subject_id, r.detail["state"], r.detail["previous"],
             r.detail["note"], r.detail["withdrawn"]) for r in rows] == [
        (supervisor_id, str(resting_id), "offline", "break", "left the desk", None),
        (supervisor_id, str(ringing_id), "offline", "reserved", "not answering",
         caller.call.sid)]
    with stand_in.services.db.session() as session:
        changes = session.scalars(select(AgentStateChange)
                                  .where(AgentStateChange.user_id == resting_id)
                                  .order_by(AgentStateChange.id)).all()
        assert [(c.state, c.reason) for c in changes][-1] == ("offline", "supervisor")
