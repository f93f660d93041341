"""Queries for recordings. Callers own the transaction (`Database.session()`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.models import Call
from recordings.domain import RecordingCallback
from recordings.models import Recording


def find_call(session: Session, call_sid: str | None) -> Call | None:
    if call_sid is None:
        return None
    return session.scalar(select(Call).where(Call.call_sid == call_sid))


def find_by_sid(session: Session, recording_sid: str) -> Recording | None:
    return session.scalar(select(Recording).where(Recording.recording_sid == recording_sid))


def record_callback(session: Session, callback: RecordingCallback, *, kind: str,
                    call: Call | None, status: str = "received",
                    error: str | None = None) -> tuple[Recording, bool]:
    """The Recording for this RecordingSid, and whether this callback created it.

    The unique constraint on recording_sid settles a race between two deliveries
    of the same callback: the loser rolls back and reads the winner's row.
    """
    existing = find_by_sid(session, callback.recording_sid)
    if existing is not None:
        return existing, False
    recording = Recording(
        recording_sid=callback.recording_sid,
        call_id=call.id if call else None,
        kind=kind,
        language=call.language if call else None,
        status=status,
        error=error,
        duration_seconds=callback.duration_seconds,
        channels=callback.channels,
        attempts=0,
    )
    session.add(recording)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        winner = find_by_sid(session, callback.recording_sid)
        if winner is None:
            raise
        return winner, False
    return recording, True


def expired_audio(session: Session, cutoff: datetime) -> Sequence[Recording]:
    return session.scalars(
        select(Recording)
        .where(Recording.created_at < cutoff, Recording.storage_path.is_not(None),
               Recording.purged_at.is_(None))
        .order_by(Recording.id)
    ).all()


def for_ticket(session: Session, ticket_id: int) -> Sequence[Recording]:
    return session.scalars(
        select(Recording).where(Recording.ticket_id == ticket_id).order_by(Recording.id)
    ).all()
