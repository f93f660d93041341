"""Callback requests that never reached their queue, queued after all.

A caller's callback request is committed to the database in the webhook; putting it
in the language queue (Redis) can fail, or be lost if Redis restarts empty. Run by
the scheduler's intake sweep: every open request that was never tried and has no
queue entry joins its queue again, keeping the time the caller asked.

A request promised for the next shift (`not_before`, when nobody for the language
was on) joins again with that time, so routing still offers it no earlier.
"""

from __future__ import annotations

import logging

from sqlalchemy import exists, select

from helpline.services import Services
from ivr import domain
from ivr.models import Call, CallbackRequest, CallEvent
from ivr.queueing import call_queue

log = logging.getLogger("helpline.ivr")


def requeue_lost_callbacks(svc: Services) -> int:
    """Returns how many open callback requests were put back in their queue."""
    parents = {code: lang.parent for code, lang in svc.config.languages.items() if lang.parent}
    with svc.db.session() as session:
        rows = session.execute(
            select(Call.call_sid, CallbackRequest.language, Call.urgent,
                   CallbackRequest.not_before)
            .join(Call, CallbackRequest.call_id == Call.id)
            .where(CallbackRequest.status == "open", CallbackRequest.assignee_id.is_(None),
                   ~exists().where(CallEvent.call_id == Call.id,
                                   CallEvent.kind == "callback_attempt"))).all()
    queue = call_queue(svc)
    requeued = 0
    for call_sid, language, urgent, not_before in rows:
        if queue.status(call_sid) is not None:
            continue
        routing_language, dialect = domain.routing_language(language, parents)
        queue.join(call_sid=call_sid, language=routing_language, dialect=dialect,
                   urgent=bool(urgent), callback=True,
                   not_before=not_before.timestamp() if not_before is not None else None)
        requeued += 1
        log.warning("callback request of call %s was not queued; queued now", call_sid)
    return requeued
