"""Callers while the database cannot be written: locked by another transaction for
45 s, or read-only. Every webhook must still answer well-formed TwiML within 2 s
(Twilio gives up at 15 s), callers must be able to leave a voicemail, hear the
apology at most once, and each voicemail must be taken in once the database is back.

Well-formed: the stand-in parses every TwiML document it fetches and reports what it
could not parse or carry out as a notice (12100 and friends); reports do not carry
the documents themselves, so the notices and HTTP statuses are what is checked.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from helpline.chaos.calls import PlacedCall
from helpline.chaos.figures import webhook_figures
from helpline.chaos.scenarios.base import Run, since

CALL_TIMEOUT = 180.0


def database_locked(run: Run, *, seconds: float = 45.0, callers: int = 6,
                    intake_timeout: float = 120.0) -> dict[str, Any]:
    return _writes_refused(run, run.stack.database.locked, "lock", seconds=seconds,
                           callers=callers, intake_timeout=intake_timeout)


def database_read_only(run: Run, *, seconds: float = 15.0, callers: int = 3,
                       intake_timeout: float = 120.0) -> dict[str, Any]:
    return _writes_refused(run, run.stack.database.read_only, "read_only", seconds=seconds,
                           callers=callers, intake_timeout=intake_timeout)


def _writes_refused(run: Run, fault: Callable[[], contextlib.AbstractContextManager[None]],
                    name: str, *, seconds: float, callers: int,
                    intake_timeout: float) -> dict[str, Any]:
    """Two callers are already in the menu when the fault starts; the others call
    during it, spread over its first two thirds so each call ends before it lifts."""
    before = run.korean_voicemails(min(2, callers), gap=1.0)
    during: list[PlacedCall] = []
    held = threading.Event()
    release = threading.Event()
    problems: list[str] = []

    def hold() -> None:
        try:
            with fault():
                held.set()
                release.wait(seconds + 30)
        except Exception as exc:  # noqa: BLE001 - reported as a figure, never swallowed
            problems.append(f"{type(exc).__name__}: {exc}")
            held.set()

    holder = threading.Thread(target=hold, name=f"database {name}", daemon=True)
    holder.start()
    if not held.wait(60) or problems:
        release.set()
        raise RuntimeError(f"could not make the database {name}: {problems}")
    fault_started = time.monotonic()
    remaining = callers - len(before)
    spacing = (seconds * 2 / 3) / max(1, remaining)
    for _ in range(remaining):
        during += run.korean_voicemails(1, gap=0)
        time.sleep(spacing)
    time.sleep(max(0.0, seconds - (time.monotonic() - fault_started)))
    release.set()
    holder.join(30)
    fault_lifted = time.monotonic()
    placed = before + during
    run.stand_in.wait_finished(placed, CALL_TIMEOUT)

    def taken_in(summary: dict[str, Any]) -> bool:
        return (summary["voicemails_with_ticket"] == summary["voicemails_left"]
                and summary["voicemails_stored"] == summary["voicemails_left"])

    summary, settled = run.wait_voicemails(placed, taken_in, intake_timeout)
    return {
        "fault": name, "fault_seconds": round(fault_lifted - fault_started, 1),
        "callers": len(placed),
        "callers_with_voicemail": sum(1 for call in placed if call.outcome == "voicemail"),
        # A caller whose message the stand-in recorded but the report could not name.
        "voicemails_recorded_by_twilio": sum(len(call.recording_sids) for call in placed),
        **webhook_figures(placed),
        **summary,
        "seconds_to_take_in_after_fault": since(fault_lifted, settled),
        "fault_problems": problems,
        **run.process_figures(),
    }
