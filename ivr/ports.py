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
    # From position, agents serving and recent handle times; None: no honest figure
    estimated_wait_seconds: int | None
    # Agents who could answer soon: available, offered a call, on a call or wrapping up
    # (not on a break or offline), with a dialect's parent-language speakers
    agents_logged_in: int
    state: str = "waiting"        # waiting / reserved (an agent is being offered the call)


class CallQueue(Protocol):
    def join(self, *, call_sid: str, language: str, dialect: str | None,
             urgent: bool = False, callback: bool = False,
             not_before: float | None = None) -> QueueStatus:
        """Put the call in its language queue (idempotent on call_sid) and try to route it.

        `callback`: the caller asked to be called back; a call already queued keeps its
        place as a callback request. `not_before` (epoch seconds): a callback is not
        offered to an agent before then.
        """

    def status(self, call_sid: str) -> QueueStatus | None:
        """Where the call stands; None once it has left the queue (bridged, removed)."""

    def leave(self, call_sid: str, reason: str) -> None:
        """Take the call out: caller chose voicemail, hung up, or was answered elsewhere.

        `reason` is one of: voicemail, callback, abandoned, max_wait, hung_up.
        """

    def agents_logged_in(self, language: str, dialect: str | None = None) -> int:
        """Agents who could answer this language soon: available, offered a call, on a
        call or wrapping up — not on a break or offline."""
