"""What supervisors change in routing: an agent's state forced (an offer they were
being made withdrawn), and waiting work reassigned to a named agent (a directed offer).

A reassigned item leaves its queue and waits for its agent alone; the agent is offered
it the moment they are available (`route_agent` offers it before anything else). If they
are not free within the wait given (`supervision.reassign_wait_seconds`), the item goes
back to its queue under its own score — the place in line it had — and ordinary
routing offers it. Offering it clears the direction, so a missed or declined directed
offer is ordinary work again. Every offer is still one reservation script checking the
agent is available and the work waiting, so no work is offered twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from call_routing.engine.routing import Router
from call_routing.engine.values import SETTABLE_STATES, QueueChanged, _s, skills_field
from call_routing.errors import (
    AGENT_BUSY,
    AGENT_NOT_AVAILABLE,
    CALL_NOT_FOUND,
    INVALID_STATE,
    RoutingError,
)

# The reason routing records for a state a supervisor set (the agent's screen and the
# wallboard name the supervisor and their note).
FORCED_REASON = "supervisor"
# Directed items looked at per tick (returned when due; offered to an available agent).
DIRECTED_BATCH = 200


@dataclass(frozen=True)
class Forced:
    previous: str                 # the agent's state before
    withdrawn_sid: str | None     # an offer withdrawn from them
    withdrawn_skill: str | None
    withdrawn_kind: str | None    # '' (the work itself), transfer or interpreter


@dataclass(frozen=True)
class Directed:
    offered: bool                 # True: offered to the agent now; False: waiting for them
    skill: str
    withdrawn_from: int | None    # an agent whose offer of it was withdrawn


class SupervisionMixin(Router):
    def force_presence(self, agent_id: int, state: str, *, by: int, note: str = "",
                       skills: Mapping[str, int] | None = None) -> Forced:
        """Set an agent available, on a break or offline for them. Refused (agent_busy)
        while they talk to a caller; an offer they are being made is withdrawn and its
        work returns to its place in line."""
        if state not in SETTABLE_STATES:
            raise RoutingError(INVALID_STATE, f"state must be one of {SETTABLE_STATES}")
        now = self.clock.now()
        reason = "" if state == "available" else FORCED_REASON
        result = self._run("force_presence", agent_id, state, reason, now,
                           skills_field(skills) if skills is not None else "", by, note,
                           self.journal_limit)
        if result[0] == "agent_busy":
            raise RoutingError(AGENT_BUSY, f"the agent is {result[1]}: end the call first")
        previous, withdrawn, skill, kind = result[1], result[2], result[3], result[4]
        self._transition(agent_id, state, reason or FORCED_REASON, now)
        if withdrawn and skill:
            self._emit(QueueChanged(skill, now))
            if kind != "interpreter":
                self._route_skill_of(withdrawn, skill)
        if state == "available":
            self.route_agent(agent_id)
        return Forced(previous, withdrawn or None, skill or None, kind or None)

    def forced_by(self, agent_id: int) -> tuple[int, str] | None:
        """(supervisor id, note) if the agent's present state was set by a supervisor."""
        state, since, forced_state, forced_since, by, note = self.redis.hmget(
            self.key("agent", agent_id), "state", "since", "forced_state", "forced_since",
            "forced_by", "forced_note")
        if not by or since is None or (state, since) != (forced_state, forced_since):
            return None
        return int(_s(by)), _s(note or b"")

    def direct(self, call_sid: str, agent_id: int, wait_seconds: float) -> Directed:
        """The next offer of this waiting work goes to `agent_id`, now if they are
        available, else when they are, for up to `wait_seconds`."""
        now = self.clock.now()
        result = self._run("direct", call_sid, agent_id, now + wait_seconds, now,
                           now + self.reservation_timeout, self.journal_limit)
        code = result[0]
        if code == "call_not_waiting":
            raise RoutingError(CALL_NOT_FOUND, "this work is no longer waiting")
        if code == "already_offered":
            return Directed(True, "", None)
        if code == "agent_not_available":
            raise RoutingError(AGENT_NOT_AVAILABLE, f"that agent is {result[1]}")
        skill, withdrawn = result[1], result[2]
        self._emit(QueueChanged(skill, now))
        if withdrawn:
            self._transition(withdrawn, "available", "reassigned", now)
            self.route_agent(int(withdrawn))
        if code == "offered":
            self._transition(agent_id, "reserved", "reassigned", now, call_sid)
        return Directed(code == "offered", skill, int(withdrawn) if withdrawn else None)

    def directed_tick(self) -> int:
        """Reassigned work whose wait is over returns to its queue (and is routed there);
        work waiting for an agent who is available is offered to them. Returns how many
        items went back."""
        now = self.clock.now()
        result = self._run("undirect_due", now, DIRECTED_BATCH, self.journal_limit)
        count = int(result[0])
        returned = result[1:1 + 3 * count]
        for sid, skill in zip(returned[0::3], returned[1::3], strict=True):
            self._emit(QueueChanged(skill, now))
            self._route_skill_of(sid, skill)
        for agent_id in result[1 + 3 * count:]:
            self.route_agent(int(agent_id))
        return count

    def directed_to(self, call_sid: str) -> tuple[int, float] | None:
        """(agent, until when) if this work waits for a named agent."""
        agent, until = self.redis.hmget(self.key("call", call_sid), "directed",
                                        "directed_until")
        if not agent or not until:
            return None
        return int(agent), float(until)

    def _route_skill_of(self, call_sid: str, skill: str) -> None:
        call = self._waiting_call(call_sid)
        if call is None:
            return
        if call.deferred:
            self.route_deferred(skill)
        else:
            self.route_queue(skill)

    def work_waiting(self, limit: int = 500) -> list[dict[str, object]]:
        """Work a supervisor may reassign: waiting in a queue, not due yet, reassigned
        and waiting for its agent, or being offered — oldest first, ids only."""
        pipe = self.redis.pipeline(transaction=False)
        for skill in self.languages:
            pipe.zrange(self.key("q", skill), 0, limit - 1)
            pipe.zrange(self.key("dq", skill), 0, limit - 1)
        pipe.zrange(self.key("later"), 0, limit - 1)
        pipe.zrange(self.key("directed"), 0, limit - 1)
        pipe.zrange(self.key("reservations"), 0, -1)
        *queues, reserving = pipe.execute()
        for agent_id in reserving:
            pipe.hmget(self.key("agent", _s(agent_id)), "call", "offer_kind")
        sids = {_s(sid) for members in queues for sid in members}
        sids.update(_s(sid) for sid, offer_kind in pipe.execute()
                    if sid and not offer_kind)   # an interpreter's offer is not the work's
        ordered = sorted(sids)
        fields = ("state", "kind", "callback", "language", "dialect", "skill",
                  "first_joined_at", "joined_at", "agent", "directed", "directed_until",
                  "not_before", "urgent")
        for sid in ordered:
            pipe.hmget(self.key("call", sid), *fields)
        work: list[dict[str, object]] = []
        for sid, values in zip(ordered, pipe.execute(), strict=True):
            row = dict(zip(fields, (_s(v) if v is not None else "" for v in values),
                           strict=True))
            if row["state"] not in ("waiting", "reserved"):
                continue
            kind = row["kind"] or ("callback" if row["callback"] == "1" else "call")
            since = row["first_joined_at"] or row["joined_at"]
            work.append({
                "sid": sid, "kind": kind, "state": row["state"],
                "language": row["language"], "dialect": row["dialect"] or None,
                "skill": row["skill"], "since": float(since) if since else None,
                "urgent": row["urgent"] == "1",
                "offered_to": (int(row["agent"]) if row["state"] == "reserved"
                               and row["agent"] else None),
                "directed_to": int(row["directed"]) if row["directed"] else None,
                "directed_until": (float(row["directed_until"]) if row["directed_until"]
                                   else None),
                "not_before": float(row["not_before"]) if row["not_before"] else None,
            })
        return sorted(work, key=lambda item: float(str(item["since"] or 0)))[:limit]
