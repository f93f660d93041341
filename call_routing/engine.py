"""The routing engine: routing state in Redis, changed only by atomic scripts.

Reads gather a handful of candidates (the longest-idle available agent per
skill and proficiency; the head of each priority class per queue), the pure
policy chooses, and one Lua script commits the choice if it still holds.
Many web processes and workers can run this at once: a lost race is a refused
commit and another look, never a double booking.

Redis layout (prefix `hl:rt:` by default) — CallSids and agent ids only:
  agent:<id>          hash   state, reason, since, idle_since, skills, call, deadline
  avail:<skill>:<p>   zset   available agents with that skill at proficiency p, by idle_since
  online:<skill>      set    agents with the skill in any state but offline
  call:<sid>          hash   language, dialect, skill, joined_at, score, state, agent
  q:<skill>           zset   waiting (not offered) calls, by priority class then arrival
  reservations        zset   agent id by offer deadline
  wrapups             zset   agent id by end of wrap-up
  stats:<day>:<skill> hash   offered / answered / abandoned ... today (UTC)
  journal             list   every reservation, accept, release and end, in commit order
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from call_routing import policy
from call_routing.errors import (
    AGENT_BUSY,
    AGENT_NOT_AVAILABLE,
    CALL_NOT_FOUND,
    IN_CONFERENCE,
    NO_OFFER,
    NOT_CONNECTED,
    OFFER_GONE,
    SAME_AGENT,
    UNKNOWN_LANGUAGE,
    WRONG_STATE,
    RoutingError,
)
from call_routing.scripts import PRELUDE, SCRIPTS
from helpline.clock import Clock

AGENT_STATES = ("offline", "available", "reserved", "on_call", "wrap_up", "break")
SETTABLE_STATES = ("offline", "available", "break")
PROFICIENCIES = (1, 2, 3, 4, 5)
SERVICE_LEVEL_SECONDS = 20       # answered within this counts toward service level
SHORT_ABANDON_SECONDS = 5        # hanging up sooner is not held against the service level
DEFAULT_HANDLE_SECONDS = 300     # talk + wrap-up, until real calls give a figure
ROUTE_ATTEMPTS = 8               # lost races before giving up until the next trigger
DEFAULT_PREFIX = "hl:rt:"


@dataclass(frozen=True)
class Transition:
    """An agent's presence changed (written to AgentStateChange, published live)."""

    agent_id: int
    state: str
    reason: str | None
    at: float
    call_sid: str | None = None


@dataclass(frozen=True)
class QueueChanged:
    skill: str
    at: float


@dataclass(frozen=True)
class Offer:
    agent_id: int
    call_sid: str
    language: str
    dialect: str | None
    deadline: float
    joined_at: float
    urgent: bool = False
    callback: bool = False     # a callback request: the caller is not on the line


@dataclass(frozen=True)
class CallStatus:
    call_sid: str
    skill: str
    language: str
    dialect: str | None
    state: str                   # waiting / reserved / connected / ended
    position: int
    waiting_seconds: float
    estimated_wait_seconds: int
    agent_id: int | None
    interpreter_id: int | None
    urgent: bool
    callback: bool
    agents_logged_in: int = 0


Listener = Callable[[Transition | QueueChanged], None]


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def skills_field(skills: Mapping[str, int]) -> str:
    return ",".join(f"{lang}:{int(level)}" for lang, level in sorted(skills.items())
                    if 1 <= int(level) <= 5)


def parse_skills_field(raw: str) -> dict[str, int]:
    skills = {}
    for item in filter(None, raw.split(",")):
        lang, _, level = item.partition(":")
        skills[lang] = int(level)
    return skills


class RoutingEngine:
    def __init__(self, redis: Any, *, rules: policy.Rules, dialect_parents: Mapping[str, str],
                 languages: Iterable[str], clock: Clock, reservation_timeout: float = 15,
                 wrap_up_seconds: float = 60, prefix: str = DEFAULT_PREFIX,
                 journal_limit: int = 100_000, listener: Listener | None = None) -> None:
        self.redis = redis
        self.rules = rules
        self.dialect_parents = dict(dialect_parents)
        self.languages = tuple(languages)
        self.clock = clock
        self.reservation_timeout = reservation_timeout
        self.wrap_up_seconds = wrap_up_seconds
        self.prefix = prefix
        self.journal_limit = journal_limit
        self.listener = listener
        # "my=kac,ksw,mnw,shn": which dialect queues a speaker of each parent serves
        self._dialect_map = ";".join(
            f"{parent}={','.join(policy.skills_serving(parent, self.dialect_parents)[1:])}"
            for parent in sorted(set(self.dialect_parents.values())))
        self._scripts = {name: redis.register_script(PRELUDE + body)
                         for name, body in SCRIPTS.items()}

    # ------------------------------------------------------------------ plumbing

    def _run(self, name: str, *args: Any) -> list[str]:
        result = self._scripts[name](args=[self.prefix, *args])
        return [_s(item) for item in result]

    def key(self, *parts: str | int) -> str:
        return self.prefix + ":".join(str(part) for part in parts)

    def _day(self, now: float) -> str:
        return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")

    def _emit(self, event: Transition | QueueChanged) -> None:
        if self.listener is not None:
            self.listener(event)

    def _transition(self, agent_id: int | str, state: str, reason: str | None, now: float,
                    call_sid: str | None = None) -> None:
        self._emit(Transition(int(agent_id), state, reason or None, now, call_sid))

    # ------------------------------------------------------------------ calls

    def join(self, call_sid: str, language: str, dialect: str | None = None, *,
             urgent: bool = False, callback: bool = False) -> CallStatus:
        """Queue a call (idempotent on call_sid) and try to route its queue."""
        language, dialect = policy.routing_language(language, dialect, self.dialect_parents)
        skill = dialect or language
        if skill not in self.languages:
            raise RoutingError(UNKNOWN_LANGUAGE, f"no queue for language {skill!r}")
        now = self.clock.now()
        call = policy.WaitingCall(call_sid, language, dialect, now, urgent, callback)
        result = self._run("join", call_sid, language, dialect or "", skill, now,
                           policy.queue_score(call), int(urgent), int(callback),
                           self._day(now), self.journal_limit)
        if result[0] == "ok":
            self._emit(QueueChanged(skill, now))
            self.route_queue(skill)
        status = self.status(call_sid)
        if status is None:   # answered already, or hung up: report where it ended
            return CallStatus(call_sid, skill, language, dialect, "ended", 0, 0.0, 0,
                              None, None, urgent, callback)
        return status

    def status(self, call_sid: str) -> CallStatus | None:
        fields = self.redis.hgetall(self.key("call", call_sid))
        if not fields:
            return None
        call = {_s(k): _s(v) for k, v in fields.items()}
        now = self.clock.now()
        skill = call["skill"]
        position = 0
        if call["state"] == "waiting":
            rank = self.redis.zrank(self.key("q", skill), call_sid)
            position = (rank or 0) + 1
        elif call["state"] == "reserved":
            position = 1
        staffed = self.agents_logged_in(call["language"], call["dialect"] or None)
        return CallStatus(
            call_sid=call_sid, skill=skill, language=call["language"],
            dialect=call["dialect"] or None, state=call["state"], position=position,
            waiting_seconds=max(0.0, now - float(call["joined_at"])),
            estimated_wait_seconds=self._estimate_wait(skill, position, staffed),
            agent_id=int(call["agent"]) if call.get("agent") else None,
            interpreter_id=int(call["interpreter"]) if call.get("interpreter") else None,
            urgent=call.get("urgent") == "1", callback=call.get("callback") == "1",
            agents_logged_in=staffed,
        )

    def _estimate_wait(self, skill: str, position: int, staffed: int) -> int:
        """A slot frees every (handle time ÷ agents) seconds; the caller needs `position`."""
        if position <= 0:
            return 0
        recent = [float(v) for v in self.redis.lrange(self.key("handle", skill), 0, -1)]
        handle = statistics.median(recent) if recent else DEFAULT_HANDLE_SECONDS
        return int(round(position * handle / max(1, staffed)))

    def agents_logged_in(self, language: str, dialect: str | None = None) -> int:
        language, dialect = policy.routing_language(language, dialect, self.dialect_parents)
        if dialect is None:
            return int(self.redis.scard(self.key("online", language)))
        return len(self.redis.sunion(self.key("online", dialect), self.key("online", language)))

    def leave(self, call_sid: str, reason: str) -> str:
        """Take a call out wherever it is; an agent talking to it goes to wrap-up.

        Returns the state the call was in ('absent' if unknown or already ended).
        """
        now = self.clock.now()
        status = self.status(call_sid)
        result = self._run("leave", call_sid, now, reason, self._day(now),
                           SHORT_ABANDON_SECONDS, now + self.wrap_up_seconds, self.journal_limit)
        if result[0] != "ok":
            return "absent"
        prior, agent = result[1], result[2]
        if prior == "reserved":
            self._transition(agent, "available", "caller_left", now)
            self.route_agent(int(agent))
        elif prior == "connected" and status is not None:
            self._record_handle_time(status.skill, call_sid, now)
            for agent_id in filter(None, (status.agent_id, status.interpreter_id)):
                self._transition(agent_id, "wrap_up", None, now, call_sid)
        if status is not None:
            self._emit(QueueChanged(status.skill, now))
        return prior

    def finish_call(self, call_sid: str) -> str:
        """The conversation is over (either side hung up)."""
        return self.leave(call_sid, "completed")

    def _record_handle_time(self, skill: str, call_sid: str, now: float) -> None:
        accepted = self.redis.hget(self.key("call", call_sid), "accepted_at")
        if accepted:
            key = self.key("handle", skill)
            handle = now - float(_s(accepted)) + self.wrap_up_seconds
            self.redis.pipeline().lpush(key, handle).ltrim(key, 0, 19).execute()

    # ------------------------------------------------------------------ routing

    def route_queue(self, skill: str, limit: int = 100) -> int:
        """Offer the calls of one queue to free agents, most deserving first.

        Within a queue the oldest call of a class is the most eligible (widening
        only grows with waiting), so when a class head finds nobody, nobody in
        that class would: stop there.
        """
        offered = 0
        blocked: set[int] = set()
        while offered < limit:
            heads = [h for h in self.queue_heads(skill) if h.priority_class not in blocked]
            if not heads:
                return offered
            head = heads[0]
            if self.route_call(head.call_sid, call=head):
                offered += 1
            else:
                blocked.add(head.priority_class)
        return offered

    def route_call(self, call_sid: str, call: policy.WaitingCall | None = None) -> bool:
        """Offer one waiting call to the best free agent; False if none can take it."""
        call = call or self._waiting_call(call_sid)
        for _ in range(ROUTE_ATTEMPTS):
            if call is None:
                return False
            now = self.clock.now()
            decision = policy.choose_agent(call, self._candidate_agents(call), now, self.rules)
            if not decision.matched:
                return False
            assert decision.agent_id is not None
            outcome = self._reserve(decision.agent_id, call, now)
            if outcome == "ok":
                return True
            if outcome != "agent_not_available":
                return False
        return False

    def route_agent(self, agent_id: int) -> bool:
        """A free agent takes the most deserving call across every queue they serve."""
        for _ in range(ROUTE_ATTEMPTS):
            peek = self._run("peek_agent", policy.CLASS_SPAN, agent_id, self._dialect_map)
            if peek[0] != "available":
                return False
            agent = policy.AgentSnapshot(agent_id, parse_skills_field(peek[1]), float(peek[2]))
            calls = [self._head_call(queue, sid, float(score))
                     for queue, sid, score in zip(peek[3::3], peek[4::3], peek[5::3],
                                                  strict=True)]
            now = self.clock.now()
            decision = policy.choose_call(agent, calls, now, self.rules)
            if not decision.matched:
                return False
            call = next(c for c in calls if c.call_sid == decision.call_sid)
            outcome = self._reserve(agent_id, call, now)
            if outcome == "ok":
                return True
            if outcome != "call_not_waiting":
                return False
        return False

    def _reserve(self, agent_id: int, call: policy.WaitingCall, now: float) -> str:
        deadline = now + self.reservation_timeout
        result = self._run("reserve", agent_id, call.call_sid, now, deadline, self.journal_limit)
        if result[0] == "ok":
            self._transition(agent_id, "reserved", None, now, call.call_sid)
            self._emit(QueueChanged(call.skill, now))
        return result[0]

    def queue_heads(self, skill: str) -> list[policy.WaitingCall]:
        """The first call of each priority class in one queue, best first."""
        key = self.key("q", skill)
        pipe = self.redis.pipeline(transaction=False)
        for priority_class in (policy.RETURNED, policy.PRIORITY, policy.NORMAL):
            low = priority_class * policy.CLASS_SPAN
            pipe.zrangebyscore(key, low, f"({low + policy.CLASS_SPAN}", start=0, num=1,
                               withscores=True)
        return [self._head_call(skill, _s(member), score)
                for rows in pipe.execute() for member, score in rows]

    def _head_call(self, skill: str, call_sid: str, score: float) -> policy.WaitingCall:
        language, dialect = policy.routing_language(skill, None, self.dialect_parents)
        priority_class, joined_at = policy.split_score(score)
        return policy.WaitingCall(call_sid, language, dialect, joined_at,
                                  urgent=priority_class == policy.PRIORITY,
                                  returned=priority_class == policy.RETURNED)

    def _waiting_call(self, call_sid: str) -> policy.WaitingCall | None:
        fields = self.redis.hmget(self.key("call", call_sid), "state", "language", "dialect",
                                  "skill", "score")
        state, language, dialect, skill, score = (_s(f) if f is not None else None
                                                  for f in fields)
        if state != "waiting" or language is None or score is None:
            return None
        priority_class, joined_at = policy.split_score(float(score))
        if skill != (dialect or language):   # transferred to another language queue
            language, dialect = policy.routing_language(skill or language, None,
                                                        self.dialect_parents)
        return policy.WaitingCall(call_sid, language, dialect or None, joined_at,
                                  urgent=priority_class == policy.PRIORITY,
                                  returned=priority_class == policy.RETURNED)

    def _candidate_agents(self, call: policy.WaitingCall) -> list[policy.AgentSnapshot]:
        """The longest-idle free agent per (skill, proficiency): the policy's only options.

        Every tier is a union of such sets, so the longest idle of the best tier
        is always among these heads.
        """
        peek = self._run("peek_agents", *policy.agent_skills_for(call))
        merged: dict[int, tuple[dict[str, int], float]] = {}
        for skill, level, member, idle in zip(peek[0::4], peek[1::4], peek[2::4], peek[3::4],
                                              strict=True):
            agent_skills, _ = merged.setdefault(int(member), ({}, float(idle)))
            agent_skills[skill] = int(level)
        return [policy.AgentSnapshot(agent_id, agent_skills, idle)
                for agent_id, (agent_skills, idle) in merged.items()]

    # ------------------------------------------------------------------ agents

    def set_presence(self, agent_id: int, state: str, reason: str | None = None, *,
                     skills: Mapping[str, int] | None = None,
                     required_state: str | None = None, route: bool = True) -> str:
        """Available, break (with a reason) or offline; returns the previous state."""
        if state not in SETTABLE_STATES:
            raise RoutingError("invalid_state", f"state must be one of {SETTABLE_STATES}")
        now = self.clock.now()
        result = self._run("presence", agent_id, state, reason or "", now,
                           skills_field(skills) if skills is not None else "",
                           required_state or "")
        if result[0] == "agent_busy":
            raise RoutingError(AGENT_BUSY, f"the agent is {result[1]}; finish that first")
        if result[0] == "wrong_state":
            raise RoutingError(WRONG_STATE, f"the agent is {result[1]}, not {required_state}")
        previous = result[1]
        if previous != state or state == "break":
            self._transition(agent_id, state, reason, now)
        if state == "available" and route:
            self.route_agent(agent_id)
        return previous

    def wrap_up_done(self, agent_id: int) -> None:
        self.set_presence(agent_id, "available", required_state="wrap_up")

    def agent(self, agent_id: int) -> dict[str, Any]:
        fields = {_s(k): _s(v) for k, v in
                  self.redis.hgetall(self.key("agent", agent_id)).items()}
        return {
            "agent_id": agent_id,
            "state": fields.get("state", "offline"),
            "reason": fields.get("reason") or None,
            "since": float(fields["since"]) if fields.get("since") else None,
            "call_sid": fields.get("call") or None,
            "wrap_up_until": (float(fields["wrap_until"])
                              if fields.get("state") == "wrap_up" and fields.get("wrap_until")
                              else None),
            "skills": parse_skills_field(fields.get("skills", "")),
        }

    def offer_for(self, agent_id: int) -> Offer | None:
        state, sid, deadline = self.redis.hmget(self.key("agent", agent_id), "state", "call",
                                                "deadline")
        if state is None or _s(state) != "reserved" or not sid:
            return None
        call = self.redis.hmget(self.key("call", _s(sid)), "language", "dialect",
                                "first_joined_at", "urgent", "callback")
        if call[0] is None:
            return None
        return Offer(agent_id, _s(sid), _s(call[0]), _s(call[1]) or None, float(_s(deadline)),
                     float(_s(call[2])), urgent=call[3] == b"1", callback=call[4] == b"1")

    def accept(self, agent_id: int, call_sid: str) -> float:
        """The agent takes the offered call; returns how long the caller waited."""
        now = self.clock.now()
        result = self._run("accept", agent_id, call_sid, now, self._day(now),
                           SERVICE_LEVEL_SECONDS, self.journal_limit)
        if result[0] == "no_offer":
            raise RoutingError(NO_OFFER, "this call is not being offered to you")
        if result[0] != "ok":
            raise RoutingError(OFFER_GONE, "the caller is no longer waiting")
        self._transition(agent_id, "on_call", None, now, call_sid)
        return float(result[1])

    def decline(self, agent_id: int, call_sid: str) -> None:
        """The agent turns the offer down: a break for them, the next agent for the caller."""
        self._release(agent_id, call_sid, "declined")

    def _release(self, agent_id: int, call_sid: str, why: str) -> bool:
        now = self.clock.now()
        result = self._run("release", agent_id, call_sid, now, why, self.journal_limit)
        if result[0] == "no_offer":
            if why == "declined":
                raise RoutingError(NO_OFFER, "this call is not being offered to you")
            return False
        if result[0] != "ok":
            return False
        self._transition(agent_id, "break", why, now, call_sid)
        call = self._waiting_call(call_sid)
        if call is not None:
            self._emit(QueueChanged(call.skill, now))
            self.route_queue(call.skill)
        return True

    def expire_reservations(self) -> int:
        """Offers past their deadline: the agent 'missed' it, the caller keeps their place."""
        now = self.clock.now()
        expired = 0
        for member in self.redis.zrangebyscore(self.key("reservations"), "-inf", now):
            agent_id = int(member)
            sid = self.redis.hget(self.key("agent", agent_id), "call")
            if sid and self._release(agent_id, _s(sid), "missed"):
                expired += 1
        return expired

    def end_wrap_ups(self) -> int:
        """Agents whose wrap-up time is over become available again by themselves."""
        ended = 0
        for member in self.redis.zrangebyscore(self.key("wrapups"), "-inf", self.clock.now()):
            try:
                self.wrap_up_done(int(member))
                ended += 1
            except RoutingError:
                self.redis.zrem(self.key("wrapups"), member)
        return ended

    def sweep(self) -> dict[str, int]:
        """The periodic safety net: expiries, wrap-up ends, and widening with waiting time."""
        expired = self.expire_reservations()
        wrapped = self.end_wrap_ups()
        offered = sum(self.route_queue(skill) for skill in self.languages)
        return {"expired": expired, "wrap_ups_ended": wrapped, "offered": offered}

    # ------------------------------------------------------------------ bridge outcomes

    def bridge_failed(self, call_sid: str, *, agent_missed: bool = True) -> int | None:
        """The agent's leg did not answer: caller to the front, agent to a 'missed' break."""
        now = self.clock.now()
        call = self._waiting_call_score(call_sid, now)
        result = self._run("bridge_failed", call_sid, now, self._day(now), call,
                           SERVICE_LEVEL_SECONDS, self.journal_limit,
                           "missed" if agent_missed else "available")
        if result[0] != "ok":
            return None
        agent_id = int(result[2])
        if agent_missed:
            self._transition(agent_id, "break", "missed", now, call_sid)
        else:
            self._transition(agent_id, "available", "bridge_failed", now)
        status = self.status(call_sid)
        if status is not None:
            self._emit(QueueChanged(status.skill, now))
            self.route_queue(status.skill)
        return agent_id

    def _waiting_call_score(self, call_sid: str, now: float) -> float:
        joined = self.redis.hget(self.key("call", call_sid), "joined_at")
        joined_at = float(_s(joined)) if joined else now
        return policy.RETURNED * policy.CLASS_SPAN + joined_at

    # ------------------------------------------------------------------ transfers

    def transfer_to_language(self, call_sid: str, language: str) -> int:
        """Cold transfer into another language queue, at its front. Returns the old agent."""
        skill = policy.routing_language(language, None, self.dialect_parents)
        target = skill[1] or skill[0]
        if target not in self.languages:
            raise RoutingError(UNKNOWN_LANGUAGE, f"no queue for language {language!r}")
        now = self.clock.now()
        old = self._connected_agent(call_sid)
        score = policy.RETURNED * policy.CLASS_SPAN + now
        result = self._run("transfer", call_sid, now, now + self.wrap_up_seconds, "queue",
                           target, score, 0, self.journal_limit)
        self._raise_transfer_error(result)
        self._transition(old, "wrap_up", "transferred", now, call_sid)
        self._emit(QueueChanged(target, now))
        self.route_queue(target)
        return old

    def transfer_to_agent(self, call_sid: str, agent_id: int) -> int:
        """Cold transfer offered straight to a named, available agent."""
        now = self.clock.now()
        old = self._connected_agent(call_sid)
        score = self._waiting_call_score(call_sid, now)
        result = self._run("transfer", call_sid, now, now + self.wrap_up_seconds, "agent",
                           agent_id, score, now + self.reservation_timeout, self.journal_limit)
        self._raise_transfer_error(result)
        self._transition(old, "wrap_up", "transferred", now, call_sid)
        self._transition(agent_id, "reserved", "transfer", now, call_sid)
        return old

    def add_interpreter(self, call_sid: str, agent_id: int) -> int:
        """A second, available agent joins the call; returns the first agent."""
        now = self.clock.now()
        result = self._run("interpreter", call_sid, agent_id, now, self.journal_limit)
        self._raise_transfer_error(result)
        self._transition(agent_id, "on_call", "interpreter", now, call_sid)
        return int(result[1])

    def _connected_agent(self, call_sid: str) -> int:
        state, agent = self.redis.hmget(self.key("call", call_sid), "state", "agent")
        if state is None:
            raise RoutingError(CALL_NOT_FOUND, "no such call in routing")
        if _s(state) != "connected" or not agent:
            raise RoutingError(NOT_CONNECTED, "the call is not with an agent")
        return int(_s(agent))

    @staticmethod
    def _raise_transfer_error(result: list[str]) -> None:
        code = result[0]
        if code == "ok":
            return
        messages = {
            NOT_CONNECTED: "the call is not with an agent",
            IN_CONFERENCE: "the call already has an interpreter",
            SAME_AGENT: "that agent is already on the call",
            AGENT_NOT_AVAILABLE: f"that agent is {result[1]}",
        }
        raise RoutingError(code, messages.get(code, code))

    # ------------------------------------------------------------------ inspection

    def journal(self) -> list[str]:
        return [_s(entry) for entry in self.redis.lrange(self.key("journal"), 0, -1)]
