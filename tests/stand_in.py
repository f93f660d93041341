"""End-to-end fixtures: the real helpline app and the local Twilio stand-in, both
over real HTTP, sharing one simulated clock. (A pytest plugin: tests/conftest.py
lists it in `pytest_plugins`.)

    def test_khmer_caller_leaves_voicemail(stand_in):
        result = stand_in.call(to="+661800000102", press=["2"],
                               say="My employer kept my passport", voice="en")
        assert result.outcome["kind"] == "voicemail"
        assert "voicemail_beep" in result.prompt_ids  # ids parsed from Play URLs / Say texts
        stand_in.work()                    # run the queued rq jobs (recording download...)

    def test_bridged_to_agent(stand_in):
        stand_in.softphone("agent-17", answer_after=2, talk_seconds=60)
        live = stand_in.start_call(to="+661800000101", press=["1", "1"])  # background
        live.wait_until(lambda call: call.queue_name is not None)
        ...  # act as the agent through the console API (stand_in.app_url, requests)
        result = live.result()             # waits for the end
        assert result.outcome == {"kind": "bridged", "agent": "agent-17", ...}

What `stand_in` gives you:
  .call(to=, from_=, press=[...], say=, voice=, say_file=, record_end=, hangup_after=)
        → CallResult (.outcome, .heard, .prompt_ids, .paths, .webhooks, .notices,
          .recordings, .queue_seconds, .json — the same JSON `helpline call` prints)
  .start_call(...) → LiveCallHandle (.call, .wait_until(pred), .result(timeout))
  .softphone(identity, **behaviour) / .phone(number, **behaviour) → simulated agent
        endpoint (answer_after, reject, manual, talk_seconds, say, voice); .answer(identity),
        .agent_hangup(identity) for manual endpoints
  .faults.add("rest"|"webhook", kind, count=, status=, seconds=, match=, code=)
  .app_url, .rest_url, .app (Flask), .services (the app's Services), .settings,
  .clock (SimulatedClock shared by app and stand-in), .engine (VoiceEngine),
  .http (requests.Session for the app), .work() (rq jobs, burst, in the app's context)
  .pace: real seconds per simulated second while a call waits (default 0: a
        five-minute hold takes milliseconds; raise it when another thread must act
        while the caller waits, e.g. 0.01)
Every number is routed to {app_url}/twilio/voice/incoming with status callback
{app_url}/twilio/voice/status, exactly as a configured Twilio number would be.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from helpline.app import create_app
from helpline.clock import SimulatedClock
from helpline.services import build_services
from helpline.settings import Settings, load_settings
from simulator.call import CallScript, LiveCall
from simulator.endpoints import Behaviour, Endpoint
from simulator.engine import NumberRoute, VoiceEngine
from simulator.report import CallResult
from simulator.rest.api import create_rest_app
from simulator.serving import ServedApp
from tests.builders import make_environ

DEFAULT_CALLER = "+959123456789"
CLOCK_START = 1_767_225_600.0       # 2026-01-01 00:00 UTC: fixed, so tests are repeatable


class LiveCallHandle:
    def __init__(self, call: LiveCall, thread: Any, engine: VoiceEngine) -> None:
        self.call = call
        self.thread = thread
        self.engine = engine

    def wait_until(self, predicate: Callable[[LiveCall], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self.call):
            if self.call.finished:
                raise AssertionError(f"call ended before the condition held: "
                                     f"{CallResult(self.call)!r}")
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout}s")
            time.sleep(0.005)

    def result(self, timeout: float = 30.0) -> CallResult:
        if not self.call.wait(timeout):
            raise AssertionError(f"call {self.call.sid} still running after {timeout}s")
        self.engine.recording_callbacks.drain()
        return CallResult(self.call)


class StandIn:
    def __init__(self, *, settings: Settings, clock: SimulatedClock, tmp_path: Path,
                 app_server: ServedApp, rest_server: ServedApp) -> None:
        """`app_server`/`rest_server`: bound, not yet serving; `settings` name their URLs."""
        self.clock = clock
        self._app_server = app_server
        self._rest_server = rest_server
        self.app_url = self._app_server.url
        self.rest_url = self._rest_server.url
        self.settings = settings
        self.services = build_services(settings, clock=clock)
        self.app = create_app(settings, services=self.services, test_config={"TESTING": True})
        self.engine = VoiceEngine(
            account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
            clock=clock, routes=lambda number: NumberRoute(
                f"{self.app_url}/twilio/voice/incoming",
                status_callback=f"{self.app_url}/twilio/voice/status"),
            recordings_dir=tmp_path / "twilio-recordings", media_base_url=self.rest_url)
        self._app_server.app = self.app
        self._rest_server.app = create_rest_app(self.engine)
        self.faults = self.engine.faults
        self.http = requests.Session()

    @property
    def pace(self) -> float:
        return self.engine.pace

    @pace.setter
    def pace(self, value: float) -> None:
        self.engine.pace = value

    def start(self) -> StandIn:
        self._app_server.start()
        self._rest_server.start()
        return self

    def stop(self) -> None:
        for call in list(self.engine.calls.values()):
            if not call.finished:
                call.control.hangup("test-teardown")
        for call in list(self.engine.calls.values()):
            call.wait(5)
        self.engine.recording_callbacks.drain()
        self._app_server.stop()
        self._rest_server.stop()
        self.http.close()
        self.services.db.dispose()

    # --- calls ------------------------------------------------------------------

    def _place(self, *, to: str, from_: str, press: list[str] | None, say: str | None,
               voice: str, say_file: str | None, record_end: str,
               hangup_after: float | None) -> LiveCall:
        script = CallScript(press=list(press or []), say_text=say, say_voice=voice,
                            say_file=say_file, record_end=record_end, hangup_after=hangup_after)
        return self.engine.place_call(to=to, from_=from_, script=script)

    def call(self, *, to: str, from_: str = DEFAULT_CALLER, press: list[str] | None = None,
             say: str | None = None, voice: str = "en", say_file: str | None = None,
             record_end: str = "#", hangup_after: float | None = None) -> CallResult:
        """Place a call and run it to the end in this thread; the recording callbacks
        it caused (sent later, as Twilio sends them) have arrived when it returns."""
        call = self._place(to=to, from_=from_, press=press, say=say, voice=voice,
                           say_file=say_file, record_end=record_end, hangup_after=hangup_after)
        self.engine.run(call)
        self.engine.recording_callbacks.drain()
        return CallResult(call)

    def start_call(self, *, to: str, from_: str = DEFAULT_CALLER,
                   press: list[str] | None = None, say: str | None = None, voice: str = "en",
                   say_file: str | None = None, record_end: str = "#",
                   hangup_after: float | None = None) -> LiveCallHandle:
        """Place a call that runs in a background thread while the test acts."""
        call = self._place(to=to, from_=from_, press=press, say=say, voice=voice,
                           say_file=say_file, record_end=record_end, hangup_after=hangup_after)
        return LiveCallHandle(call, self.engine.start(call), self.engine)

    # --- agents -----------------------------------------------------------------

    def softphone(self, identity: str, **behaviour: Any) -> Endpoint:
        return self.engine.endpoints.register("client", identity, Behaviour(**behaviour))

    def phone(self, number: str, **behaviour: Any) -> Endpoint:
        return self.engine.endpoints.register("number", number, Behaviour(**behaviour))

    def answer(self, identity: str) -> bool:
        return self.engine.endpoints.answer("client", identity)

    def agent_hangup(self, identity: str) -> bool:
        return self.engine.endpoints.hangup("client", identity)

    # --- jobs -------------------------------------------------------------------

    def work(self) -> int:
        """Run every queued rq job now (burst), inside the app's context; returns the
        number of jobs run."""
        from rq import Queue, SimpleWorker

        from helpline import queues

        self.engine.recording_callbacks.drain()      # what they enqueue is work too
        connection = self.services.require_redis()
        worker = SimpleWorker([Queue(name, connection=connection) for name in queues.ALL],
                              connection=connection)
        with self.app.app_context():
            worker.work(burst=True)
        return int(worker.successful_job_count + worker.failed_job_count)


@pytest.fixture
def stand_in_environ() -> dict[str, str]:
    """Extra settings for the app under test; override this fixture in a test module,
    e.g. to set HELPLINE_CONFIG to a configuration with a test line."""
    return {}


@pytest.fixture
def stand_in(tmp_path: Path, database_url: str, redis_url: str, redis_client: Any,
             stand_in_environ: dict[str, str]) -> Iterator[StandIn]:
    """The helpline app and the Twilio stand-in on real HTTP; see the module docstring."""
    clock = SimulatedClock(start=CLOCK_START)
    # Bind both servers first: the app's settings name its own URL and the emulator's.
    app_server, rest_server = ServedApp(), ServedApp()
    settings = load_settings(make_environ(
        tmp_path, DATABASE_URL=database_url, REDIS_URL=redis_url,
        TWILIO_API_BASE=rest_server.url, PUBLIC_BASE_URL=app_server.url,
        **stand_in_environ))
    stand = StandIn(settings=settings, clock=clock, tmp_path=tmp_path,
                    app_server=app_server, rest_server=rest_server).start()
    yield stand
    stand.stop()
