"""Routing decisions: gather the candidates, let the pure policy choose, and
commit the choice with one atomic script (retrying when a race is lost)."""

from __future__ import annotations

from call_routing import policy
from call_routing.engine_core import EngineCore
from call_routing.engine_values import ROUTE_ATTEMPTS, QueueChanged, _s, parse_skills_field


class Router(EngineCore):
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
