"""Recordings become casework: a voicemail opens (or joins) a ticket; a recorded
conversation attaches to the ticket the agent opens for that call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.models import Ticket, ticket_calls
from ivr.models import Call
from recordings.domain import CALL, voicemail_ticket_languages
from recordings.models import Recording

VOICEMAIL_SOURCE = "voicemail"


def ticket_for_voicemail(session: Session, recording: Recording, call: Call | None, *,
                         default_language: str,
                         parents: Mapping[str, str | None]) -> Ticket:
    """The caller's open ticket in a language the voicemail's agents can open, if they
    have one, else a new voicemail ticket in the voicemail's language.

    Repeat callers are recognised by their HMAC-linked `caller_id` only; a
    withheld number has no caller and always gets a ticket of its own. A known
    caller's message in another language (a Khmer worker who calls the Burmese line
    for a friend) opens its own ticket: joined to their Khmer ticket, a Burmese
    agent could not open it (`parents`: each dialect's language, for that rule).
    """
    language = recording.language or (call.language if call else None) or default_language
    ticket = None
    if call is not None and call.caller_id is not None:
        ticket = session.scalar(
            select(Ticket)
            .where(Ticket.caller_id == call.caller_id, Ticket.status == "open",
                   Ticket.language.in_(sorted(voicemail_ticket_languages(language, parents))))
            .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
            .limit(1)
        )
    if ticket is None:
        ticket = Ticket(caller_id=call.caller_id if call else None, language=language,
                        source=VOICEMAIL_SOURCE, status="open", priority="normal", notes="")
        session.add(ticket)
    if call is not None and call not in ticket.calls:
        ticket.calls.append(call)
    session.flush()
    recording.ticket_id = ticket.id
    return ticket


def ticket_for_call(session: Session, call_id: int | None) -> Ticket | None:
    """The ticket an agent opened for this call, if it exists yet."""
    if call_id is None:
        return None
    return session.scalar(
        select(Ticket).join(ticket_calls, ticket_calls.c.ticket_id == Ticket.id)
        .where(ticket_calls.c.call_id == call_id)
        .order_by(Ticket.id.desc()).limit(1)
    )


def attach_call_recordings(session: Session, ticket: Ticket) -> Sequence[Recording]:
    """Links recordings of the ticket's calls that arrived before the ticket existed.

    The console calls this when an agent creates or links a ticket to a call.
    """
    call_ids = [call.id for call in ticket.calls]
    if not call_ids:
        return []
    recordings = session.scalars(
        select(Recording).where(Recording.call_id.in_(call_ids), Recording.kind == CALL,
                                Recording.ticket_id.is_(None))
    ).all()
    for recording in recordings:
        recording.ticket_id = ticket.id
    return recordings
