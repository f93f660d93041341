"""Erlang C: how many agents a language queue needs for a service-level target.

The classic call-centre model (Poisson arrivals, exponential handle times,
callers wait rather than leave). It slightly overstates staff when callers
abandon, which for a helpline is the safe side. Pure: plain numbers in and out.

Computed through the Erlang B recurrence rather than factorials so that large
traffic (hundreds of erlangs in a burst after a raid) neither overflows nor loses
precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AGENTS = 2000


@dataclass(frozen=True)
class StaffingHint:
    traffic_erlangs: float
    agents_needed: int
    service_level: float
    probability_of_waiting: float
    average_speed_of_answer: float


def erlang_b(agents: int, traffic: float) -> float:
    """Probability that every one of `agents` is busy when calls are lost (Erlang B)."""
    if agents < 0 or traffic < 0:
        raise ValueError("agents and traffic must not be negative")
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a caller has to wait (Erlang C). 1.0 when the queue cannot keep up."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(agents, traffic)
    return agents * blocking / (agents - traffic * (1 - blocking))


def service_level(agents: int, traffic: float, handle_seconds: float,
                  target_seconds: float) -> float:
    """Share of callers answered within `target_seconds`."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    waiting = erlang_c(agents, traffic)
    return 1.0 - waiting * math.exp(-(agents - traffic) * target_seconds / handle_seconds)


def average_speed_of_answer(agents: int, traffic: float, handle_seconds: float) -> float:
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * handle_seconds / (agents - traffic)


def agents_needed(*, calls_per_hour: float, handle_seconds: float,
                  target_level: float = 0.8, target_seconds: float = 20.0) -> StaffingHint:
    """The fewest agents that answer `target_level` of calls within `target_seconds`."""
    if calls_per_hour < 0 or handle_seconds <= 0:
        raise ValueError("calls_per_hour must be >= 0 and handle_seconds > 0")
    if not 0 < target_level < 1:
        raise ValueError("target_level must be between 0 and 1")
    traffic = calls_per_hour * handle_seconds / 3600.0
    if traffic == 0:
        return StaffingHint(0.0, 0, 1.0, 0.0, 0.0)
    agents = max(1, math.floor(traffic) + 1)
    while agents < MAX_AGENTS:
        level = service_level(agents, traffic, handle_seconds, target_seconds)
        if level >= target_level:
            break
        agents += 1
    return StaffingHint(
        traffic_erlangs=traffic,
        agents_needed=agents,
        service_level=service_level(agents, traffic, handle_seconds, target_seconds),
        probability_of_waiting=erlang_c(agents, traffic),
        average_speed_of_answer=average_speed_of_answer(agents, traffic, handle_seconds),
    )
