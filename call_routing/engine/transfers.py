"""Cold transfers (to a language queue or a named agent) and interpreters."""

from __future__ import annotations

from call_routing import policy
from call_routing.engine.routing import Router
from call_routing.engine.values import QueueChanged, _s
from call_routing.errors import (
    AGENT_NOT_AVAILABLE,
    CALL_NOT_FOUND,
    IN_CONFERENCE,
    NOT_CONNECTED,
    SAME_AGENT,
    UNKNOWN_LANGUAGE,
    RoutingError,
)


class TransfersMixin(Router):
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
        """Offer the call to a second, available agent as its interpreter (an offer of
        kind "interpreter", with the usual deadline); they join when they accept.
        Returns the agent on the call."""
        now = self.clock.now()
        result = self._run("interpreter", call_sid, agent_id, now,
                           now + self.reservation_timeout, self.journal_limit)
        self._raise_transfer_error(result)
        self._transition(agent_id, "reserved", "interpreter", now, call_sid)
        return int(result[1])

    def interpreter_left(self, call_sid: str, agent_id: int) -> bool:
        """The interpreter's leg ended while the call goes on: they wrap up and the
        call has no interpreter any more. False if they were not its interpreter (the
        call ended first, or another status callback came before)."""
        now = self.clock.now()
        result = self._run("interpreter_left", call_sid, agent_id, now,
                           now + self.wrap_up_seconds, self.journal_limit)
        if result[0] != "ok":
            return False
        self._transition(agent_id, "wrap_up", "interpreter_left", now, call_sid)
        return True

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
