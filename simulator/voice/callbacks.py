"""Recording status callbacks, sent when "Twilio" has the file ready — not in step
with the call.

Twilio processes a recording after it ends and calls `recordingStatusCallback`
asynchronously: usually after the <Record> or <Dial> action request, sometimes
after the call has ended, and a conference's recording only once the conference is
over, with no call to tie it to. An app that expects the callback before (or right
after) the action, or expects a CallSid on every one, works against a stand-in
that sends it in step and fails on Twilio. Each callback here is sent from its
own thread after a random delay in `delay_seconds` (real seconds).

`drain()` waits until every callback scheduled so far has been sent: a test (or
the CLI) that has run a call to its end calls it before looking at what the app
did with the recording.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator import errors
from simulator.voice.document import resolve, rfc2822

if TYPE_CHECKING:
    from simulator.call import LiveCall
    from simulator.voice.webhooks import WebhookClient

DEFAULT_DELAY_SECONDS = (0.05, 0.4)


@dataclass
class RecordingCallbacks:
    http: WebhookClient
    delay_seconds: tuple[float, float] = DEFAULT_DELAY_SECONDS
    _pending: set[threading.Thread] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send_later(self, call: LiveCall | None, url: str, method: str,
                   params: dict[str, str]) -> None:
        """Send one callback after the delay; `call`, when there is one, logs it (a
        conference recording's callback belongs to no call)."""
        low, high = self.delay_seconds
        delay = random.uniform(low, high) if high > low else low
        thread = threading.Thread(target=self._send, args=(call, url, method, params, delay),
                                  name="recording-callback", daemon=True)
        with self._lock:
            self._pending.add(thread)
        thread.start()

    def _send(self, call: LiveCall | None, url: str, method: str, params: dict[str, str],
              delay: float) -> None:
        try:
            time.sleep(delay)
            response = self.http.send(call, "recording", url, method, params)
            if not response.ok and call is not None:
                from simulator.call import Notice

                call.notices.append(Notice(
                    errors.HTTP_RETRIEVAL_FAILURE if response.status
                    else errors.HTTP_CONNECTION_FAILURE,
                    f"recording callback: {response.status or response.error}", url, False))
        finally:
            with self._lock:
                self._pending.discard(threading.current_thread())

    def drain(self, timeout: float = 15.0) -> bool:
        """Wait for every callback scheduled so far; False if some are still out."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return True
            for thread in pending:
                thread.join(max(deadline - time.monotonic(), 0.0))
            if time.monotonic() >= deadline:
                with self._lock:
                    return not self._pending


@dataclass(frozen=True)
class RecordingCallback:
    """Where and when a verb's recordingStatusCallback is sent (its events)."""
    url: str | None
    method: str
    events: tuple[str, ...]

    @classmethod
    def of(cls, verb: Any, base: str) -> RecordingCallback:
        url = verb.recording_status_callback
        return cls(resolve(base, url) if url else None, verb.recording_status_callback_method,
                   verb.recording_status_callback_event)

    def send(self, engine: Any, call: LiveCall | None, event: str,
             params: dict[str, str]) -> None:
        """Later, as Twilio does once the file is processed (`simulator.voice.callbacks`)."""
        if self.url and event in self.events:
            engine.recording_callbacks.send_later(call, self.url, self.method, params)


def recording_params(*, account_sid: str, sid: str, url: str, status: str, duration: int,
                     channels: int, source: str, start: float,
                     call_sid: str | None = None,
                     conference_sid: str | None = None) -> dict[str, str]:
    """A recordingStatusCallback's parameters. A call's recording names its CallSid;
    a conference's names its ConferenceSid instead (Twilio sends no CallSid)."""
    params = {"AccountSid": account_sid, "RecordingSid": sid, "RecordingUrl": url,
              "RecordingStatus": status, "RecordingDuration": str(duration),
              "RecordingChannels": str(channels), "RecordingSource": source,
              "RecordingStartTime": rfc2822(start), "ErrorCode": "0"}
    if call_sid is not None:
        params["CallSid"] = call_sid
    if conference_sid is not None:
        params["ConferenceSid"] = conference_sid
    return params
