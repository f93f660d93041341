"""Routing fixtures: an engine on the session's real Redis with a simulated clock."""

from __future__ import annotations

import pytest

from call_routing import policy
from call_routing.engine import RoutingEngine
from helpline.clock import SimulatedClock

DIALECT_PARENTS = {"shn": "my", "kac": "my", "ksw": "my", "mnw": "my"}
LANGUAGES = ("my", "shn", "kac", "ksw", "mnw", "km", "th", "lo", "ne", "id", "en")
START = 1_750_000_000.0


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def events() -> list:
    return []


@pytest.fixture
def engine(redis_client, clock, events) -> RoutingEngine:
    return RoutingEngine(redis_client, rules=policy.Rules(), dialect_parents=DIALECT_PARENTS,
                         languages=LANGUAGES, clock=clock, reservation_timeout=15,
                         wrap_up_seconds=60, listener=events.append)
