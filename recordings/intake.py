"""Taking in a recording Twilio holds: record it once with its next step (download),
open or join its ticket, and hand the download to rq. Shared by the status webhook
and by the recovery of recordings whose webhook never arrived.

The row and its next step commit together before anything is queued: if the queue is
down, the intake sweep finds the step without a job and queues it when Redis is back.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from cases.models import Ticket
from helpline.db import utcnow
from helpline.services import Services
from ivr.models import Call, CallEvent
from recordings import domain, jobs, store, tickets

log = logging.getLogger("helpline.recordings")


def take_in(svc: Services, session: Session, callback: domain.RecordingCallback,
            language_hint: str | None) -> bool:
    """True when the recording was new (a download was enqueued). Commits `session`."""
    call = store.find_call(session, callback.call_sid)
    kind = domain.classify_kind(callback.channels, callback.requested_kind,
                                call.outcome if call else None, callback.conference_sid)
    if not callback.completed:
        _record_no_audio(svc, session, callback, kind, call)
        session.commit()
        return False
    recording, created = store.record_callback(session, callback, kind=kind, call=call)
    if not created:
        session.commit()
        return False
    if recording.language is None and language_hint in svc.config.languages:
        recording.language = language_hint
    recording.next_step, recording.next_step_at = domain.DOWNLOAD, utcnow()
    recording.job_id = domain.job_id_for(domain.DOWNLOAD, recording.id,
                                         recording.recording_sid)
    if kind == domain.VOICEMAIL:
        too_short = callback.duration_seconds is not None and domain.is_too_short(
            kind, callback.duration_seconds, svc.config.voicemail.min_length_seconds)
        if not too_short:
            tickets.ticket_for_voicemail(
                session, recording, call, default_language=_default_language(svc, call),
                parents={code: lang.parent for code, lang in svc.config.languages.items()})
    else:
        ticket = tickets.ticket_for_call(session, recording.call_id)
        if ticket is not None:
            recording.ticket_id = ticket.id
    session.commit()
    try:
        jobs.enqueue_download(svc, recording)
    except Exception as exc:  # noqa: BLE001 - the step is recorded; the sweep queues it
        log.warning("recording %s recorded, its download not queued yet (%s)",
                    recording.id, type(exc).__name__)
    return True


def _record_no_audio(svc: Services, session: Session, callback: domain.RecordingCallback,
                     kind: str, call: Call | None) -> None:
    """Twilio recorded nothing (`absent`) or could not (`failed`): the recording's row
    says so (staff see it with the failed ones), and so does the call's timeline —
    never silence. An absent recording opens no ticket (nothing was said). A failed
    voicemail is a message the caller meant to leave: its ticket is opened (or the
    caller's joined) with a note saying so, as a failed recorded conversation notes
    the call's ticket, so someone follows it up."""
    status = jobs.ABSENT if callback.status == "absent" else jobs.FAILED
    recording, created = store.record_callback(
        session, callback, kind=kind, call=call, status=status,
        error=f"Twilio reported the recording {callback.status}")
    if not created:
        return
    if call is not None:
        session.add(CallEvent(call_id=call.id, kind=f"recording_{status}",
                              detail={"recording_sid": callback.recording_sid, "kind": kind,
                                      "source": callback.source}))
    if status == jobs.FAILED:
        ticket: Ticket | None
        if kind == domain.VOICEMAIL:
            ticket = tickets.ticket_for_voicemail(
                session, recording, call, default_language=_default_language(svc, call),
                parents={code: lang.parent for code, lang in svc.config.languages.items()})
        else:
            ticket = tickets.ticket_for_call(session, recording.call_id)
        if ticket is not None:
            recording.ticket_id = ticket.id
            note = (f"[{utcnow():%Y-%m-%d %H:%M} UTC] Twilio could not record this "
                    f"{'voicemail' if kind == domain.VOICEMAIL else 'conversation'} "
                    f"({callback.recording_sid}): nothing to listen to.")
            ticket.notes = f"{ticket.notes}\n{note}".strip()
    log.warning("recording %s of %s: Twilio reported it %s", callback.recording_sid,
                callback.call_sid or callback.conference_sid or "an unknown call",
                callback.status)


def _default_language(svc: Services, call: Call | None) -> str:
    number = svc.config.number(call.number_called) if call else None
    if number is not None:
        return number.fallback_language
    return next(iter(svc.config.languages))
