"""Voicemails as routed work: each voicemail with a ticket nobody has yet waits in its
language's deferred queue (by its RecordingSid) and is offered to a free agent like a
call when no live caller they could take is waiting.

The database decides what is routable (`store.routable_voicemails`): the heal pass
queues what is missing from Redis — a new voicemail, or all of them after Redis came
back empty — and the ghost check takes out those someone has taken on meanwhile.
"""

from __future__ import annotations

import logging
from typing import Any

from call_routing import policy, store
from call_routing.errors import RoutingError

# At most one pass this often across all processes (a Redis lock), like the ghost check.
CHECK_EVERY_SECONDS = 8
BATCH = 200

log = logging.getLogger(__name__)


def queue_voicemails(routing: Any) -> int:
    """Puts routable voicemails missing from the queues in them; returns how many."""
    engine, svc = routing.engine, routing.svc
    if not engine.redis.set(engine.key("voicemail-lock"), "1", nx=True, ex=CHECK_EVERY_SECONDS):
        return 0
    with svc.db.session() as session:
        waiting = store.routable_voicemails(session, limit=BATCH)
    if not waiting:
        return 0
    pipe = engine.redis.pipeline(transaction=False)
    for voicemail in waiting:
        pipe.hget(engine.key("call", voicemail.recording_sid), "state")
    states = pipe.execute()
    queued = 0
    for voicemail, state in zip(waiting, states, strict=True):
        if state is not None and state != b"ended":
            continue
        language, dialect = policy.routing_language(voicemail.language, None,
                                                    engine.dialect_parents)
        if (dialect or language) not in engine.languages:
            continue
        try:
            engine.join(voicemail.recording_sid, language, dialect, voicemail=True,
                        urgent=voicemail.urgent, since=voicemail.created_at.timestamp())
        except RoutingError:
            log.exception("voicemail %s could not be queued", voicemail.recording_sid)
            continue
        queued += 1
    return queued
