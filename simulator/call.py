"""One call's state: who, what it has heard, every webhook, and the control
channel other threads (REST updates, the demo page, softphones) use to reach it.

The engine thread is the only writer of the log lists; other threads read them
(CPython list appends are atomic, and readers copy before serialising).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from simulator.keypad import Keypad


@dataclass
class Heard:
    verb: str                      # say / play / pause / beep
    text: str | None = None
    language: str | None = None
    voice: str | None = None
    audio_url: str | None = None
    seconds: float = 0.0
    interrupted: bool = False      # cut short by a key, a redirect or a hang-up
    at: float = 0.0                # seconds since the call started


@dataclass
class Webhook:
    purpose: str                   # voice / action / redirect / wait / status / recording / play
    url: str
    method: str
    status: int | None             # None: no HTTP answer (connection failure, timeout)
    latency_ms: float
    error: str | None = None


@dataclass
class Notice:
    code: int
    message: str
    url: str | None = None
    fatal: bool = False            # ended the call (Twilio's "application error")


@dataclass
class RecordingRef:
    sid: str
    url: str
    duration: int
    channels: int
    source: str


@dataclass
class Redirection:
    url: str | None = None
    method: str = "POST"
    twiml: str | None = None


@dataclass
class Bridge:
    """A caller waiting in a queue, taken by another call's <Dial><Queue>."""
    by_call_sid: str
    ended: threading.Event = field(default_factory=threading.Event)
    seconds: float = 0.0


class Interrupt(Exception):
    """Something from outside the call's own TwiML stops the current verb."""


class Redirected(Interrupt):
    def __init__(self, target: Redirection) -> None:
        super().__init__("redirected")
        self.target = target


class HungUp(Interrupt):
    def __init__(self, by: str) -> None:
        super().__init__(f"hung up by {by}")
        self.by = by                # caller / api / app


class Dequeued(Interrupt):
    def __init__(self, bridge: Bridge) -> None:
        super().__init__("bridged from queue")
        self.bridge = bridge


class Signalled(Interrupt):
    """An agent leg's event (answered, hung up) reaching the call that dialled it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Control:
    """Requests from other threads, delivered at the call's next wait point."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self._redirect: Redirection | None = None
        self._hangup_by: str | None = None
        self._bridge: Bridge | None = None
        self._signals: list[str] = []

    def signal(self, name: str) -> None:
        with self.cond:
            self._signals.append(name)
            self.cond.notify_all()

    def redirect(self, target: Redirection) -> None:
        with self.cond:
            self._redirect = target
            self.cond.notify_all()

    def hangup(self, by: str = "api") -> None:
        with self.cond:
            self._hangup_by = self._hangup_by or by
            self.cond.notify_all()

    def bridge(self, bridge: Bridge) -> None:
        with self.cond:
            self._bridge = bridge
            self.cond.notify_all()

    def pending(self, signals: tuple[str, ...] = ()) -> bool:
        return bool(self._redirect or self._hangup_by or self._bridge
                    or any(name.startswith(signals) for name in self._signals if signals))

    def raise_pending(self, signals: tuple[str, ...] = ()) -> None:
        """Raise the most urgent pending request, consuming it (hang-ups stay).

        Signals are only raised where the caller of this method expects them
        (`signals` prefixes, e.g. while a <Dial> rings); stale ones are dropped."""
        with self.cond:
            if self._hangup_by:
                raise HungUp(self._hangup_by)
            if self._redirect is not None:
                target, self._redirect = self._redirect, None
                raise Redirected(target)
            if signals:
                for name in list(self._signals):
                    if name.startswith(signals):
                        self._signals.remove(name)
                        raise Signalled(name)
            self._signals.clear()
            if self._bridge is not None:
                bridge, self._bridge = self._bridge, None
                raise Dequeued(bridge)


@dataclass
class CallScript:
    """What the simulated caller does. `press`: one entry per <Gather> in order
    ("" = stays silent; "1@2.5" = presses 1 2.5 s into that Gather, cutting its prompts
    short); `say_text`/`say_voice` or `say_file`: the message spoken
    into a <Record>; `record_end`: how the caller ends a recording ("#", any key,
    "hangup" or "timeout"); `hangup_after`: seconds after answer the caller hangs up."""

    press: list[str] = field(default_factory=list)
    say_text: str | None = None
    say_voice: str = "en"
    say_file: str | None = None
    record_end: str = "#"
    hangup_after: float | None = None


@dataclass
class LiveCall:
    sid: str
    account_sid: str
    from_: str
    to: str
    voice_url: str
    voice_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    direction: str = "inbound"
    parent_call_sid: str | None = None
    script: CallScript = field(default_factory=CallScript)
    keypad: Keypad | None = None
    control: Control = field(default_factory=Control)
    status: str = "queued"
    created_at: float = 0.0
    answered_at: float | None = None
    ended_at: float | None = None
    heard: list[Heard] = field(default_factory=list)
    webhooks: list[Webhook] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    recordings: list[RecordingRef] = field(default_factory=list)
    queue_seconds: float = 0.0
    queue_name: str | None = None          # set while waiting in an <Enqueue>
    bridged_to: str | None = None          # identity / number / call sid of the agent leg
    bridged_seconds: float = 0.0
    ended_by: str | None = None            # caller / app / agent / api / error
    child_sids: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the call has ended (and its status callback was sent)."""
        return self.done.wait(timeout)

    def params(self) -> dict[str, str]:
        """The parameters Twilio sends with every voice webhook of this call."""
        params = {
            "AccountSid": self.account_sid, "ApiVersion": "2010-04-01", "CallSid": self.sid,
            "CallStatus": self.status, "Direction": self.direction,
            "From": self.from_, "To": self.to, "Caller": self.from_, "Called": self.to,
            "CallerCountry": _country(self.from_), "CalledCountry": _country(self.to),
            "FromCountry": _country(self.from_), "ToCountry": _country(self.to),
        }
        if self.parent_call_sid:
            params["ParentCallSid"] = self.parent_call_sid
        return params


def _country(number: str) -> str:
    """ISO country of an E.164 number (Twilio fills CallerCountry and friends)."""
    import phonenumbers

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or ""
    except phonenumbers.NumberParseException:
        return ""
