"""The engine's foundation: its collaborators, the script plumbing every change
goes through, and the reads the rest of the engine builds on (a call's status
and wait estimate, staffing, a waiting call as the policy sees it, the journal)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from call_routing import policy
from call_routing.engine_values import (
    DEFAULT_HANDLE_SECONDS,
    DEFAULT_PREFIX,
    CallStatus,
    Listener,
    QueueChanged,
    QueuedEntry,
    Transition,
    _s,
)
from call_routing.scripts import PRELUDE, SCRIPTS
from helpline.clock import Clock


class EngineCore:
    """What every part of `RoutingEngine` relies on; not used on its own."""

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

    # A waiting call as the policy sees it, and the score of a call that goes back
    # to the front of a queue (after a failed bridge or a transfer to an agent).

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

    def _waiting_call_score(self, call_sid: str, now: float) -> float:
        joined = self.redis.hget(self.key("call", call_sid), "joined_at")
        joined_at = float(_s(joined)) if joined else now
        return policy.RETURNED * policy.CLASS_SPAN + joined_at

    def queued_entries(self) -> list[QueuedEntry]:
        """Every call waiting in a queue or being offered to an agent, oldest first."""
        pipe = self.redis.pipeline(transaction=False)
        for skill in self.languages:
            pipe.zrange(self.key("q", skill), 0, -1)
        pipe.zrange(self.key("reservations"), 0, -1)
        *queues, reserving = pipe.execute()
        for agent_id in reserving:
            pipe.hget(self.key("agent", _s(agent_id)), "call")
        sids = {_s(sid) for members in queues for sid in members}
        sids.update(_s(sid) for sid in pipe.execute() if sid)
        ordered = sorted(sids)
        for sid in ordered:
            pipe.hmget(self.key("call", sid), "state", "joined_at", "callback")
        entries = [QueuedEntry(sid, _s(state), float(_s(joined)), callback == b"1")
                   for sid, (state, joined, callback) in zip(ordered, pipe.execute(),
                                                              strict=True)
                   if state in (b"waiting", b"reserved") and joined is not None]
        return sorted(entries, key=lambda entry: entry.joined_at)

    # ------------------------------------------------------------------ inspection

    def journal(self) -> list[str]:
        return [_s(entry) for entry in self.redis.lrange(self.key("journal"), 0, -1)]
