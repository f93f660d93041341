"""One call, run the way Twilio runs it: fetch a document, execute its verbs in
order, follow Redirects and actions, and end with a status callback.

Waiting (audio playing, a pause, ringing, hold) goes through `wait()`, the one
place where time passes: it advances the clock, wakes for requests from other
threads (REST redirect, hang-up, an agent answering, keys on the demo page) and
ends the call when the caller's `hangup_after` comes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simulator import errors
from simulator.call import (
    Heard,
    HungUp,
    LiveCall,
    Notice,
    Redirected,
    Redirection,
)
from simulator.voice import legs, outbound, prompt_verbs, queue_leg, twiml
from simulator.voice.document import (
    SAY_CHARACTERS_PER_SECOND,
    ApplicationError,
    Fetch,
    LeaveQueue,
    Rejected,
    resolve,
    rfc2822,
)

if TYPE_CHECKING:
    from simulator.engine import VoiceEngine

class CallExecution:
    def __init__(self, engine: VoiceEngine, call: LiveCall) -> None:
        self.engine = engine
        self.call = call
        self.clock = engine.clock
        self.documents = 0
        self.in_queue = False
        # Work Twilio does just after it requests the next document (recording
        # status callbacks arrive after the <Record> action request).
        self.after_fetch: list[Fetch] = []

    # --- the call's life -------------------------------------------------------------

    def run(self) -> None:
        call = self.call
        if call.answered_at is None:
            call.status = "ringing"
        first = Fetch(call.voice_url, call.voice_method, "voice")
        # A REST call with Twiml=, or an agent leg redirected out of a bridge.
        start_with = call.extra.pop("start_with", None)
        next_fetch: Fetch | None = (first if start_with is None
                                    else self._redirect_fetch(start_with, first))
        final_status = "completed"
        try:
            if call.direction == "outbound-api":
                outbound.ring_callee(self)
            while next_fetch is not None:
                try:
                    verbs = self.fetch_document(next_fetch)
                    next_fetch = self.run_verbs(verbs, next_fetch.url)
                except Redirected as redirect:
                    assert next_fetch is not None
                    next_fetch = self._redirect_fetch(redirect.target, next_fetch)
            call.ended_by = call.ended_by or "app"
        except HungUp as hangup:
            call.ended_by = hangup.by
        except ApplicationError:
            call.ended_by = "error"
            self._apologise()
        except Rejected as rejected:
            call.ended_by = "app"
            final_status = "busy" if rejected.reason == "busy" else "no-answer"
        finally:
            self._flush_after_fetch()
            self._finish(final_status)

    def _redirect_fetch(self, target: Redirection, current: Fetch) -> Fetch:
        if target.twiml is not None:
            return Fetch(current.url, "POST", "redirect", twiml=target.twiml)
        return Fetch(target.url or current.url, target.method, "redirect")

    def _answer(self) -> None:
        if self.call.answered_at is None:
            self.call.answered_at = self.clock.now()
            self.call.status = "in-progress"

    def _apologise(self) -> None:
        self._answer()
        self.call.heard.append(Heard("say", errors.APPLICATION_ERROR_TEXT, "en-US",
                                     at=self._since_start()))
        try:
            self.wait(len(errors.APPLICATION_ERROR_TEXT) / SAY_CHARACTERS_PER_SECOND)
        except HungUp:
            pass

    def _finish(self, status: str) -> None:
        call = self.call
        call.ended_at = self.clock.now()
        call.status = status if call.answered_at is None else "completed"
        if call.status_callback:
            params = call.params()
            duration = self.call_duration()
            params.update({"CallDuration": str(duration), "Duration": str(math.ceil(duration / 60)),
                           "CallbackSource": "call-progress-events", "SequenceNumber": "0",
                           "Timestamp": rfc2822(call.ended_at)})
            response = self.engine.http.send(call, "status", call.status_callback,
                                             call.status_callback_method, params)
            if not response.ok:
                self.notice(errors.HTTP_RETRIEVAL_FAILURE if response.status
                            else errors.HTTP_CONNECTION_FAILURE,
                            f"status callback: {response.status or response.error}",
                            call.status_callback)

    def call_duration(self) -> int:
        if self.call.answered_at is None:
            return 0
        end = self.call.ended_at if self.call.ended_at is not None else self.clock.now()
        return int(round(end - self.call.answered_at))

    def notice(self, code: int, message: str, url: str | None = None,
               fatal: bool = False) -> None:
        self.call.notices.append(Notice(code, message, url, fatal))

    # --- documents -------------------------------------------------------------------

    def fetch_document(self, fetch: Fetch) -> list[twiml.Verb]:
        self.documents += 1
        if self.documents > self.engine.MAX_DOCUMENTS:
            self.notice(errors.CALL_LOOP_LIMIT,
                        f"more than {self.engine.MAX_DOCUMENTS} documents: the stand-in hangs up",
                        fetch.url)
            raise HungUp("limit")
        if fetch.twiml is not None:
            self.call.path.append("(twiml)")
            return self._parse(fetch.twiml, fetch.url)
        params = self.call.params()
        params.update(fetch.extra)
        response = self.engine.http.send(self.call, fetch.purpose, fetch.url, fetch.method, params)
        self.call.path.append(fetch.url)
        self._flush_after_fetch()
        if response.status is None:
            self.notice(errors.HTTP_CONNECTION_FAILURE, f"{fetch.url}: {response.error}",
                        fetch.url, fatal=True)
            raise ApplicationError
        if not response.ok:
            self.notice(errors.HTTP_RETRIEVAL_FAILURE,
                        f"{fetch.url} answered HTTP {response.status}", fetch.url, fatal=True)
            raise ApplicationError
        if response.content_type.startswith("audio/"):
            return [twiml.Play(url=fetch.url)]
        if response.content_type not in {"text/xml", "application/xml", "text/html", ""}:
            self.notice(errors.INVALID_CONTENT_TYPE,
                        f"{fetch.url}: Content-Type {response.content_type!r} is not TwiML",
                        fetch.url, fatal=True)
            raise ApplicationError
        return self._parse(response.body, fetch.url)

    def _parse(self, body: str | bytes, url: str) -> list[twiml.Verb]:
        try:
            return twiml.parse(body)
        except twiml.TwimlError as exc:
            self.notice(exc.code, exc.message, url, fatal=True)
            raise ApplicationError from None

    def _flush_after_fetch(self) -> None:
        pending, self.after_fetch = self.after_fetch, []
        for fetch in pending:
            params = self.call.params()
            params.update(fetch.extra)
            response = self.engine.http.send(self.call, fetch.purpose, fetch.url, fetch.method,
                                             params)
            if not response.ok:
                self.notice(errors.HTTP_RETRIEVAL_FAILURE if response.status
                            else errors.HTTP_CONNECTION_FAILURE,
                            f"{fetch.purpose} callback: {response.status or response.error}",
                            fetch.url)

    def send_ignoring_answer(self, fetch: Fetch) -> None:
        """An action Twilio still requests after the caller hung up (its TwiML is ignored)."""
        params = self.call.params()
        params["CallStatus"] = "completed"      # the call is over: Twilio says so
        params.update(fetch.extra)
        self.engine.http.send(self.call, fetch.purpose, fetch.url, fetch.method, params)
        self.call.path.append(fetch.url)

    def run_verbs(self, verbs: list[twiml.Verb], base: str) -> Fetch | None:
        """Execute a document; the next document to fetch, or None when it ran out."""
        for verb in verbs:
            self.call.control.raise_pending()
            if isinstance(verb, twiml.Reject):
                if self.call.answered_at is None:
                    raise Rejected(verb.reason)
                continue        # Twilio ignores <Reject> once the call is answered
            self._answer()
            if isinstance(verb, twiml.Say | twiml.Play | twiml.Pause):
                prompt_verbs.prompt(self, verb, base)
            elif isinstance(verb, twiml.Gather):
                fetch = prompt_verbs.gather(self, verb, base)
                if fetch is not None:
                    return fetch
            elif isinstance(verb, twiml.Redirect):
                return Fetch(resolve(base, verb.url), verb.method, "redirect")
            elif isinstance(verb, twiml.Enqueue):
                fetch = queue_leg.enqueue(self, verb, base)
                if fetch is not None:
                    return fetch
            elif isinstance(verb, twiml.Leave):
                if self.in_queue:
                    raise LeaveQueue
            elif isinstance(verb, twiml.Dial):
                fetch = legs.dial(self, verb, base)
                if fetch is not None:
                    return fetch
            elif isinstance(verb, twiml.Record):
                fetch = legs.record(self, verb, base)
                if fetch is not None:
                    return fetch
            elif isinstance(verb, twiml.Hangup):
                raise HungUp("app")
        return None

    # --- time ------------------------------------------------------------------------

    def _since_start(self) -> float:
        return round(self.clock.now() - self.call.created_at, 3)

    def wait(self, seconds: float, keys: bool = False, signals: tuple[str, ...] = ()) -> bool:
        """Let `seconds` of call time pass. True if a live key press cut it short.

        Raises the call's pending interrupts (redirect, hang-up, dequeue, and the
        `signals` the caller expects), and HungUp("caller") when the caller's
        scripted hang-up moment falls inside the wait."""
        call, control = self.call, self.call.control
        control.raise_pending(signals)
        elapsed = self.clock.now() - call.created_at
        if elapsed >= self.engine.MAX_CALL_SECONDS:
            self.notice(errors.CALL_LOOP_LIMIT, "call reached Twilio's four-hour limit")
            raise HungUp("limit")
        step = max(seconds, 0.0)
        hangs_up = False
        if call.script.hangup_after is not None:
            left = call.script.hangup_after - elapsed
            if left <= step:
                step, hangs_up = max(left, 0.0), True

        def woken() -> bool:
            return control.pending(signals) or bool(keys and call.keypad
                                                    and call.keypad.has_keys())

        real_seconds = step * self.engine.pace if self.engine.simulated else step
        with control.cond:
            if real_seconds > 0:
                control.cond.wait_for(woken, timeout=real_seconds)
            interrupted = woken()
        if self.engine.simulated:
            if not interrupted:
                self.clock.advance(step)   # type: ignore[attr-defined]
        if interrupted:
            control.raise_pending(signals)
            return True                    # a key: the verb stops early
        if hangs_up:
            raise HungUp("caller")
        return False
