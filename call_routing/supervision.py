"""Supervisors' controls over routing: force an agent's state, reassign waiting work to
a named agent, and see what waits. Every control writes one audit row
(`agent_console.audit`) in the same transaction as its note on the call's timeline.

The engine commits each change atomically in Redis (`engine.supervision`); this layer
checks who may be named (an active agent who serves the work's language), writes the
audit row and the call's timeline, and says the result in plain values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent_console import audit
from call_routing import policy, store
from call_routing.errors import (
    BAD_REQUEST,
    CALL_NOT_FOUND,
    NOT_YOUR_LANGUAGE,
    STAFF_NOT_FOUND,
    RoutingError,
)
from call_routing.service import RoutingService

NOTE_MAX = 200
# Audit actions (stable: reports and the audit log page read them).
STATE_FORCED = "agent_state_forced"
WORK_REASSIGNED = "work_reassigned"


class Supervision:
    def __init__(self, routing: RoutingService) -> None:
        self.routing = routing
        self.svc = routing.svc
        self.engine = routing.engine

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.svc.clock.now(), UTC)

    # ------------------------------------------------------------------ agents

    def force_state(self, supervisor_id: int, agent_id: int, state: str,
                    note: str = "") -> dict[str, Any]:
        """Set an agent available, on a break or offline, with the supervisor's reason.
        An offer they were being made is withdrawn (its work keeps its place)."""
        note = _note(note)
        with self.svc.db.session() as session:
            skills = store.staff_skills(session, agent_id)
        if skills is None:
            raise RoutingError(STAFF_NOT_FOUND, "no such active staff member")
        forced = self.engine.force_presence(agent_id, state, by=supervisor_id, note=note,
                                            skills=skills)
        with self.svc.db.session() as session:
            audit.record(session, actor_id=supervisor_id, action=STATE_FORCED,
                         subject_type="staff", subject_id=agent_id, state=state,
                         previous=forced.previous, note=note,
                         withdrawn=forced.withdrawn_sid)
            if forced.withdrawn_sid:
                store.mark_event(session, forced.withdrawn_sid, "offer_withdrawn",
                                 {"agent_id": agent_id, "by": supervisor_id,
                                  "why": "agent_state_forced"}, self._now())
        return {**self.engine.agent(agent_id), "previous": forced.previous,
                "withdrawn_sid": forced.withdrawn_sid}

    # ------------------------------------------------------------------ work

    def reassign(self, supervisor_id: int, sid: str, agent_id: int) -> dict[str, Any]:
        """The next offer of this waiting caller, callback or voicemail goes to
        `agent_id` — at once if they are available, else when they are, for up to
        `supervision.reassign_wait_seconds`; then ordinary routing again."""
        status = self.engine.status(sid)
        if status is None or status.state not in ("waiting", "reserved"):
            raise RoutingError(CALL_NOT_FOUND, "this work is no longer waiting")
        with self.svc.db.session() as session:
            skills = store.staff_skills(session, agent_id)
        if skills is None:
            raise RoutingError(STAFF_NOT_FOUND, "no such active staff member")
        if not serves(skills, status.skill, self.engine.dialect_parents):
            raise RoutingError(NOT_YOUR_LANGUAGE,
                               "that agent does not speak this caller's language")
        wait = self.svc.config.supervision.reassign_wait_seconds
        directed = self.engine.direct(sid, agent_id, wait)
        with self.svc.db.session() as session:
            audit.record(session, actor_id=supervisor_id, action=WORK_REASSIGNED,
                         subject_type=status.kind, subject_id=sid, agent_id=agent_id,
                         language=status.dialect or status.language,
                         offered=directed.offered, wait_seconds=wait,
                         withdrawn_from=directed.withdrawn_from)
            store.mark_event(session, sid, "reassigned",
                             {"agent_id": agent_id, "by": supervisor_id,
                              "offered": directed.offered}, self._now())
        return {"sid": sid, "kind": status.kind, "agent_id": agent_id,
                "offered": directed.offered, "wait_seconds": wait,
                "withdrawn_from": directed.withdrawn_from}

    def work(self) -> dict[str, Any]:
        """What waits (oldest first) and, for each item, who could be named for it."""
        now = self.svc.clock.now()
        items = self.engine.work_waiting()
        with self.svc.db.session() as session:
            staff = [(user.id, user.display_name,
                      {s.language: s.proficiency for s in user.skills})
                     for user in store.agents(session) if user.role == "agent"]
        names = {agent_id: name for agent_id, name, _ in staff}
        # Each agent's state read once per listing, not once per item waiting.
        signed_in = {agent_id for agent_id, _, _ in staff
                     if self.engine.agent(agent_id)["state"] != "offline"}
        rows = []
        for item in items:
            eligible = [agent_id for agent_id, _, skills in staff
                        if agent_id in signed_in
                        and serves(skills, str(item["skill"]), self.engine.dialect_parents)]
            since = item["since"]
            until = item["directed_until"]
            queue = self.svc.config.languages.get(str(item["skill"]))
            rows.append({
                **item,
                "language_name": queue.name if queue else item["skill"],
                "waited_seconds": (round(now - float(since), 1)
                                   if isinstance(since, float) else None),
                "directed_seconds_left": (round(max(0.0, until - now), 1)
                                          if isinstance(until, float) else None),
                "offered_to_name": _name(names, item["offered_to"]),
                "directed_to_name": _name(names, item["directed_to"]),
                "eligible": [{"id": agent_id, "name": names[agent_id]}
                             for agent_id in eligible],
            })
        return {"work": rows}


def serves(skills: dict[str, int], queue: str, parents: dict[str, str]) -> bool:
    """Can an agent with `skills` be offered work of this queue (a language or a
    dialect, whose parent language's speakers serve it too)?"""
    queue_language, queue_dialect = policy.routing_language(queue, None, parents)
    wanted = policy.agent_skills_for(policy.WaitingCall("", queue_language, queue_dialect,
                                                        0.0))
    return bool(set(wanted) & set(skills))


def _name(names: dict[int, str], agent_id: object) -> str | None:
    return names.get(agent_id) if isinstance(agent_id, int) else None


def _note(note: object) -> str:
    if note is None:
        return ""
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise RoutingError(BAD_REQUEST, f"reason must be text of at most {NOTE_MAX} "
                                        "characters")
    return note.strip()
