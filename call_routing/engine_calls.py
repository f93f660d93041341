"""Calls joining and leaving the queues."""

from __future__ import annotations

from call_routing import policy
from call_routing.engine_routing import Router
from call_routing.engine_values import SHORT_ABANDON_SECONDS, CallStatus, QueueChanged, _s
from call_routing.errors import UNKNOWN_LANGUAGE, RoutingError


class CallsMixin(Router):
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

    def leave(self, call_sid: str, reason: str, *, only_queued: bool = False) -> str:
        """Take a call out wherever it is; an agent talking to it goes to wrap-up.

        Returns the state the call was in ('absent' if unknown or already ended, or,
        with `only_queued`, if it was no longer waiting or offered).
        """
        now = self.clock.now()
        status = self.status(call_sid)
        result = self._run("leave", call_sid, now, reason, self._day(now),
                           SHORT_ABANDON_SECONDS, now + self.wrap_up_seconds, self.journal_limit,
                           int(only_queued))
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
