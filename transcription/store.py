"""Queries for transcripts and the human-transcription queue."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from transcription.models import MachineDraft, Transcript

HUMAN_STATUSES = ("awaiting_human", "claimed")


def transcripts_for(session: Session, recording_id: int) -> Sequence[Transcript]:
    return session.scalars(
        select(Transcript).where(Transcript.recording_id == recording_id)
        .order_by(Transcript.id)
    ).all()


def human_queue(session: Session, languages: Collection[str] | None,
                staff_id: int) -> Sequence[Transcript]:
    """Waiting transcripts (oldest first) plus those this person has claimed."""
    query = (select(Transcript)
             .where(or_(Transcript.status == "awaiting_human",
                        (Transcript.status == "claimed")
                        & (Transcript.claimed_by_id == staff_id)))
             .order_by(Transcript.created_at, Transcript.id)
             .limit(500))
    if languages is not None:
        query = query.where(Transcript.language.in_(sorted(languages)))
    return session.scalars(query).all()


def expired_transcripts(session: Session, cutoff: datetime) -> Sequence[Transcript]:
    return session.scalars(
        select(Transcript).where(Transcript.created_at < cutoff,
                                 Transcript.status != "purged")
        .order_by(Transcript.id)
    ).all()


def draft_for(session: Session, transcript_id: int) -> MachineDraft | None:
    return session.scalar(select(MachineDraft).where(MachineDraft.transcript_id == transcript_id))


def drafts_for(session: Session, transcript_ids: Collection[int]) -> dict[int, MachineDraft]:
    """transcript id → its machine draft, for those that have one."""
    if not transcript_ids:
        return {}
    return {draft.transcript_id: draft for draft in session.scalars(
        select(MachineDraft).where(MachineDraft.transcript_id.in_(sorted(transcript_ids))))}
