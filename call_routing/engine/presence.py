"""Agent presence: available, break or offline, wrap-up and its end."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from call_routing.engine.routing import Router
from call_routing.engine.values import SETTABLE_STATES, _s, parse_skills_field, skills_field
from call_routing.errors import AGENT_BUSY, WRONG_STATE, RoutingError


class PresenceMixin(Router):
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
