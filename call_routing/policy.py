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
Within one tier the agent idle longest wins.

An agent who becomes free takes the call they are scarcest for, across every queue
they can serve (`choose_call`): first the caller whom the fewest *other* available
agents could take now (so a Khmer caller only Sokha can serve is not left behind a
Thai callback anyone on the Thai line could make); at equal scarcity a live caller
before deferred work (callbacks and voicemails: nobody is holding on the line);
then priority (a caller returned after a missed bridge, then urgent callers) and
the longest wait, so a busy language cannot starve a quiet one. Deferred work keeps
its place among deferred work: the oldest request is made first.

A live caller nobody available can take may claim an agent who is only being
offered deferred work (`choose_preemption`): the callback goes back to its place,
the caller is offered to that agent at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum

# Priority classes, lowest first. Part of the queue score (see `queue_score`).
RETURNED = 0   # was offered to an agent whose phone did not answer: back to the front
PRIORITY = 1   # urgent callers (and urgent deferred work)
NORMAL = 2

# Kinds of routed work. Calls have a caller on the line; the others are deferred.
CALL, CALLBACK, VOICEMAIL = "call", "callback", "voicemail"
DEFERRED_KINDS = frozenset({CALLBACK, VOICEMAIL})

# Scarcity above this many other agents makes no difference to the choice.
SCARCITY_CAP = 1000

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
    callback: bool = False      # a callback request: nobody on the line
    returned: bool = False      # a bridge to an agent failed; goes to the front
    voicemail: bool = False     # a voicemail waiting for an agent to take it on

    @property
    def skill(self) -> str:
        """The most specific skill that serves this caller."""
        return self.dialect or self.language

    @property
    def deferred(self) -> bool:
        """Work without a caller holding on the line: it can wait for a live caller."""
        return self.callback or self.voicemail

    @property
    def kind(self) -> str:
        return CALLBACK if self.callback else VOICEMAIL if self.voicemail else CALL

    @property
    def priority_class(self) -> int:
        if self.returned and not self.deferred:
            return RETURNED
        if self.urgent:
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


# Available agents per skill and proficiency: {"km": (n at 1, n at 2, ..., n at 5)}.
AvailableCounts = Mapping[str, Sequence[int]]


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


def available_for(call: WaitingCall, available: AvailableCounts, now: float,
                  rules: Rules) -> int:
    """How many available agents could take `call` now, from per-level counts.

    An agent with both the dialect and its parent counts twice: close enough for
    ranking, and it keeps the count two O(1) reads per skill and level.
    """
    waited = call.waited(now)
    floor = (rules.widened_proficiency_threshold
             if waited >= rules.widen_proficiency_after_seconds
             else rules.proficiency_threshold)
    skills = [call.skill]
    if call.dialect is not None and waited >= rules.widen_dialect_after_seconds:
        skills.append(call.language)
    return sum(count for skill in skills
               for level, count in enumerate(available.get(skill, ()), start=1)
               if level >= floor)


def choose_call(agent: AgentSnapshot, calls: Iterable[WaitingCall], now: float,
                rules: Rules, available: AvailableCounts | None = None) -> Decision:
    """The call a free agent should take across all their languages.

    Scarcity first: the call the fewest other available agents could take (from
    `available`, which counts this agent too; None: treat every call as this agent's
    alone). Then live callers before deferred work, then priority class, then the
    longest wait. Tier deliberately does not come before waiting: an agent strong in
    Burmese and weak in Khmer must still help an old Khmer caller rather than leave
    them behind newer Burmese ones.
    """
    candidates = [(call, tier) for call in calls
                  if (tier := eligible(call, agent, now, rules)) is not None]
    if not candidates:
        return NO_MATCH
    weigh = available is not None and len(candidates) > 1

    def key(candidate: tuple[WaitingCall, Tier]) -> tuple[int, bool, int, float, str]:
        call = candidate[0]
        others = 0
        if weigh:
            assert available is not None
            others = min(SCARCITY_CAP, max(0, available_for(call, available, now, rules) - 1))
        return (others, call.deferred, call.priority_class, call.joined_at, call.call_sid)

    call, tier = min(candidates, key=key)
    return Decision(call.call_sid, agent.agent_id, tier)


def choose_preemption(call: WaitingCall, holders: Iterable[AgentSnapshot], now: float,
                      rules: Rules) -> Decision:
    """An agent being offered deferred work who should be offered this live caller
    instead (their snapshot's state is ignored: they are all "reserved"). Only a live
    caller may claim one; the best tier wins, then the agent idle longest."""
    if call.deferred:
        return NO_MATCH
    return choose_agent(call, (replace(agent, state="available") for agent in holders),
                        now, rules)


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
