"""The stand-in's REST emulator (`simulator.rest`) alone, over real HTTP, for tests
that drive the app's Twilio webhooks themselves but need Twilio's REST API to be
the real stand-in: point the app's TWILIO_API_BASE at `engine.media_base_url`,
seed recordings or calls into the engine, inject faults with `engine.faults`, and
assert on `engine.rest_log` and the engine's state. (The whole app plus stand-in
is `tests/stand_in.py`.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpline.clock import SimulatedClock
from simulator.engine import VoiceEngine
from simulator.rest.api import create_rest_app
from simulator.serving import ServedApp
from tests.builders import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN

CLOCK_START = 1_767_225_600.0


@contextmanager
def served_emulator(tmp_path: Path) -> Iterator[VoiceEngine]:
    """A VoiceEngine on its own simulated clock (calls it places never move the
    app's clock) with its REST emulator serving; its URL is `engine.media_base_url`."""
    engine = VoiceEngine(account_sid=TEST_ACCOUNT_SID, auth_token=TEST_AUTH_TOKEN,
                         clock=SimulatedClock(start=CLOCK_START),
                         recordings_dir=tmp_path / "twilio-recordings")
    with ServedApp(create_rest_app(engine)) as served:
        engine.media_base_url = served.url
        try:
            yield engine
        finally:
            for call in list(engine.calls.values()):
                if not call.finished:
                    call.control.hangup("test-teardown")
            # Calls the app placed through the API run in threads of their own: let them
            # end before the server goes. (Seeded calls never ran: nothing to wait for.)
            for call in list(engine.calls.values()):
                if call.direction == "outbound-api":
                    call.wait(5)
