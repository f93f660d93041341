"""Recovering recordings whose status callback never reached us.

Twilio keeps a recording until we delete it, and we delete it only after a
verified local copy, so a voicemail whose callback was lost (network, a deploy,
a failing database) still sits at Twilio. Every `reliability.recovery_sweep_seconds`
the scheduler lists Twilio's recent recordings and takes in every completed one we
have never heard of, exactly as the webhook would have — including the voicemails
left through the apology while the database was down, whose call may never have
been stored: their line (and so their language) comes from Twilio's record of the call.

Twilio lists a page at a time (newest first, `DateCreated>` as asked): every page is
read, however many recordings the week holds. A conference's recording (the
three-way call with an interpreter) names no call; the conference is named by the
caller's CallSid, so that is the call it belongs to — never an anonymous voicemail.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from helpline.clock import as_datetime
from helpline.services import Services
from recordings import domain, store
from recordings.intake import take_in
from recordings.runtime import job_services

LOOKBACK = timedelta(days=7)
PAGE_SIZE = 1000            # Twilio's largest page

log = logging.getLogger("helpline.recordings")


def recover_missed_recordings(svc: Services | None = None) -> int:
    """Returns how many recordings were taken in. Ids only reach the download job."""
    svc = svc or job_services()
    since = as_datetime(svc.clock) - LOOKBACK
    listed = svc.twilio.recordings.stream(date_created_after=since, page_size=PAGE_SIZE)
    recovered = 0
    with svc.db.session() as session:
        for item in listed:
            if item.status != "completed" or store.find_by_sid(session, item.sid):
                continue
            conference_sid = getattr(item, "conference_sid", None)
            call_sid = item.call_sid or _conference_call(svc, conference_sid)
            callback = domain.RecordingCallback(
                recording_sid=item.sid, call_sid=call_sid, status="completed",
                duration_seconds=float(item.duration) if item.duration else None,
                channels=int(item.channels or 1), source=item.source,
                requested_kind=domain.CALL if conference_sid else None,
                conference_sid=conference_sid)
            call = store.find_call(session, call_sid)
            language = call.language if call else _line_language(svc, call_sid)
            if take_in(svc, session, callback, language):
                recovered += 1
                log.warning("recording %s had no callback; recovered from Twilio", item.sid)
    return recovered


def _conference_call(svc: Services, conference_sid: str | None) -> str | None:
    """The caller's CallSid a conference is named by (`call_routing.twiml.conference`)."""
    if not conference_sid:
        return None
    try:
        name = svc.twilio.conferences(conference_sid).fetch().friendly_name
    except Exception as exc:  # noqa: BLE001 - it stays a conversation, of no known call
        log.info("could not ask Twilio about conference %s: %s", conference_sid,
                 type(exc).__name__)
        return None
    return name if domain.CALL_SID.fullmatch(name or "") else None


def _line_language(svc: Services, call_sid: str | None) -> str | None:
    """The default language of the number Twilio says the call reached."""
    if not call_sid:
        return None
    try:
        called = svc.twilio.calls(call_sid).fetch().to
    except Exception as exc:  # noqa: BLE001 - the ticket then takes the first language
        log.info("could not ask Twilio which line call %s reached: %s", call_sid,
                 type(exc).__name__)
        return None
    number = svc.config.number(called or "")
    return number.fallback_language if number else None
