"""Connected calls whose end Twilio never reported: ask Twilio, and settle them.

A lost status callback must not leave an agent "on a call" for ever, unreachable
for new callers, with the wallboard showing it. Once a minute the sweep asks
Twilio about calls connected longer than `STALE_AFTER_SECONDS` and ends those
Twilio says are over. Callbacks are skipped: their conversation runs on a call we
placed, and its own status callback settles it.
"""

from __future__ import annotations

import logging
from typing import Any

CHECK_EVERY_SECONDS = 60
STALE_AFTER_SECONDS = 15 * 60
ENDED_AT_TWILIO = {"completed", "canceled", "failed", "busy", "no-answer"}

log = logging.getLogger(__name__)


def stale_connected_calls(engine: Any, now: float) -> list[str]:
    stale = []
    for key in engine.redis.scan_iter(match=engine.key("call:*"), count=500):
        state, accepted_at, callback = engine.redis.hmget(key, "state", "accepted_at",
                                                          "callback")
        if state != b"connected" or not accepted_at or callback == b"1":
            continue
        if now - float(accepted_at) >= STALE_AFTER_SECONDS:
            stale.append(key.decode().rsplit(":", 1)[1])
    return stale


def reconcile(routing: Any) -> int:
    """Ends stale calls Twilio reports finished; returns how many. Runs at most once a
    minute across all workers (a Redis lock), since each check is a REST request."""
    engine = routing.engine
    if not engine.redis.set(engine.key("reconcile-lock"), "1", nx=True,
                            ex=CHECK_EVERY_SECONDS):
        return 0
    settled = 0
    for call_sid in stale_connected_calls(engine, engine.clock.now()):
        try:
            status = routing.svc.twilio.calls(call_sid).fetch().status
        except Exception as exc:  # noqa: BLE001 - try again next minute
            log.warning("could not ask Twilio about call %s: %s", call_sid,
                        type(exc).__name__)
            continue
        if status in ENDED_AT_TWILIO:
            routing.bridge_ended(call_sid, "reconciled")
            settled += 1
    return settled
