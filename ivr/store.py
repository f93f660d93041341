"""The IVR's queries: calls, callers, events, callbacks, notices. Called by the views only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.models import Call, CallbackRequest, Caller, CallEvent, Notice

# How Twilio spells a number it cannot show.
WITHHELD = {"", "anonymous", "restricted", "unknown", "private", "+266696687", "+7378742833"}


def find_call(session: Session, call_sid: str) -> Call | None:
    return session.scalar(select(Call).where(Call.call_sid == call_sid))


def start_call(session: Session, *, call_sid: str, number_called: str,
               caller_link_key: str | None, now: datetime) -> tuple[Call, bool]:
    """The call row for this CallSid, created once however often Twilio retries."""
    existing = find_call(session, call_sid)
    if existing is not None:
        return existing, False
    caller = _touch_caller(session, caller_link_key, now) if caller_link_key else None
    if caller is not None:
        session.flush()
    call = Call(call_sid=call_sid, number_called=number_called,
                caller_id=caller.id if caller else None, started_at=now)
    try:
        with session.begin_nested():
            session.add(call)
    except IntegrityError:
        # Another web process stored the same CallSid a moment ago.
        return find_call(session, call_sid), False  # type: ignore[return-value]
    return call, True


def _touch_caller(session: Session, link_key: str, now: datetime) -> Caller:
    caller = session.scalar(select(Caller).where(Caller.number_hmac == link_key))
    if caller is None:
        caller = Caller(number_hmac=link_key, first_seen_at=now, last_seen_at=now, call_count=0)
        try:
            with session.begin_nested():
                session.add(caller)
        except IntegrityError:
            caller = session.scalar(select(Caller).where(Caller.number_hmac == link_key))
    assert caller is not None
    caller.last_seen_at = now
    caller.call_count = (caller.call_count or 0) + 1
    return caller


def add_event(session: Session, call: Call, kind: str, detail: dict[str, Any],
              now: datetime) -> bool:
    """Appends an event unless it repeats the call's latest one (a replayed webhook)."""
    latest = session.scalar(select(CallEvent).where(CallEvent.call_id == call.id)
                            .order_by(CallEvent.id.desc()).limit(1))
    if latest is not None and latest.kind == kind and latest.detail == detail:
        return False
    session.add(CallEvent(call_id=call.id, kind=kind, detail=detail, at=now))
    return True


def latest_event_kind(session: Session, call: Call, kinds: tuple[str, ...]) -> str | None:
    return session.scalar(select(CallEvent.kind).where(CallEvent.call_id == call.id,
                                                       CallEvent.kind.in_(kinds))
                          .order_by(CallEvent.id.desc()).limit(1))


def save_callback(session: Session, call: Call, *, language: str, number_encrypted: str,
                  now: datetime, not_before: datetime | None = None) -> CallbackRequest:
    existing = session.scalar(select(CallbackRequest).where(CallbackRequest.call_id == call.id))
    if existing is not None:
        existing.number_encrypted = number_encrypted
        existing.not_before = not_before
        return existing
    request = CallbackRequest(call_id=call.id, caller_id=call.caller_id, language=language,
                              number_encrypted=number_encrypted, created_at=now,
                              not_before=not_before)
    session.add(request)
    return request


def add_notice(session: Session, *, kind: str, message: str, detail: dict[str, Any],
               now: datetime) -> None:
    session.add(Notice(kind=kind, message=message, detail=detail, at=now))
