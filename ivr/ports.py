"""What the IVR needs from the routing engine, as plain values.

`call_routing` implements `CallQueue`; the IVR's web layer calls it while the
caller waits. Nothing here imports Redis, Flask or SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class QueueStatus:
    call_sid: str
    language: str
    position: int                 # 1 = next to be offered
    waiting_seconds: float        # since the caller joined this queue
    estimated_wait_seconds: int   # best estimate from recent answer times and staffing
    agents_logged_in: int         # agents with the language (or dialect) not offline
    state: str = "waiting"        # waiting / reserved (an agent is being offered the call)


class CallQueue(Protocol):
    def join(self, *, call_sid: str, language: str, dialect: str | None,
             urgent: bool = False, callback: bool = False) -> QueueStatus:
        """Put the call in its language queue (idempotent on call_sid) and try to route it."""

    def status(self, call_sid: str) -> QueueStatus | None:
        """Where the call stands; None once it has left the queue (bridged, removed)."""

    def leave(self, call_sid: str, reason: str) -> None:
        """Take the call out: caller chose voicemail, hung up, or was answered elsewhere.

        `reason` is one of: voicemail, callback, abandoned, max_wait, hung_up.
        """

    def agents_logged_in(self, language: str, dialect: str | None = None) -> int:
        """Agents who could take this language now or soon (any state but offline)."""
