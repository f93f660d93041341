"""Routing decisions: gather the candidates, let the pure policy choose, and
commit the choice with one atomic script (retrying when a race is lost).

Three ways work meets an agent: a queue offers its head to the best free agent
(`route_queue`, `route_deferred`); a free agent takes what they are scarcest for
across their queues (`route_agent`); and a live caller nobody free can take claims
an agent who is only being offered a callback or voicemail (`_preempt`)."""

from __future__ import annotations

from call_routing import policy
from call_routing.engine.core import EngineCore
from call_routing.engine.values import ROUTE_ATTEMPTS, QueueChanged, _s, parse_skills_field

# Agents holding deferred offers a live caller looks through (a handful in practice).
MAX_HOLDERS = 200
# Deferred work moved to its queue per tick once its not-before time has come.
PROMOTE_BATCH = 500


class Router(EngineCore):
    # ------------------------------------------------------------------ routing

    def route_queue(self, skill: str, limit: int = 100) -> int:
        """Offer the live callers of one queue to free agents, most deserving first.

        Within a queue the oldest call of a class is the most eligible (widening
        only grows with waiting), so when a class head finds nobody, nobody in
        that class would: stop there.
        """
        return self._route_heads(skill, "q", limit)

    def route_deferred(self, skill: str, limit: int = 100) -> int:
        """Offer one language's callbacks and voicemails to free agents, oldest first."""
        return self._route_heads(skill, "dq", limit)

    def _route_heads(self, skill: str, queue: str, limit: int) -> int:
        offered = 0
        blocked: set[int] = set()
        # The heads are read again only after an offer, which changed the queue: a
        # head that found nobody leaves the others as they were (a call that joins
        # meanwhile routes its own queue), and every re-read is a Redis round trip
        # on each caller's join.
        heads: list[policy.WaitingCall] | None = None
        while offered < limit:
            if heads is None:
                heads = self.queue_heads(skill, queue)
            candidates = [h for h in heads if h.priority_class not in blocked]
            if not candidates:
                return offered
            head = candidates[0]
            if self.route_call(head.call_sid, call=head):
                offered += 1
                heads = None
            else:
                blocked.add(head.priority_class)
        return offered

    def route_call(self, call_sid: str, call: policy.WaitingCall | None = None) -> bool:
        """Offer one waiting call to the best free agent; False if none can take it.

        Deferred work goes through the chosen agent's own choice (`route_agent`), so an
        agent is never handed a callback while a live caller they could take waits. A
        live caller nobody free can take may claim an agent who is only being offered
        deferred work.
        """
        call = call or self._waiting_call(call_sid)
        for _ in range(ROUTE_ATTEMPTS):
            if call is None:
                return False
            now = self.clock.now()
            decision = policy.choose_agent(call, self._candidate_agents(call), now, self.rules)
            if not decision.matched:
                return False if call.deferred else self._preempt(call)
            assert decision.agent_id is not None
            if call.deferred:
                # Whatever the agent takes, progress: the head is looked at again.
                return self.route_agent(decision.agent_id)
            outcome = self._reserve(decision.agent_id, call, now)
            if outcome == "ok":
                return True
            if outcome != "agent_not_available":
                return False
        return False

    def route_agent(self, agent_id: int) -> bool:
        """A free agent takes the call they are scarcest for across every queue they serve."""
        for _ in range(ROUTE_ATTEMPTS):
            peek = self._run("peek_agent", policy.CLASS_SPAN, agent_id, self._dialect_map)
            if peek[0] == "directed":
                # Work a supervisor reassigned to them (engine.supervision) comes first.
                if self._offer_directed(agent_id):
                    return True
                continue
            if peek[0] != "available":
                return False
            agent = policy.AgentSnapshot(agent_id, parse_skills_field(peek[1]), float(peek[2]))
            available = _parse_counts(peek[3])
            calls = [self._head_call(queue, sid, float(score), kind)
                     for queue, sid, score, kind in (head.split(" ") for head in peek[4:])]
            now = self.clock.now()
            decision = policy.choose_call(agent, calls, now, self.rules, available)
            if not decision.matched:
                return False
            call = next(c for c in calls if c.call_sid == decision.call_sid)
            outcome = self._reserve(agent_id, call, now)
            if outcome == "ok":
                return True
            if outcome not in ("call_not_waiting", "not_due"):
                return False
        return False

    def _offer_directed(self, agent_id: int) -> bool:
        now = self.clock.now()
        result = self._run("take_directed", agent_id, now, now + self.reservation_timeout,
                           self.journal_limit)
        if result[0] != "ok":
            return False
        self._transition(agent_id, "reserved", "reassigned", now, result[1])
        self._emit(QueueChanged(result[2], now))
        return True

    def _preempt(self, call: policy.WaitingCall) -> bool:
        """Offer a live caller to an agent who is only being offered deferred work."""
        for _ in range(ROUTE_ATTEMPTS):
            peek = self._run("peek_holders", MAX_HOLDERS)
            if not peek:
                return False
            holders = [policy.AgentSnapshot(int(aid), parse_skills_field(skills), float(idle),
                                            state="reserved")
                       for aid, skills, idle in zip(peek[0::3], peek[1::3], peek[2::3],
                                                    strict=True)]
            now = self.clock.now()
            decision = policy.choose_preemption(call, holders, now, self.rules)
            if not decision.matched:
                return False
            assert decision.agent_id is not None
            deadline = now + self.reservation_timeout
            result = self._run("preempt", decision.agent_id, call.call_sid, now, deadline,
                               self.journal_limit)
            if result[0] == "ok":
                held = self._waiting_call(result[1])
                # The agent's offer changes from the deferred work to this caller.
                self._transition(decision.agent_id, "reserved", "preempted", now,
                                 call.call_sid)
                self._emit(QueueChanged(call.skill, now))
                if held is not None:
                    self._emit(QueueChanged(held.skill, now))
                return True
            if result[0] == "call_not_waiting":
                return False
        return False

    def promote_due(self) -> int:
        """Deferred work whose not-before time has come joins its queue."""
        skills = self._run("promote", self.clock.now(), PROMOTE_BATCH)
        now = self.clock.now()
        for skill in set(skills):
            self._emit(QueueChanged(skill, now))
        return len(skills)

    def _reserve(self, agent_id: int, call: policy.WaitingCall, now: float) -> str:
        deadline = now + self.reservation_timeout
        result = self._run("reserve", agent_id, call.call_sid, now, deadline, self.journal_limit)
        if result[0] == "ok":
            self._transition(agent_id, "reserved", None, now, call.call_sid)
            self._emit(QueueChanged(call.skill, now))
        return result[0]

    def queue_heads(self, skill: str, queue: str = "q") -> list[policy.WaitingCall]:
        """The first call of each priority class in one queue (`q` live, `dq` deferred),
        best first."""
        key = self.key(queue, skill)
        pipe = self.redis.pipeline(transaction=False)
        for priority_class in (policy.RETURNED, policy.PRIORITY, policy.NORMAL):
            low = priority_class * policy.CLASS_SPAN
            pipe.zrangebyscore(key, low, f"({low + policy.CLASS_SPAN}", start=0, num=1,
                               withscores=True)
        heads = [(_s(member), score) for rows in pipe.execute() for member, score in rows]
        if queue == "q":
            return [self._head_call(skill, sid, score) for sid, score in heads]
        for sid, _ in heads:
            pipe.hmget(self.key("call", sid), "kind", "callback")
        kinds = [_s(kind) if kind else (policy.CALLBACK if callback == b"1" else policy.CALL)
                 for kind, callback in pipe.execute()]
        return [self._head_call(skill, sid, score, kind)
                for (sid, score), kind in zip(heads, kinds, strict=True)]

    def _head_call(self, skill: str, call_sid: str, score: float,
                   kind: str = policy.CALL) -> policy.WaitingCall:
        language, dialect = self._queue_language(skill)
        priority_class, joined_at = policy.split_score(score)
        return policy.WaitingCall(call_sid, language, dialect, joined_at,
                                  urgent=priority_class == policy.PRIORITY,
                                  returned=priority_class == policy.RETURNED,
                                  callback=kind == policy.CALLBACK,
                                  voicemail=kind == policy.VOICEMAIL)

    def _queue_language(self, skill: str) -> tuple[str, str | None]:
        """(language, dialect) of a queue, worked out once per engine."""
        cached = self._queue_languages.get(skill)
        if cached is None:
            cached = self._queue_languages[skill] = policy.routing_language(
                skill, None, self.dialect_parents)
        return cached

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


def _parse_counts(raw: str) -> dict[str, tuple[int, ...]]:
    """"km:0,0,1,0,2;th:..." → {"km": (0, 0, 1, 0, 2), ...} (available agents per level)."""
    counts = {}
    for item in filter(None, raw.split(";")):
        skill, _, levels = item.partition(":")
        counts[skill] = tuple(int(n) for n in levels.split(","))
    return counts
