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


@pytest.fixture
def twilio_rest(tmp_path):
    """Twilio's REST API: the stand-in's emulator over real HTTP, on a clock of its own
    (see tests/twilio_emulator.py); `engine.rest_log` is what the app asked of it."""
    from tests.twilio_emulator import served_emulator

    with served_emulator(tmp_path) as engine:
        yield engine


@pytest.fixture
def settings(tmp_path, database_url, redis_url, twilio_rest):
    from helpline.settings import load_settings
    from tests.builders import make_environ

    return load_settings(make_environ(tmp_path, DATABASE_URL=database_url, REDIS_URL=redis_url,
                                      TWILIO_API_BASE=twilio_rest.media_base_url))


@pytest.fixture
def app(settings, redis_client, clock):
    from helpline.app import create_app
    from helpline.services import build_services

    application = create_app(settings, services=build_services(settings, clock=clock),
                             test_config={"TESTING": True})
    yield application
    application.extensions["helpline"].db.dispose()
