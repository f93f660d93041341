"""Fixtures for the stand-in's own tests: a TwiML test app and a stand-in engine
with its REST emulator, both over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpline.clock import SimulatedClock
from simulator.engine import NumberRoute, VoiceEngine
from simulator.rest.api import create_rest_app
from simulator.serving import ServedApp
from tests.builders import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from tests.simulator.twiml_app import TwimlApp

LINE = "+661800000101"
CALLER = "+959123456789"
START = 1_700_000_000.0


@pytest.fixture
def twiml_app() -> Iterator[TwimlApp]:
    app = TwimlApp()
    with ServedApp(app.flask) as served:
        app.base_url = served.url
        yield app


@dataclass
class Sim:
    engine: VoiceEngine
    rest_url: str
    app: TwimlApp
    clock: SimulatedClock

    def call(self, **kwargs):
        kwargs.setdefault("to", LINE)
        kwargs.setdefault("from_", CALLER)
        return self.engine.call(**kwargs)


def make_engine(app: TwimlApp, tmp_path: Path, **kwargs) -> VoiceEngine:
    kwargs.setdefault("clock", SimulatedClock(start=START))
    return VoiceEngine(account_sid=TEST_ACCOUNT_SID, auth_token=TEST_AUTH_TOKEN,
                       routes={LINE: NumberRoute(app.url("/voice"),
                                                 status_callback=app.url("/status"))},
                       recordings_dir=tmp_path / "sim-recordings", **kwargs)


@pytest.fixture
def sim(twiml_app: TwimlApp, tmp_path: Path) -> Iterator[Sim]:
    engine = make_engine(twiml_app, tmp_path)
    twiml_app.documents["/status"] = "<Response/>"
    with ServedApp(create_rest_app(engine)) as rest:
        engine.media_base_url = rest.url
        yield Sim(engine, rest.url, twiml_app, engine.clock)  # type: ignore[arg-type]
