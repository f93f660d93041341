"""Who answers whom: the routing policy as pure functions over plain values.

No Redis, Flask or database here. The engine (`call_routing.engine`) gathers a
few candidates from Redis, asks this module to choose, then commits the choice
atomically; if the world changed in between, the commit is refused and the
engine asks again.

The rules, in order of preference for a caller of language L (dialect D):
1. an agent with D (or L when there is no dialect) at or above the proficiency
   threshold;
2. after `widen_proficiency_after_seconds`, the same language at the widened
   (lower) threshold;
3. for dialect callers, after `widen_dialect_after_seconds`, an agent with the
   parent language at the threshold, then (also past the proficiency widening)
   at the widened threshold.
Within one tier the agent idle longest wins. An agent who becomes free takes the
most deserving call across every queue they can serve: priority calls first
(a caller returned after a missed bridge, then urgent callers and callbacks),
then the one waiting longest, so a busy language cannot starve a quiet one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum

# Priority classes, lowest first. Part of the queue score (see `queue_score`).
RETURNED = 0   # was offered to an agent whose phone did not answer: back to the front
PRIORITY = 1   # urgent callers and callbacks
NORMAL = 2

# Scores are `priority_class * CLASS_SPAN + joined_at`; epoch seconds stay far below.
CLASS_SPAN = 10_000_000_000.0


class Tier(IntEnum):
    """How well an agent matches a call; lower is better."""

    EXACT = 0             # the caller's dialect (or language) at the threshold
    EXACT_WIDENED = 1     # the same, at the widened threshold
    PARENT = 2            # a dialect caller with a speaker of the parent language
    PARENT_WIDENED = 3


@dataclass(frozen=True)
class Rules:
    proficiency_threshold: int = 3
    widen_proficiency_after_seconds: float = 60
    widened_proficiency_threshold: int = 1
    widen_dialect_after_seconds: float = 120


@dataclass(frozen=True)
class WaitingCall:
    call_sid: str
    language: str               # the queue language: "my" for a Shan caller
    dialect: str | None         # "shn", or None
    joined_at: float            # epoch seconds the caller first joined (kept on re-offer)
    urgent: bool = False
    callback: bool = False
    returned: bool = False      # a bridge to an agent failed; goes to the front

    @property
    def skill(self) -> str:
        """The most specific skill that serves this caller."""
        return self.dialect or self.language

    @property
    def priority_class(self) -> int:
        if self.returned:
            return RETURNED
        if self.urgent or self.callback:
            return PRIORITY
        return NORMAL

    def waited(self, now: float) -> float:
        return max(0.0, now - self.joined_at)


@dataclass(frozen=True)
class AgentSnapshot:
    agent_id: int
    skills: Mapping[str, int]   # language or dialect → proficiency 1-5
    idle_since: float
    state: str = "available"
    excluded_calls: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Decision:
    """A proposed pairing; `None` fields mean nobody suitable right now."""

    call_sid: str | None
    agent_id: int | None
    tier: Tier | None = None

    @property
    def matched(self) -> bool:
        return self.call_sid is not None and self.agent_id is not None


NO_MATCH = Decision(None, None, None)


def queue_score(call: WaitingCall) -> float:
    """Sorted-set score: lower is served first (priority class, then arrival)."""
    return call.priority_class * CLASS_SPAN + call.joined_at


def split_score(score: float) -> tuple[int, float]:
    """(priority class, joined_at) back from a queue score."""
    priority_class = int(score // CLASS_SPAN)
    return priority_class, score - priority_class * CLASS_SPAN


def eligible(call: WaitingCall, agent: AgentSnapshot, now: float, rules: Rules) -> Tier | None:
    """The best tier at which `agent` may take `call` now, or None."""
    if agent.state != "available" or call.call_sid in agent.excluded_calls:
        return None
    waited = call.waited(now)
    widened = waited >= rules.widen_proficiency_after_seconds
    exact = agent.skills.get(call.skill, 0)
    if exact >= rules.proficiency_threshold:
        return Tier.EXACT
    if widened and exact >= rules.widened_proficiency_threshold:
        return Tier.EXACT_WIDENED
    if call.dialect is not None and waited >= rules.widen_dialect_after_seconds:
        parent = agent.skills.get(call.language, 0)
        if parent >= rules.proficiency_threshold:
            return Tier.PARENT
        if widened and parent >= rules.widened_proficiency_threshold:
            return Tier.PARENT_WIDENED
    return None


def choose_agent(call: WaitingCall, agents: Iterable[AgentSnapshot], now: float,
                 rules: Rules) -> Decision:
    """The agent for a waiting call: best tier, then idle longest, then lowest id."""
    best: tuple[Tier, float, int] | None = None
    for agent in agents:
        tier = eligible(call, agent, now, rules)
        if tier is None:
            continue
        key = (tier, agent.idle_since, agent.agent_id)
        if best is None or key < best:
            best = key
    if best is None:
        return NO_MATCH
    return Decision(call.call_sid, best[2], best[0])


def choose_call(agent: AgentSnapshot, calls: Iterable[WaitingCall], now: float,
                rules: Rules) -> Decision:
    """The call a free agent should take across all their languages.

    Priority class first, then the longest wait. Tier deliberately does not
    come first: an agent strong in Burmese and weak in Khmer must still help an
    old Khmer caller rather than leave them behind newer Burmese ones.
    """
    best: tuple[int, float, str] | None = None
    best_tier: Tier | None = None
    for call in calls:
        tier = eligible(call, agent, now, rules)
        if tier is None:
            continue
        key = (call.priority_class, call.joined_at, call.call_sid)
        if best is None or key < best:
            best, best_tier = key, tier
    if best is None:
        return NO_MATCH
    return Decision(best[2], agent.agent_id, best_tier)


def skills_serving(skill: str, dialect_parents: Mapping[str, str]) -> tuple[str, ...]:
    """Queues (by skill) an agent with `skill` can serve: itself, plus its dialects."""
    dialects = sorted(code for code, parent in dialect_parents.items() if parent == skill)
    return (skill, *dialects)


def agent_skills_for(call: WaitingCall) -> tuple[str, ...]:
    """The skills that can ever serve `call` (before any widening)."""
    return (call.skill, call.language) if call.dialect else (call.language,)


def routing_language(language: str, dialect: str | None,
                     dialect_parents: Mapping[str, str]) -> tuple[str, str | None]:
    """(queue language, dialect), accepting either ("my", "shn") or ("shn", None)."""
    parent = dialect_parents.get(language)
    if parent is not None:
        return parent, language
    if dialect is not None and dialect_parents.get(dialect) is None:
        return language, None   # not a known dialect: route by the language alone
    return language, dialect
