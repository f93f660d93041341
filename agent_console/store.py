"""Queries behind the console's pages. Plain functions over a SQLAlchemy session;
they return ORM rows or plain values, never render anything."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from agent_console.models import AgentStateChange, StaffUser
from cases.models import Ticket, ticket_calls
from ivr.models import Call, CallbackRequest, Caller, CallEvent
from recordings.models import Recording
from transcription.models import Transcript

OPEN_STATUSES = ("open", "in_progress", "referred")
LIST_LIMIT = 50


def my_tickets(session: Session, user_id: int) -> list[Ticket]:
    return list(session.scalars(
        select(Ticket).where(Ticket.assignee_id == user_id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.priority == "normal", Ticket.updated_at.desc()).limit(LIST_LIMIT)))


def voicemails_for(session: Session, languages: Collection[str]) -> list[Recording]:
    language = func.coalesce(Recording.language, Call.language)
    return list(session.scalars(
        select(Recording).outerjoin(Call, Recording.call_id == Call.id)
        .where(Recording.kind == "voicemail", Recording.status != "purged",
               language.in_(list(languages)))
        .order_by(Recording.created_at.desc()).limit(LIST_LIMIT)))


def open_callbacks_for(session: Session, languages: Collection[str]) -> list[CallbackRequest]:
    return list(session.scalars(
        select(CallbackRequest)
        .where(CallbackRequest.status == "open", CallbackRequest.language.in_(list(languages)))
        .order_by(CallbackRequest.created_at).limit(LIST_LIMIT)))


def awaiting_transcription(session: Session, languages: Collection[str]) -> list[Transcript]:
    return list(session.scalars(
        select(Transcript)
        .where(Transcript.status.in_(("awaiting_human", "claimed")),
               Transcript.language.in_(list(languages)))
        .order_by(Transcript.created_at).limit(LIST_LIMIT)))


def caller_history(session: Session, caller_id: int, *, excluding_call: int | None = None,
                   limit: int = 10) -> tuple[list[Call], list[Ticket]]:
    """A repeat caller's earlier calls and tickets, newest first."""
    calls_query = select(Call).where(Call.caller_id == caller_id)
    if excluding_call is not None:
        calls_query = calls_query.where(Call.id != excluding_call)
    calls = list(session.scalars(calls_query.order_by(Call.started_at.desc()).limit(limit)))
    tickets = list(session.scalars(
        select(Ticket).where(Ticket.caller_id == caller_id)
        .order_by(Ticket.created_at.desc()).limit(limit)))
    return calls, tickets


def ticket_for_call(session: Session, call_id: int) -> Ticket | None:
    return session.scalar(
        select(Ticket).join(ticket_calls, ticket_calls.c.ticket_id == Ticket.id)
        .where(ticket_calls.c.call_id == call_id).limit(1))


def ticket_recordings(session: Session, ticket: Ticket) -> list[Recording]:
    call_ids = [call.id for call in ticket.calls]
    query = select(Recording).where(Recording.ticket_id == ticket.id)
    if call_ids:
        query = select(Recording).where(
            (Recording.ticket_id == ticket.id) | Recording.call_id.in_(call_ids))
    return list(session.scalars(query.order_by(Recording.created_at)))


def transcripts_of(session: Session, recording_id: int) -> list[Transcript]:
    return list(session.scalars(
        select(Transcript).where(Transcript.recording_id == recording_id)
        .order_by(Transcript.channel)))


def caller(session: Session, caller_id: int | None) -> Caller | None:
    return session.get(Caller, caller_id) if caller_id is not None else None


def staff_list(session: Session) -> list[StaffUser]:
    return list(session.scalars(
        select(StaffUser).options(selectinload(StaffUser.skills))
        .order_by(StaffUser.active.desc(), StaffUser.role, StaffUser.display_name)))


def latest_states(session: Session) -> dict[int, tuple[str, str | None, datetime]]:
    """Each staff member's last recorded presence: user id → (state, reason, since)."""
    newest = (select(AgentStateChange.user_id, func.max(AgentStateChange.id).label("id"))
              .group_by(AgentStateChange.user_id).subquery())
    rows = session.execute(
        select(AgentStateChange).join(newest, newest.c.id == AgentStateChange.id)).scalars()
    return {row.user_id: (row.state, row.reason, row.at) for row in rows}


def call_by_sid(session: Session, call_sid: str) -> Call | None:
    return session.scalar(select(Call).where(Call.call_sid == call_sid))


def call_by_id(session: Session, call_id: int | None) -> Call | None:
    return session.get(Call, call_id) if call_id is not None else None


def recording_by_sid(session: Session, recording_sid: str) -> Recording | None:
    return session.scalar(select(Recording).where(Recording.recording_sid == recording_sid))


def newest_event(session: Session, call_id: int, kinds: Collection[str]) -> CallEvent | None:
    return session.scalar(
        select(CallEvent).where(CallEvent.call_id == call_id, CallEvent.kind.in_(list(kinds)))
        .order_by(CallEvent.id.desc()).limit(1))


def went_on_call_since(session: Session, user_id: int, since: datetime) -> bool:
    """Has this staff member been on a call at any moment from `since`?"""
    return session.scalar(
        select(AgentStateChange.id).where(AgentStateChange.user_id == user_id,
                                          AgentStateChange.state == "on_call",
                                          AgentStateChange.at >= since).limit(1)) is not None


def display_name(session: Session, user_id: int | None) -> str | None:
    user = session.get(StaffUser, user_id) if user_id is not None else None
    return user.display_name if user is not None else None


def calls_since(session: Session, since: datetime) -> list[Call]:
    return list(session.scalars(select(Call).where(Call.started_at >= since)))
