"""The engine's foundation: its collaborators, the script plumbing every change
goes through, and the reads the rest of the engine builds on (a call's status
and wait estimate, who is serving a language, a waiting call as the policy sees
it, the journal)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from call_routing import policy
from call_routing.engine.values import (
    DEFAULT_PREFIX,
    HANDLE_SAMPLES,
    LONGEST_MEANINGFUL_WAIT,
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
        self._serving_checked = False
        self._queue_languages: dict[str, tuple[str, str | None]] = {}

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
        """Where a call stands: two round trips to Redis (the call, then its place in
        line, the agents serving its language and the recent handle times together) —
        every waiting caller asks at every hold cycle."""
        fields = self.redis.hgetall(self.key("call", call_sid))
        if not fields:
            return None
        call = {_s(k): _s(v) for k, v in fields.items()}
        now = self.clock.now()
        skill = call["skill"]
        kind = call.get("kind") or (policy.CALLBACK if call.get("callback") == "1"
                                    else policy.CALL)
        self.ensure_serving_index()
        waiting = call["state"] == "waiting"
        pipe = self.redis.pipeline(transaction=False)
        if waiting:
            queue = "dq" if kind in policy.DEFERRED_KINDS else "q"
            pipe.zrank(self.key(queue, skill), call_sid)
        self._count_serving(pipe, call["language"], call["dialect"] or None)
        pipe.lrange(self.key("handle", skill), 0, HANDLE_SAMPLES - 1)
        replies = pipe.execute()
        rank, serving_reply, recent = (replies if waiting else [None, *replies])
        position = (rank or 0) + 1 if waiting else 1 if call["state"] == "reserved" else 0
        serving = (int(serving_reply) if isinstance(serving_reply, int)
                   else len(serving_reply))
        return CallStatus(
            call_sid=call_sid, skill=skill, language=call["language"],
            dialect=call["dialect"] or None, state=call["state"], position=position,
            waiting_seconds=max(0.0, now - float(call["joined_at"])),
            estimated_wait_seconds=wait_estimate(position, serving,
                                                 [float(v) for v in recent]),
            agent_id=int(call["agent"]) if call.get("agent") else None,
            interpreter_id=int(call["interpreter"]) if call.get("interpreter") else None,
            urgent=call.get("urgent") == "1", callback=kind == policy.CALLBACK,
            agents_serving=serving, kind=kind,
            interpreter_offered_to=(int(call["interpreter_offer"])
                                    if call.get("interpreter_offer") else None),
        )

    def agents_serving(self, language: str, dialect: str | None = None) -> int:
        """Agents who could answer this caller soon: available, being offered a call, on
        a call or wrapping up — not on a break or offline. A dialect caller counts the
        speakers of its parent language too, who take them once the wait widens."""
        self.ensure_serving_index()
        pipe = self.redis.pipeline(transaction=False)
        self._count_serving(pipe, language, dialect)
        reply = pipe.execute()[0]
        return int(reply) if isinstance(reply, int) else len(reply)

    def _count_serving(self, pipe: Any, language: str, dialect: str | None) -> None:
        language, dialect = policy.routing_language(language, dialect, self.dialect_parents)
        if dialect is None:
            pipe.scard(self.key("serving", language))
        else:
            pipe.sunion(self.key("serving", dialect), self.key("serving", language))

    def ensure_serving_index(self) -> None:
        """Routing state written before `serving:<skill>` existed gets it, once."""
        if self._serving_checked:
            return
        if not self.redis.exists(self.key("serving-built")):
            self._run("rebuild_serving", *self.languages)
        self._serving_checked = True

    # A waiting call as the policy sees it, and the score of a call that goes back
    # to the front of a queue (after a failed bridge or a transfer to an agent).

    def _waiting_call(self, call_sid: str) -> policy.WaitingCall | None:
        fields = self.redis.hmget(self.key("call", call_sid), "state", "language", "dialect",
                                  "skill", "score", "kind", "callback")
        state, language, dialect, skill, score, kind, callback = (
            _s(f) if f is not None else None for f in fields)
        if state != "waiting" or language is None or score is None:
            return None
        priority_class, joined_at = policy.split_score(float(score))
        if skill != (dialect or language):   # transferred to another language queue
            language, dialect = policy.routing_language(skill or language, None,
                                                        self.dialect_parents)
        kind = kind or (policy.CALLBACK if callback == "1" else policy.CALL)
        return policy.WaitingCall(call_sid, language, dialect or None, joined_at,
                                  urgent=priority_class == policy.PRIORITY,
                                  returned=priority_class == policy.RETURNED,
                                  callback=kind == policy.CALLBACK,
                                  voicemail=kind == policy.VOICEMAIL)

    def _waiting_call_score(self, call_sid: str, now: float) -> float:
        joined = self.redis.hget(self.key("call", call_sid), "joined_at")
        joined_at = float(_s(joined)) if joined else now
        return policy.RETURNED * policy.CLASS_SPAN + joined_at

    def queued_entries(self) -> list[QueuedEntry]:
        """All work waiting in a queue (live, deferred, or not due yet) or being offered to
        an agent, oldest first."""
        pipe = self.redis.pipeline(transaction=False)
        for skill in self.languages:
            pipe.zrange(self.key("q", skill), 0, -1)
            pipe.zrange(self.key("dq", skill), 0, -1)
        pipe.zrange(self.key("later"), 0, -1)
        pipe.zrange(self.key("reservations"), 0, -1)
        *queues, reserving = pipe.execute()
        for agent_id in reserving:
            pipe.hget(self.key("agent", _s(agent_id)), "call")
        sids = {_s(sid) for members in queues for sid in members}
        sids.update(_s(sid) for sid in pipe.execute() if sid)
        ordered = sorted(sids)
        for sid in ordered:
            pipe.hmget(self.key("call", sid), "state", "joined_at", "callback", "kind")
        entries = []
        for sid, (state, joined, callback, kind) in zip(ordered, pipe.execute(), strict=True):
            if state not in (b"waiting", b"reserved") or joined is None:
                continue
            kind_name = _s(kind) if kind else (policy.CALLBACK if callback == b"1"
                                               else policy.CALL)
            entries.append(QueuedEntry(sid, _s(state), float(_s(joined)),
                                       kind_name == policy.CALLBACK, kind_name))
        return sorted(entries, key=lambda entry: entry.joined_at)

    # ------------------------------------------------------------------ inspection

    def journal(self) -> list[str]:
        return [_s(entry) for entry in self.redis.lrange(self.key("journal"), 0, -1)]


def wait_estimate(position: int, serving: int, recent_handle_seconds: list[float]
                  ) -> int | None:
    """About when the caller is answered: one of `serving` agents frees up every
    (recent handle time ÷ serving) seconds, and the caller needs `position` of them.

    Recomputed at every announcement from the live figures. None when there is no
    honest figure to give: nobody serving, no call of this queue finished recently
    to measure handle time by, or an answer beyond an hour.
    """
    if position <= 0:
        return 0
    if serving <= 0 or not recent_handle_seconds:
        return None
    estimate = int(round(position * statistics.median(recent_handle_seconds) / serving))
    return estimate if estimate <= LONGEST_MEANINGFUL_WAIT else None
