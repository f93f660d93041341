"""The voice engine: places calls and keeps every call the stand-in knows about.

One `VoiceEngine` is shared by the REST emulator (which fetches, redirects and
hangs up its calls), the control endpoints, and whoever places calls. A call runs
in the thread that calls `run()` (tests, CLI) or in a background thread
(`start()`, the server); `execution.CallExecution` does the work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from helpline.clock import Clock, SimulatedClock
from simulator.call import CallScript, LiveCall, Redirection
from simulator.conferences import ConferenceRegistry
from simulator.endpoints import Endpoint, Endpoints
from simulator.faults import Faults
from simulator.ids import call_sid
from simulator.keypad import LiveKeypad, ScriptedKeypad
from simulator.queues import QueueRegistry
from simulator.recordings import RecordingStore
from simulator.rest.log import RestLog
from simulator.voice.callbacks import RecordingCallbacks
from simulator.voice.execution import CallExecution
from simulator.voice.webhooks import DEFAULT_TIMEOUT, WebhookClient


@dataclass(frozen=True)
class NumberRoute:
    """A phone number's configuration at "Twilio": where its calls' webhooks go."""
    voice_url: str
    voice_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"


class UnknownNumber(LookupError):
    pass


class VoiceEngine:
    # Twilio ends any call after four hours; the stand-in also stops a call that
    # fetched this many documents (an IVR loop that never ends).
    MAX_CALL_SECONDS = 4 * 3600
    MAX_DOCUMENTS = 500

    def __init__(self, *, account_sid: str, auth_token: str, clock: Clock | None = None,
                 routes: dict[str, NumberRoute] | Callable[[str], NumberRoute | None]
                 | None = None,
                 recordings: RecordingStore | None = None, recordings_dir: Path | None = None,
                 media_base_url: str | None = None, endpoints: Endpoints | None = None,
                 queues: QueueRegistry | None = None, faults: Faults | None = None,
                 pace: float = 0.0, webhook_timeout: float = DEFAULT_TIMEOUT,
                 measure_audio: bool = True) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.clock = clock or SimulatedClock()
        self.routes = routes if routes is not None else {}
        if recordings is None:
            import tempfile

            recordings = RecordingStore(recordings_dir or Path(tempfile.mkdtemp(prefix="sim-rec-")))
        self.recordings = recordings
        # Where RecordingUrl points: the REST emulator's base URL, set when it starts.
        self.media_base_url = media_base_url
        self.endpoints = endpoints or Endpoints()
        self.queues = queues or QueueRegistry()
        self.conferences = ConferenceRegistry()
        self.faults = faults or Faults()
        # Every request the REST emulator answered (`rest.py`), for tests to inspect.
        self.rest_log = RestLog()
        # Real seconds slept per simulated second of audio (SimulatedClock only):
        # 0 runs a five-minute hold at once; 0.01 gives other threads (tests acting
        # as agents) time to act while a caller waits.
        self.pace = pace
        self.measure_audio = measure_audio
        self.http = WebhookClient(auth_token, self.faults, timeout=webhook_timeout)
        # Recording status callbacks go out later, from their own threads (`callbacks`).
        self.recording_callbacks = RecordingCallbacks(self.http)
        self.calls: dict[str, LiveCall] = {}
        self._media_durations: dict[str, tuple[float | None, str]] = {}
        self._lock = threading.Lock()

    @property
    def simulated(self) -> bool:
        return isinstance(self.clock, SimulatedClock)

    def route_for(self, number: str) -> NumberRoute | None:
        if callable(self.routes):
            return self.routes(number)
        return self.routes.get(number)

    def place_call(self, *, to: str, from_: str = "+66812345678",
                   script: CallScript | None = None, live_keys: bool = False,
                   voice_url: str | None = None, status_callback: str | None = None) -> LiveCall:
        """Create an inbound call to `to` (not yet running: call `run` or `start`)."""
        route = self.route_for(to)
        if voice_url is not None:
            route = NumberRoute(voice_url, status_callback=status_callback
                                or (route.status_callback if route else None))
        if route is None:
            raise UnknownNumber(f"{to} is not a number configured at the stand-in")
        script = script or CallScript()
        call = LiveCall(sid=call_sid(), account_sid=self.account_sid, from_=from_, to=to,
                        voice_url=route.voice_url, voice_method=route.voice_method,
                        status_callback=route.status_callback,
                        status_callback_method=route.status_callback_method,
                        script=script, created_at=self.clock.now())
        call.keypad = (LiveKeypad(call.control.cond) if live_keys
                       else ScriptedKeypad(list(script.press)))
        self.register(call)
        return call

    def register(self, call: LiveCall) -> None:
        with self._lock:
            self.calls[call.sid] = call

    def get(self, sid: str) -> LiveCall | None:
        with self._lock:
            return self.calls.get(sid)

    def forget(self, sid: str) -> bool:
        with self._lock:
            return self.calls.pop(sid, None) is not None

    def hangup(self, sid: str, by: str = "api") -> bool:
        """End a live call; for an agent leg, end its bridge (the caller's call goes on
        to the <Dial> action, as with Twilio)."""
        call = self.get(sid)
        if call is None or call.finished:
            return False
        parent = call.extra.get("parent")
        if parent is not None:
            parent.control.signal(f"agent_hangup:{call.extra['endpoint_key']}")
        else:
            call.control.hangup(by)
        return True

    def redirect(self, sid: str, target: Redirection) -> bool:
        call = self.get(sid)
        if call is None or call.finished:
            return False
        parent = call.extra.get("parent")
        if parent is not None:
            # An agent leg of a <Dial>: as with Twilio it leaves the bridge (the caller's
            # <Dial> ends) and runs the new TwiML itself (`legs._bridge`, `continue_leg`).
            call.extra["start_with"] = target
            parent.control.signal(f"agent_moved:{call.sid}")
            return True
        call.control.redirect(target)
        return True

    def continue_leg(self, leg: LiveCall, endpoint: Endpoint,
                     talk_seconds: float | None) -> threading.Thread:
        """An agent's leg moved out of a bridge: it runs its own TwiML from now on
        (in a thread of its own); the agent hangs up after `talk_seconds` more."""
        leg.extra.pop("parent", None)
        leg.extra["endpoint"] = endpoint
        since_created = self.clock.now() - leg.created_at
        leg.script = CallScript(hangup_after=None if talk_seconds is None
                                else since_created + talk_seconds)
        leg.keypad = ScriptedKeypad([])
        endpoint.active.append((leg, leg.sid))
        return self.start(leg)

    def place_outbound(self, *, to: str, from_: str, url: str | None = None,
                       method: str = "POST", twiml: str | None = None,
                       status_callback: str | None = None,
                       status_callback_method: str = "POST",
                       timeout: float = 60.0) -> LiveCall:
        """A call made with the REST API (Calls create): it rings `to` (a simulated
        softphone `client:<identity>` or agent phone number) and, once answered, runs
        the TwiML at `url` (or `twiml`). Not yet running: call `start`."""
        call = LiveCall(sid=call_sid(), account_sid=self.account_sid, from_=from_, to=to,
                        voice_url=url or "", voice_method=method,
                        status_callback=status_callback,
                        status_callback_method=status_callback_method,
                        direction="outbound-api", created_at=self.clock.now())
        call.keypad = ScriptedKeypad([])
        call.extra["ring_timeout"] = timeout
        if twiml is not None:
            call.extra["start_with"] = Redirection(twiml=twiml)
        self.register(call)
        return call

    def run(self, call: LiveCall) -> LiveCall:
        try:
            CallExecution(self, call).run()
        finally:
            endpoint = call.extra.pop("endpoint", None)
            if endpoint is not None and (call, call.sid) in endpoint.active:
                endpoint.active.remove((call, call.sid))
            call.done.set()
        return call

    def start(self, call: LiveCall) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(call,), name=f"call-{call.sid[:10]}",
                                  daemon=True)
        thread.start()
        return thread

    def call(self, *, to: str, from_: str = "+66812345678", press: list[str] | None = None,
             say: str | None = None, voice: str = "en", say_file: str | None = None,
             record_end: str = "#", hangup_after: float | None = None,
             voice_url: str | None = None) -> LiveCall:
        """Place a scripted call and run it to the end in this thread, then wait for
        the recording callbacks it caused (they arrive later than the call's own)."""
        script = CallScript(press=list(press or []), say_text=say, say_voice=voice,
                            say_file=say_file, record_end=record_end, hangup_after=hangup_after)
        call = self.run(self.place_call(to=to, from_=from_, script=script, voice_url=voice_url))
        self.recording_callbacks.drain()
        return call

    def media_duration(self, url: str) -> tuple[float | None, str]:
        """(seconds, problem) of a <Play> file, fetched once per URL (hold music
        loops reuse it); seconds is None when it could not be fetched or measured."""
        if url in self._media_durations:
            return self._media_durations[url]
        from simulator.audio import media_duration

        response = self.http.fetch_media(url)
        result: tuple[float | None, str]
        if not response.ok:
            result = (None, f"GET {url} answered {response.status or response.error}")
        else:
            seconds = media_duration(response.body)
            result = (seconds, "" if seconds is not None else
                      f"{url} ({response.content_type or 'no Content-Type'}) is not audio")
        self._media_durations[url] = result
        return result

    def recording_url(self, sid: str) -> str:
        base = (self.media_base_url or "http://127.0.0.1").rstrip("/")
        return f"{base}/2010-04-01/Accounts/{self.account_sid}/Recordings/{sid}"
