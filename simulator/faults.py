"""Fault injection: make the stand-in misbehave the way real networks and Twilio do.

Each rule fires for the next `count` matching requests, then retires.
  target="rest"    kind="error"   the REST emulator answers `status` with Twilio's error JSON,
                                  carrying `code` (default: Twilio's own code for that status,
                                  e.g. 503 → 20503, 404 → 20404; any other → 20500)
  target="rest"    kind="timeout" the REST emulator sleeps `seconds` before answering
  target="webhook" kind="slow"    a webhook is sent `seconds` late (latency the app must absorb)
  target="webhook" kind="timeout" the webhook is sent but its answer ignored: error 11205
  target="webhook" kind="drop"    the webhook is never sent, as if the app were unreachable: 11205
  target="recording" kind="failed" the next recording (whose recordingStatusCallback URL
                                  matches) fails: no media, and RecordingStatus=failed
                                  arrives with the completed event, as Twilio reports it
`match` is a substring of the URL the rule applies to ("" = every URL).
A caller hanging up at a given moment is a call's `hangup_after`, not a rule.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

KINDS = {"rest": {"error", "timeout"}, "webhook": {"slow", "timeout", "drop"},
         "recording": {"failed"}}


class FaultError(ValueError):
    pass


@dataclass
class FaultRule:
    target: str
    kind: str
    count: int = 1
    status: int = 500
    seconds: float = 0.0
    match: str = ""
    code: int | None = None        # Twilio error code of an injected REST error

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class Faults:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, target: str, kind: str, *, count: int = 1, status: int = 500,
            seconds: float = 0.0, match: str = "", code: int | None = None) -> FaultRule:
        if kind not in KINDS.get(target, set()):
            raise FaultError(f"unknown fault {target}/{kind}; known: "
                             + ", ".join(f"{t}/{k}" for t in KINDS for k in sorted(KINDS[t])))
        if count < 1:
            raise FaultError("count must be at least 1")
        if not 400 <= status <= 599:
            raise FaultError("status must be an HTTP error status (400-599)")
        rule = FaultRule(target, kind, count, status, seconds, match, code)
        with self._lock:
            self._rules.append(rule)
        return rule

    def take(self, target: str, url: str) -> FaultRule | None:
        """The first live rule for this request, consuming one of its uses."""
        with self._lock:
            for rule in self._rules:
                if rule.target == target and rule.match in url:
                    rule.count -= 1
                    if rule.count == 0:
                        self._rules.remove(rule)
                    return rule
        return None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)
