"""Connected calls whose end Twilio never reported: ask Twilio, and settle them.

A lost status callback must not leave an agent "on a call" for ever, unreachable
for new callers, with the wallboard showing it. Once a minute the heal asks
Twilio about calls connected longer than `STALE_AFTER_SECONDS` and ends those
Twilio says are over, or no longer knows (404). Callbacks are skipped: their
conversation runs on a call we placed, and its own status callback settles it.
A voicemail left "connected" (taken on, then a failure before it was closed) is
simply closed: there is no call at Twilio to ask about.
"""

from __future__ import annotations

from typing import Any

from call_routing.liveness import ENDED, UNKNOWN_AT_TWILIO, call_state

CHECK_EVERY_SECONDS = 60
STALE_AFTER_SECONDS = 15 * 60


def stale_connected_calls(engine: Any, now: float, *, kind: str = "call") -> list[str]:
    """Work of `kind` connected longer than STALE_AFTER_SECONDS."""
    stale = []
    for key in engine.redis.scan_iter(match=engine.key("call:*"), count=500):
        state, accepted_at, callback, found = engine.redis.hmget(key, "state", "accepted_at",
                                                                 "callback", "kind")
        found_kind = found.decode() if found else ("callback" if callback == b"1" else "call")
        if state != b"connected" or not accepted_at or found_kind != kind:
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
    now = engine.clock.now()
    for call_sid in stale_connected_calls(engine, now):
        # None: Twilio could not be asked (5xx, timeout): try again next minute. A 404
        # is an answer, not a failure: the call is gone, and its end says so.
        state = call_state(routing.svc.twilio, call_sid)
        if state in (ENDED, UNKNOWN_AT_TWILIO):
            routing.bridge_ended(call_sid, "reconciled" if state == ENDED else state)
            settled += 1
    # A voicemail is over the moment it is taken on; one still "connected" was left so
    # by a failure in between (there is no call at Twilio to ask about).
    for recording_sid in stale_connected_calls(engine, now, kind="voicemail"):
        engine.finish_call(recording_sid)
        settled += 1
    return settled
