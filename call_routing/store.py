"""Database queries for routing: presence history, the call's timeline, staff facts,
and the voicemails that are routed work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_console.models import AgentStateChange, StaffUser
from cases.models import Ticket
from ivr.models import Call, CallbackRequest, CallEvent
from recordings.models import Recording


@dataclass(frozen=True)
class DialTarget:
    agent_id: int
    answer_mode: str            # "client" or "number"
    phone_encrypted: str | None


@dataclass(frozen=True)
class CallFacts:
    consented_to_recording: bool
    number_called: str | None
    caller_reference: str | None   # "C-7F3A-91B2": speakable, reveals nothing
    repeat_caller: bool = False    # this caller has called before


# A callback request still to be (or being) done: its queue entry is no ghost.
OPEN_CALLBACK_STATUSES = frozenset({"open", "dialling"})


@dataclass(frozen=True)
class QueuedCallFacts:
    """What the database knows of a call still in a routing queue."""

    ended: bool                    # its end was recorded (Twilio's status callback came)
    callback_status: str | None    # its callback request's status, if it has one
    voicemail_open: bool = False   # a voicemail still waiting for an agent to take it on


def record_state_change(session: Session, *, agent_id: int, state: str, reason: str | None,
                        at: datetime) -> None:
    session.add(AgentStateChange(user_id=agent_id, state=state, reason=reason, at=at))


def staff_skills(session: Session, agent_id: int) -> dict[str, int] | None:
    user = session.get(StaffUser, agent_id)
    if user is None or not user.active:
        return None
    return {skill.language: skill.proficiency for skill in user.skills}


def dial_target(session: Session, agent_id: int) -> DialTarget | None:
    user = session.get(StaffUser, agent_id)
    if user is None:
        return None
    return DialTarget(user.id, user.answer_mode, user.phone_encrypted)


def display_names(session: Session, agent_ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(StaffUser.id, StaffUser.display_name)
                           .where(StaffUser.id.in_(agent_ids)))
    return {row.id: row.display_name for row in rows}


def agents(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).where(StaffUser.active.is_(True))
                                .order_by(StaffUser.display_name)))


def find_call(session: Session, call_sid: str) -> Call | None:
    return session.scalar(select(Call).where(Call.call_sid == call_sid))


def find_call_by_id(session: Session, call_id: int) -> Call | None:
    return session.get(Call, call_id)


def call_facts(session: Session, call_sid: str) -> CallFacts:
    call = find_call(session, call_sid)
    if call is None:
        return CallFacts(False, None, None)
    reference = call.caller.shown_reference if call.caller else None
    repeat = bool(call.caller and (call.caller.call_count or 0) > 1)
    return CallFacts(bool(call.consented_to_recording), call.number_called, reference, repeat)


def add_event(session: Session, call: Call, kind: str, detail: dict[str, Any],
              at: datetime) -> None:
    session.add(CallEvent(call=call, kind=kind, detail=detail, at=at))


def mark_answered(session: Session, call_sid: str, *, agent_id: int, at: datetime,
                  waited_seconds: float) -> None:
    call = find_call(session, call_sid)
    if call is None:
        return
    call.answered_at = call.answered_at or at
    call.agent_id = agent_id
    # Set now so a hang-up mid-conversation is never counted as abandoned in the queue.
    call.outcome = "answered"
    add_event(session, call, "queue_left", {"reason": "answered", "agent_id": agent_id,
                                            "waited_seconds": round(waited_seconds, 1)}, at)


def mark_returned_to_queue(session: Session, call_sid: str, *, agent_id: int | None, why: str,
                           at: datetime) -> None:
    call = find_call(session, call_sid)
    if call is None:
        return
    if call.outcome == "answered" and call.ended_at is None:
        call.outcome = None
        call.answered_at = None
    add_event(session, call, "queue_joined", {"reason": why, "agent_id": agent_id}, at)


def mark_ended(session: Session, call_sid: str, *, at: datetime, how: str) -> None:
    call = find_call(session, call_sid)
    if call is None:
        return
    if call.answered_at is not None:
        call.outcome = "answered"
        if call.ended_at is None:
            call.ended_at = at
            call.duration_seconds = int((at - call.started_at).total_seconds())
    add_event(session, call, "bridge_ended", {"how": how, "agent_id": call.agent_id}, at)


def mark_event(session: Session, call_sid: str, kind: str, detail: dict[str, Any],
               at: datetime) -> None:
    call = find_call(session, call_sid)
    if call is not None:
        add_event(session, call, kind, detail, at)


def queued_call_facts(session: Session, call_sids: list[str]) -> dict[str, QueuedCallFacts]:
    """Facts of the calls with these CallSids (those with a row; one query each way)."""
    if not call_sids:
        return {}
    ended = {row.call_sid: row.ended_at is not None for row in session.execute(
        select(Call.call_sid, Call.ended_at).where(Call.call_sid.in_(call_sids)))}
    requests: dict[str, str] = {}
    for row in session.execute(select(Call.call_sid, CallbackRequest.status)
                               .join(Call, CallbackRequest.call_id == Call.id)
                               .where(Call.call_sid.in_(call_sids))):
        # One open request keeps the entry, whatever older ones of the call say.
        if requests.get(row.call_sid) not in OPEN_CALLBACK_STATUSES:
            requests[row.call_sid] = row.status
    facts = {sid: QueuedCallFacts(is_ended, requests.get(sid)) for sid, is_ended in ended.items()}
    for recording in session.scalars(select(Recording)
                                     .where(Recording.recording_sid.in_(call_sids))):
        facts[recording.recording_sid] = QueuedCallFacts(
            False, None, voicemail_open=voicemail_is_open(session, recording))
    return facts


def mark_gone(session: Session, call_sid: str, *, at: datetime, why: str,
              agent_id: int | None = None) -> None:
    """The caller had hung up while queued and Twilio's status callback never told us.

    An answer recorded by the accept that found them gone did not happen. Their end is
    recorded now, as abandoned in the queue (unless the callback did come after all).
    """
    call = find_call(session, call_sid)
    if call is None:
        return
    if call.outcome == "answered" and call.ended_at is None:
        call.outcome, call.answered_at, call.agent_id = None, None, None
    add_event(session, call, "queue_left", {"reason": "gone", "why": why,
                                            "agent_id": agent_id}, at)
    if call.ended_at is None:
        call.ended_at = at
        call.outcome = call.outcome or "abandoned_in_queue"
        add_event(session, call, "ended", {"status": "gone", "outcome": call.outcome}, at)


# ---------------------------------------------------------------- voicemails as work

# A voicemail in these states has a message someone can act on.
ROUTABLE_RECORDING_STATUSES = ("received", "downloading", "stored")


@dataclass(frozen=True)
class RoutableVoicemail:
    recording_sid: str
    language: str          # the spoken language or dialect ("shn")
    urgent: bool
    created_at: datetime


def voicemail_is_open(session: Session, recording: Recording) -> bool:
    """Routable: a voicemail with a ticket nobody has yet, not taken on by anyone."""
    if (recording.kind != "voicemail" or recording.handled_at is not None
            or recording.ticket_id is None
            or recording.status not in ROUTABLE_RECORDING_STATUSES):
        return False
    ticket = session.get(Ticket, recording.ticket_id)
    return ticket is not None and ticket.assignee_id is None and ticket.status == "open"


def routable_voicemails(session: Session, *, limit: int) -> list[RoutableVoicemail]:
    """The oldest voicemails waiting for an agent (see `voicemail_is_open`)."""
    rows = session.execute(
        select(Recording.recording_sid, Recording.language, Call.language, Call.dialect,
               Call.urgent, Recording.created_at, Ticket.priority)
        .join(Ticket, Recording.ticket_id == Ticket.id)
        .outerjoin(Call, Recording.call_id == Call.id)
        .where(Recording.kind == "voicemail", Recording.handled_at.is_(None),
               Recording.status.in_(ROUTABLE_RECORDING_STATUSES),
               Ticket.assignee_id.is_(None), Ticket.status == "open")
        .order_by(Recording.created_at).limit(limit)).all()
    return [RoutableVoicemail(sid, dialect or recorded or spoken or "", bool(urgent) or
                              priority == "urgent", created)
            for sid, recorded, spoken, dialect, urgent, created, priority in rows
            if dialect or recorded or spoken]


@dataclass(frozen=True)
class TakenVoicemail:
    recording_id: int
    ticket_id: int | None


def take_voicemail(session: Session, recording_sid: str, *, agent_id: int,
                   at: datetime) -> TakenVoicemail | None:
    """The agent accepted the voicemail: it is theirs (handled, by whom and when), and so
    is its ticket unless someone has it already."""
    recording = session.scalar(select(Recording).where(Recording.recording_sid == recording_sid))
    if recording is None:
        return None
    recording.handled_by_id, recording.handled_at = agent_id, at
    ticket = session.get(Ticket, recording.ticket_id) if recording.ticket_id else None
    if ticket is not None and ticket.assignee_id is None:
        ticket.assignee_id = agent_id
    return TakenVoicemail(recording.id, recording.ticket_id)


def voicemail_facts(session: Session, recording_sid: str) -> tuple[CallFacts, int | None]:
    """A voicemail offer's caller facts (from the call it was left on) and its ticket."""
    recording = session.scalar(select(Recording).where(Recording.recording_sid == recording_sid))
    if recording is None:
        return CallFacts(False, None, None), None
    call = session.get(Call, recording.call_id) if recording.call_id else None
    facts = call_facts(session, call.call_sid) if call else CallFacts(False, None, None)
    return facts, recording.ticket_id
