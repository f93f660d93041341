"""Work joining and leaving the queues: live calls, callback requests and voicemails."""

from __future__ import annotations

from call_routing import policy
from call_routing.engine.routing import Router
from call_routing.engine.values import (
    HANDLE_SAMPLES,
    SHORT_ABANDON_SECONDS,
    CallStatus,
    QueueChanged,
    _s,
)
from call_routing.errors import AGENT_BUSY, CALL_NOT_FOUND, UNKNOWN_LANGUAGE, RoutingError


class CallsMixin(Router):
    # ------------------------------------------------------------------ calls

    def join(self, call_sid: str, language: str, dialect: str | None = None, *,
             urgent: bool = False, callback: bool = False, voicemail: bool = False,
             not_before: float | None = None, since: float | None = None) -> CallStatus:
        """Queue work (idempotent on its sid) and try to route its queue.

        A live call waits in its language queue; a callback request or a voicemail (a
        RecordingSid) waits in the language's deferred queue, offered when no live
        caller its agents could take is waiting — or, with `not_before`, not before
        then. A live caller already queued who asks for a callback becomes one and
        keeps their place. `since`: when the work arose, if before now (a voicemail's
        recording time), which is its place in line.
        """
        language, dialect = policy.routing_language(language, dialect, self.dialect_parents)
        skill = dialect or language
        if skill not in self.languages:
            raise RoutingError(UNKNOWN_LANGUAGE, f"no queue for language {skill!r}")
        now = self.clock.now()
        joined_at = min(now, since) if since is not None else now
        call = policy.WaitingCall(call_sid, language, dialect, joined_at, urgent, callback,
                                  voicemail=voicemail and not callback)
        deferred_class = policy.PRIORITY if urgent else policy.NORMAL
        result = self._run("join", call_sid, language, dialect or "", skill, now,
                           policy.queue_score(call), int(urgent), call.kind, self._day(now),
                           self.journal_limit, "" if not_before is None else not_before,
                           policy.CLASS_SPAN, deferred_class, joined_at)
        if result[0] in ("ok", "converted"):
            self._emit(QueueChanged(skill, now))
            if result[2]:       # an offer of the live call was withdrawn
                self._transition(result[2], "available", "caller_left", now)
                self.route_agent(int(result[2]))
            if call.deferred:
                self.route_deferred(skill)
            else:
                self.route_queue(skill)
        status = self.status(call_sid)
        if status is None:   # answered already, or hung up: report where it ended
            return CallStatus(call_sid, skill, language, dialect, "ended", 0, 0.0, 0,
                              None, None, urgent, callback, kind=call.kind)
        return status

    def defer_until(self, call_sid: str, not_before: float | None) -> bool:
        """A waiting callback (or voicemail) is not offered before `not_before` (None:
        from now on). False if it is not waiting in line."""
        now = self.clock.now()
        result = self._run("defer", call_sid, "" if not_before is None else not_before, now)
        if result[0] != "ok":
            return False
        self._emit(QueueChanged(result[1], now))
        self.promote_due()
        self.route_deferred(result[1])
        return True

    def retry_callback(self, call_sid: str, not_before: float) -> int | None:
        """A callback attempt did not reach the caller: the agent wraps up and the request
        goes back to its place in line, offered again from `not_before`. Returns the agent
        (None if the callback was not in progress)."""
        now = self.clock.now()
        result = self._run("retry", call_sid, now, now + self.wrap_up_seconds, not_before,
                           self.journal_limit)
        if result[0] != "ok":
            return None
        skill = self.redis.hget(self.key("call", call_sid), "skill")
        if result[2]:
            self._transition(result[2], "wrap_up", None, now, call_sid)
        if skill is not None:
            self._emit(QueueChanged(_s(skill), now))
            self.route_deferred(_s(skill))
        return int(result[2]) if result[2] else None

    def take_callback(self, agent_id: int, call_sid: str) -> None:
        """"Call back now": an agent who is not busy takes this waiting callback, whatever
        its place in line; they are on it at once (no offer to accept)."""
        now = self.clock.now()
        result = self._run("take", agent_id, call_sid, now, self.journal_limit)
        if result[0] == "agent_busy":
            raise RoutingError(AGENT_BUSY, f"you are {result[1]}; finish that first")
        if result[0] != "ok":
            raise RoutingError(CALL_NOT_FOUND, "this callback is not waiting")
        self._transition(agent_id, "on_call", "callback", now, call_sid)
        skill = self.redis.hget(self.key("call", call_sid), "skill")
        if skill is not None:
            self._emit(QueueChanged(_s(skill), now))

    def leave(self, call_sid: str, reason: str, *, only_queued: bool = False) -> str:
        """Take work out wherever it is; an agent talking to it goes to wrap-up.

        Returns the state it was in ('absent' if unknown or already ended, or, with
        `only_queued`, if it was no longer waiting or offered).
        """
        now = self.clock.now()
        status = self.status(call_sid)
        result = self._run("leave", call_sid, now, reason, self._day(now),
                           SHORT_ABANDON_SECONDS, now + self.wrap_up_seconds, self.journal_limit,
                           int(only_queued))
        if result[0] != "ok":
            return "absent"
        prior, agent, freed = result[1], result[2], result[3]
        if prior == "reserved":
            self._transition(agent, "available", "caller_left", now)
            self.route_agent(int(agent))
        elif prior == "connected" and status is not None:
            if status.kind == policy.CALL:
                self._record_handle_time(status.skill, call_sid, now)
            for agent_id in filter(None, (status.agent_id, status.interpreter_id)):
                self._transition(agent_id, "wrap_up", None, now, call_sid)
            if freed:            # an interpreter still being offered the call
                self._transition(freed, "available", "caller_left", now)
                self.route_agent(int(freed))
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
            self.redis.pipeline().lpush(key, handle).ltrim(key, 0, HANDLE_SAMPLES - 1).execute()
