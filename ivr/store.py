"""The IVR's queries: calls, callers, events, callbacks, notices. Called by the views only."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, event, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached

from ivr.models import Call, CallbackRequest, Caller, CallEvent, Notice

# How Twilio spells a number it cannot show.
WITHHELD = {"", "anonymous", "restricted", "unknown", "private", "+266696687", "+7378742833"}


# Every webhook looks its call up: built once, so SQLAlchemy reuses its compiled form.
_CALL_BY_SID = select(Call).where(Call.call_sid == bindparam("call_sid"))


def find_call(session: Session, call_sid: str) -> Call | None:
    return session.scalar(_CALL_BY_SID, {"call_sid": call_sid})


def start_call(session: Session, *, call_sid: str, number_called: str,
               caller_link_key: str | None, now: datetime,
               link_version: str | None = None) -> tuple[Call, bool]:
    """The call row for this CallSid, created once however often Twilio retries.

    Two prepared statements (upsert the caller, insert the call unless it exists) and no
    savepoints: every call's first webhook comes here, and it holds SQLite's
    write lock for as little as it can."""
    statements = _start_statements(session.get_bind().dialect.name)
    # Core statements on the session's connection: no ORM work for rows we build.
    connection = session.connection()
    # `link_version`: which PII keys made the link (a rotation reads it, helpline.pii).
    caller_id = (connection.execute(statements.touch_caller,
                                    {"link_key": caller_link_key, "now": now,
                                     "link_version": link_version}).scalar_one()
                 if caller_link_key else None)
    call_id = connection.execute(statements.add_call, {
        "call_sid": call_sid, "number_called": number_called, "caller_id": caller_id,
        "now": now}).scalar()
    if call_id is None:
        # A retried webhook (rare), or another web process stored the same CallSid a
        # moment ago: that row stands, and this request's touch of the caller is undone.
        session.rollback()
        return find_call(session, call_sid), False  # type: ignore[return-value]
    call = Call(id=call_id, call_sid=call_sid, number_called=number_called,
                caller_id=caller_id, language=None, dialect=None,
                consented_to_recording=False, urgent=False, started_at=now, queued_at=None,
                answered_at=None, ended_at=None, outcome=None, agent_id=None,
                duration_seconds=None)
    # The row exists as written: the session takes the object as loaded, no SELECT.
    make_transient_to_detached(call)
    session.add(call)
    _remember_latest_event(session, call_id, None)
    return call, True


@dataclass(frozen=True)
class _StartStatements:
    touch_caller: Any
    add_call: Any


@functools.cache
def _start_statements(dialect: str) -> _StartStatements:
    """Built once per dialect: SQLAlchemy then reuses their compiled form."""
    dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    callers, calls = Caller.__table__, Call.__table__
    assert isinstance(callers, Table) and isinstance(calls, Table)
    now = bindparam("now", type_=callers.c.last_seen_at.type)
    # `last_seen_at` and `call_count` move in the statement itself: no read-modify-write.
    touch = dialect_insert(callers).values(
        number_hmac=bindparam("link_key"), number_hmac_version=bindparam("link_version"),
        first_seen_at=now, last_seen_at=now, call_count=1,
        flags=bindparam("flags", value=[], type_=callers.c.flags.type)
    ).on_conflict_do_update(
        index_elements=[callers.c.number_hmac],
        set_={"last_seen_at": now, "call_count": callers.c.call_count + 1},
    ).returning(callers.c.id)
    add = dialect_insert(calls).values(
        call_sid=bindparam("call_sid"), number_called=bindparam("number_called"),
        caller_id=bindparam("caller_id"), started_at=bindparam(
            "now", type_=calls.c.started_at.type),
        consented_to_recording=False, urgent=False,
    ).on_conflict_do_nothing(index_elements=[calls.c.call_sid]).returning(calls.c.id)
    return _StartStatements(touch_caller=touch, add_call=add)


def add_event(session: Session, call: Call, kind: str, detail: dict[str, Any],
              now: datetime) -> bool:
    """Appends an event unless it repeats the call's latest one (a replayed webhook)."""
    latest = _latest_event(session, call.id)
    if latest is not None and latest == (kind, detail):
        return False
    session.add(CallEvent(call_id=call.id, kind=kind, detail=detail, at=now))
    _remember_latest_event(session, call.id, (kind, detail))
    return True


_LATEST_EVENTS = "ivr.latest_events"
_UNKNOWN = object()


def _latest_event(session: Session, call_id: int) -> tuple[str, dict[str, Any]] | None:
    """The call's latest event (kind, detail): read once per request, then kept in
    the session as events are added."""
    known = session.info.setdefault(_LATEST_EVENTS, {})
    latest = known.get(call_id, _UNKNOWN)
    if latest is _UNKNOWN:
        with session.no_autoflush:
            row = session.execute(select(CallEvent.kind, CallEvent.detail)
                                  .where(CallEvent.call_id == call_id)
                                  .order_by(CallEvent.id.desc()).limit(1)).first()
        latest = (row.kind, row.detail) if row is not None else None
        known[call_id] = latest
    return latest  # type: ignore[return-value]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_latest_events(session: Session, *_args: Any) -> None:
    # Another process may add events between transactions: read them afresh.
    session.info.pop(_LATEST_EVENTS, None)


def _remember_latest_event(session: Session, call_id: int,
                           latest: tuple[str, dict[str, Any]] | None) -> None:
    session.info.setdefault(_LATEST_EVENTS, {})[call_id] = latest


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
