"""The routing engine: routing state in Redis, changed only by atomic scripts.

Reads gather a handful of candidates (the longest-idle available agent per
skill and proficiency; the head of each priority class per queue), the pure
policy chooses, and one Lua script commits the choice if it still holds.
Many web processes and workers can run this at once: a lost race is a refused
commit and another look, never a double booking.

Redis layout (prefix `hl:rt:` by default) — CallSids, RecordingSids and agent ids only:
  agent:<id>          hash   state, reason, since, idle_since, skills, call, deadline,
                             offer_kind ('' / transfer / interpreter)
  avail:<skill>:<p>   zset   available agents with that skill at proficiency p, by idle_since
  online:<skill>      set    agents with the skill in any state but offline
  serving:<skill>     set    agents with the skill who can answer soon: available,
                             reserved, on a call or wrapping up (not on a break)
  call:<sid>          hash   kind (call / callback / voicemail), language, dialect, skill,
                             joined_at, score, state, agent, not_before, interpreter(_offer)
  q:<skill>           zset   live callers waiting (not offered), by priority class then arrival
  dq:<skill>          zset   deferred work (callbacks, voicemails) waiting, the same way
  later               zset   deferred work not to be offered before its time, by that time
  reservations        zset   agent id by offer deadline
  doffers             zset   agents being offered deferred work (a live caller may take over)
  handle:<skill>      list   recent talk + wrap-up seconds, newest first (the wait estimate)
  wrapups             zset   agent id by end of wrap-up
  stats:<day>:<skill> hash   offered / answered / abandoned ... today (UTC)
  journal             list   every reservation, accept, release and end, in commit order
  directed:<id>       zset   work a supervisor reassigned to that agent, by its own score
  directed            zset   reassigned work by when the wait for its agent ends
"""

from __future__ import annotations

from call_routing.engine.calls import CallsMixin
from call_routing.engine.offers import OffersMixin
from call_routing.engine.presence import PresenceMixin
from call_routing.engine.supervision import SupervisionMixin
from call_routing.engine.transfers import TransfersMixin
from call_routing.engine.values import (
    AGENT_STATES,
    DEFAULT_PREFIX,
    HANDLE_SAMPLES,
    LONGEST_MEANINGFUL_WAIT,
    OFFER_KINDS,
    PROFICIENCIES,
    ROUTE_ATTEMPTS,
    SERVICE_LEVEL_SECONDS,
    SETTABLE_STATES,
    SHORT_ABANDON_SECONDS,
    CallStatus,
    Listener,
    Offer,
    QueueChanged,
    Transition,
    _s,
    parse_skills_field,
    skills_field,
)

# Other modules import these from here; they live in `engine.values`.
__all__ = [
    "AGENT_STATES", "DEFAULT_PREFIX", "HANDLE_SAMPLES", "LONGEST_MEANINGFUL_WAIT",
    "OFFER_KINDS", "PROFICIENCIES",
    "ROUTE_ATTEMPTS", "SERVICE_LEVEL_SECONDS", "SETTABLE_STATES", "SHORT_ABANDON_SECONDS",
    "CallStatus", "Listener", "Offer", "QueueChanged", "RoutingEngine", "Transition", "_s",
    "parse_skills_field", "skills_field",
]


class RoutingEngine(CallsMixin, PresenceMixin, OffersMixin, TransfersMixin, SupervisionMixin):
    """The whole engine, one module per concern: calls (`calls`), presence
    (`presence`), offers and bridge outcomes (`offers`), transfers
    (`transfers`), all built on the routing decisions of `routing` and
    the plumbing and reads of `core`."""

    def tick(self) -> dict[str, int]:
        """The frequent timer, Redis only: offers lapse at their deadline, wrap-ups end,
        deferred work whose time has come joins its queue, and calls are offered again
        as waiting widens who may take them — every live queue before any deferred one,
        so a callback never takes an agent a live caller is about to be offered."""
        self.ensure_serving_index()
        expired = self.expire_reservations()
        wrapped = self.end_wrap_ups()
        due = self.promote_due()
        self.directed_tick()
        offered = sum(self.route_queue(skill) for skill in self.languages)
        offered += sum(self.route_deferred(skill) for skill in self.languages)
        return {"expired": expired, "wrap_ups_ended": wrapped, "offered": offered,
                "deferred_due": due}

    def sweep(self) -> dict[str, int]:
        """The engine's part of the routing sweep: the same as `tick`."""
        return self.tick()
