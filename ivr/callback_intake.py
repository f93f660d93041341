"""Callback requests that never reached their queue, queued after all.

A caller's callback request is committed to the database in the webhook; putting it
in the language queue (Redis) can fail, or be lost if Redis restarts empty. Run by
the scheduler's intake sweep: every open request that was never tried and has no
queue entry joins its queue again, keeping the time the caller asked.

A request promised for the next shift (`not_before`, when nobody for the language
was on) is kept out of the queue by the IVR; this sweep queues it once that time has
come, so no agent is offered it before.
"""

from __future__ import annotations

import logging

from sqlalchemy import exists, or_, select

from helpline.clock import as_datetime
from helpline.services import Services
from ivr import domain
from ivr.models import Call, CallbackRequest, CallEvent
from ivr.queueing import call_queue

log = logging.getLogger("helpline.ivr")


def requeue_lost_callbacks(svc: Services) -> int:
    """Returns how many open callback requests were put back in their queue."""
    parents = {code: lang.parent for code, lang in svc.config.languages.items() if lang.parent}
    now = as_datetime(svc.clock)
    with svc.db.session() as session:
        rows = session.execute(
            select(Call.call_sid, CallbackRequest.language, Call.urgent,
                   CallbackRequest.not_before)
            .join(Call, CallbackRequest.call_id == Call.id)
            .where(CallbackRequest.status == "open", CallbackRequest.assignee_id.is_(None),
                   or_(CallbackRequest.not_before.is_(None), CallbackRequest.not_before <= now),
                   ~exists().where(CallEvent.call_id == Call.id,
                                   CallEvent.kind == "callback_attempt"))).all()
    queue = call_queue(svc)
    requeued = 0
    for call_sid, language, urgent, not_before in rows:
        if queue.status(call_sid) is not None:
            continue
        routing_language, dialect = domain.routing_language(language, parents)
        queue.join(call_sid=call_sid, language=routing_language, dialect=dialect,
                   urgent=bool(urgent), callback=True)
        requeued += 1
        if not_before is not None:
            log.info("callback request of call %s queued: its shift has started", call_sid)
        else:
            log.warning("callback request of call %s was not queued; queued now", call_sid)
    return requeued
