"""Queue entries whose caller has gone ("ghosts"): found and taken out.

A caller who hangs up while queued leaves the queue when Twilio's `completed`
status callback arrives. When that callback is lost nothing else takes them out:
the entry is offered, its bridge fails, and an agent is held for nobody. So the
heal compares every waiting or offered entry with the database (a call whose end
is recorded; a callback request no longer open) and, for callers who have waited
a while and were not asked about lately, with what Twilio says of the call.
Callback requests have no live call: the database alone decides for them.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from call_routing import store
from call_routing.engine.values import QueuedEntry
from call_routing.liveness import call_has_ended
from call_routing.store import OPEN_CALLBACK_STATUSES, QueuedCallFacts

# At most one pass this often across all processes (a Redis lock): a little under the
# scheduler's ~10 s, so a pass on time never finds the previous pass's lock still held.
CHECK_EVERY_SECONDS = 8
ASK_TWILIO_AFTER_SECONDS = 30   # a caller queued this long may be asked about at Twilio...
RECHECK_AFTER_SECONDS = 30      # ...and not again sooner
MAX_TWILIO_CHECKS = 20          # per pass (each is a REST request)...
TWILIO_BUDGET_SECONDS = 5.0     # ...and no new request once a pass has taken this long
CALLBACK_GRACE_SECONDS = 30     # the IVR queues a request before its row is committed

KEEP, REMOVE, ASK = "keep", "remove", "ask"

log = logging.getLogger(__name__)


def verdict(entry: QueuedEntry, facts: QueuedCallFacts | None, *, now: float,
            checked_at: float | None) -> str:
    """Keep, remove, or ask Twilio about one entry, from what the database knows (pure)."""
    waited = now - entry.joined_at
    if entry.callback:
        status = facts.callback_status if facts is not None else None
        if status in OPEN_CALLBACK_STATUSES:
            return KEEP
        if status is None and waited < CALLBACK_GRACE_SECONDS:
            return KEEP
        return REMOVE
    if facts is not None and facts.ended:
        return REMOVE
    if waited < ASK_TWILIO_AFTER_SECONDS:
        return KEEP
    if checked_at is not None and now - checked_at < RECHECK_AFTER_SECONDS:
        return KEEP
    return ASK


def remove_ghosts(routing: Any) -> int:
    """One pass over the queues; returns how many entries were taken out."""
    engine, svc = routing.engine, routing.svc
    if not engine.redis.set(engine.key("ghost-lock"), "1", nx=True, ex=CHECK_EVERY_SECONDS):
        return 0
    entries: list[QueuedEntry] = engine.queued_entries()
    if not entries:
        return 0
    now = engine.clock.now()
    with svc.db.session() as session:
        facts = store.queued_call_facts(session, [entry.call_sid for entry in entries])
    checked = _recently_checked(engine, entries, now)
    removed = asked = 0
    started = time.monotonic()
    for entry in entries:
        what = verdict(entry, facts.get(entry.call_sid), now=now,
                       checked_at=checked.get(entry.call_sid))
        if what == KEEP:
            continue
        why = "callback_closed" if entry.callback else "ended_in_database"
        if what == ASK:
            if asked >= MAX_TWILIO_CHECKS or time.monotonic() - started > TWILIO_BUDGET_SECONDS:
                continue
            asked += 1
            ended = call_has_ended(svc.twilio, entry.call_sid)
            engine.redis.zadd(engine.key("twilio-checked"), {entry.call_sid: now})
            if not ended:       # live, or Twilio could not say: ask again later
                continue
            why = "ended_at_twilio"
        if routing.remove_gone(entry.call_sid, why=why, callback=entry.callback):
            log.info("took call %s out of its queue: %s", entry.call_sid, why)
            removed += 1
    return removed


def _recently_checked(engine: Any, entries: list[QueuedEntry], now: float) -> dict[str, float]:
    """When each entry was last asked about at Twilio, within the recheck window. The set
    forgets older checks on every pass, so it holds a few CallSids at most."""
    key = engine.key("twilio-checked")
    pipe = engine.redis.pipeline(transaction=False)
    pipe.zremrangebyscore(key, "-inf", now - RECHECK_AFTER_SECONDS)
    for entry in entries:
        pipe.zscore(key, entry.call_sid)
    _, *scores = pipe.execute()
    return {entry.call_sid: float(score) for entry, score in zip(entries, scores, strict=True)
            if score is not None}
