"""Offers to agents (accept, decline, expiry) and what happens when the agent's
leg of an accepted offer does not answer."""

from __future__ import annotations

from call_routing.engine.routing import Router
from call_routing.engine.values import (
    SERVICE_LEVEL_SECONDS,
    SHORT_ABANDON_SECONDS,
    Offer,
    QueueChanged,
    _s,
)
from call_routing.errors import NO_OFFER, OFFER_GONE, RoutingError


class OffersMixin(Router):
    # ------------------------------------------------------------------ offers

    def offer_for(self, agent_id: int) -> Offer | None:
        state, sid, deadline, offer_kind = self.redis.hmget(
            self.key("agent", agent_id), "state", "call", "deadline", "offer_kind")
        if state is None or _s(state) != "reserved" or not sid:
            return None
        call = self.redis.hmget(self.key("call", _s(sid)), "language", "dialect",
                                "first_joined_at", "urgent", "callback", "kind", "transferred",
                                "agent")
        if call[0] is None:
            return None
        work = _s(call[5]) if call[5] else ("callback" if call[4] == b"1" else "call")
        kind = _s(offer_kind) if offer_kind else (
            "transfer" if call[6] == b"1" and work == "call" else work)
        owner = int(_s(call[7])) if kind == "interpreter" and call[7] else None
        return Offer(agent_id, _s(sid), _s(call[0]), _s(call[1]) or None, float(_s(deadline)),
                     float(_s(call[2])), urgent=call[3] == b"1", callback=work == "callback",
                     kind=kind, owner_agent_id=owner)

    def accept_interpreter(self, agent_id: int, call_sid: str) -> int:
        """The invited interpreter takes the offer; returns the agent on the call."""
        now = self.clock.now()
        result = self._run("accept_interpreter", agent_id, call_sid, now, self.journal_limit)
        self._check_accepted(result, agent_id, call_sid, now, gone="the call is over")
        self._transition(agent_id, "on_call", "interpreter", now, call_sid)
        return int(result[1])

    def accept(self, agent_id: int, call_sid: str) -> float:
        """The agent takes the offered call; returns how long the caller waited."""
        now = self.clock.now()
        result = self._run("accept", agent_id, call_sid, now, self._day(now),
                           SERVICE_LEVEL_SECONDS, self.journal_limit)
        self._check_accepted(result, agent_id, call_sid, now,
                             gone="the caller is no longer waiting")
        self._transition(agent_id, "on_call", None, now, call_sid)
        return float(result[1])

    def _check_accepted(self, result: list[str], agent_id: int, call_sid: str, now: float,
                        *, gone: str) -> None:
        """What an accept script answered, as the error the agent sees (or nothing)."""
        if result[0] == "no_offer":
            raise RoutingError(NO_OFFER, "this call is not being offered to you")
        if result[0] == "expired":
            # Past the deadline: the script released the offer; say so as a miss.
            self._released(agent_id, call_sid, "missed", now)
            raise RoutingError(OFFER_GONE, "the offer ran out before you accepted it")
        if result[0] != "ok":
            raise RoutingError(OFFER_GONE, gone)

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
        self._released(agent_id, call_sid, why, now)
        return True

    def _released(self, agent_id: int, call_sid: str, why: str, now: float) -> None:
        """After an offer was let go: the agent's break is recorded, the caller offered on."""
        self._transition(agent_id, "break", why, now, call_sid)
        call = self._waiting_call(call_sid)
        if call is not None:
            self._emit(QueueChanged(call.skill, now))
            if call.deferred:
                self.route_deferred(call.skill)
            else:
                self.route_queue(call.skill)

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

    # ------------------------------------------------------------------ bridge outcomes

    def bridge_failed(self, call_sid: str, *, agent_missed: bool = True) -> int | None:
        """The agent's leg did not answer: caller to the front, agent to a 'missed' break."""
        now = self.clock.now()
        agent_id = self._bridge_outcome(call_sid, "missed" if agent_missed else "available",
                                        now)
        if agent_id is None:
            return None
        if agent_missed:
            self._transition(agent_id, "break", "missed", now, call_sid)
        else:
            self._transition(agent_id, "available", "bridge_failed", now)
        status = self.status(call_sid)
        if status is not None:
            self._emit(QueueChanged(status.skill, now))
            self.route_queue(status.skill)
        return agent_id

    def bridge_gone(self, call_sid: str) -> int | None:
        """The bridge could not start because the caller had already hung up: the call
        ends (abandoned in the queue) and the agent is free for the next caller at once.
        Returns the agent, or None if the call was not an accepted, unbridged one."""
        now = self.clock.now()
        agent_id = self._bridge_outcome(call_sid, "gone", now)
        if agent_id is None:
            return None
        self._transition(agent_id, "available", "caller_gone", now)
        skill = self.redis.hget(self.key("call", call_sid), "skill")
        if skill is not None:
            self._emit(QueueChanged(_s(skill), now))
        self.route_agent(agent_id)
        return agent_id

    def _bridge_outcome(self, call_sid: str, fate: str, now: float) -> int | None:
        result = self._run("bridge_failed", call_sid, now, self._day(now),
                           self._waiting_call_score(call_sid, now), SERVICE_LEVEL_SECONDS,
                           self.journal_limit, fate, SHORT_ABANDON_SECONDS)
        return int(result[2]) if result[0] == "ok" else None
