"""Calling a caller back: the agent's phone rings first, then the caller's.

A callback request is routed work: it waits in its language's deferred queue and is
offered when no live caller its agents could take is waiting (or taken from the
list with "call back now"). When an agent accepts it, Twilio places a call to the
agent; once they answer, its TwiML dials the caller from the helpline number they
called. The caller's number is decrypted only into that TwiML, for Twilio — never
into a URL, a log line or the agent's screen.

An attempt that does not reach the caller puts the request back in its place in
line (offered again after `queue.callback_retry_after_seconds`); after
`queue.callback_max_attempts` attempts it stops, with a note on its ticket.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from call_routing import store
from cases.models import Ticket
from helpline.db import utcnow
from helpline.services import Services
from ivr.models import Call, CallbackRequest, CallEvent

# A request that stopped after its attempts (no longer on the callback list).
UNREACHED = "unreached"
ATTEMPT = "callback_attempt"

AGENT_LEG_PATH = "/twilio/voice/callback/agent"
AGENT_LEG_STATUS_PATH = "/twilio/voice/callback/agent-status"
ENDED_PATH = "/twilio/voice/callback/ended"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackDial:
    """What the agent's leg needs to dial the caller."""

    number: str
    caller_id: str


def request_for(session: Session, call_sid: str) -> CallbackRequest | None:
    return session.scalar(select(CallbackRequest).join(Call, CallbackRequest.call_id == Call.id)
                          .where(Call.call_sid == call_sid))


def start(svc: Services, call_sid: str, agent_id: int, endpoint: str, base_url: str) -> None:
    """Ring the agent (`endpoint`: client:agent-N or their number) for this callback."""
    with svc.db.session() as session:
        request = request_for(session, call_sid)
        if request is None:
            raise LookupError(f"no callback request for call {call_sid}")
        request.status = "dialling"
        request.assignee_id = agent_id
        facts = store.call_facts(session, call_sid)
    svc.twilio.calls.create(
        to=endpoint, from_=facts.number_called or "+10000000000",
        url=f"{base_url}{AGENT_LEG_PATH}?call={call_sid}", method="POST",
        status_callback=f"{base_url}{AGENT_LEG_STATUS_PATH}?call={call_sid}",
        status_callback_method="POST")


def dial_for(svc: Services, call_sid: str) -> CallbackDial | None:
    with svc.db.session() as session:
        request = request_for(session, call_sid)
        if request is None or request.status != "dialling":
            return None
        facts = store.call_facts(session, call_sid)
        return CallbackDial(number=svc.pii.decrypt(request.number_encrypted),
                            caller_id=facts.number_called or "")


def finish(svc: Services, call_sid: str, *, reached: bool, started: bool = True) -> bool:
    """Records how the attempt went; False if it was already recorded (a replay).
    `started=False`: Twilio never placed the call, so it is no attempt on the caller."""
    with svc.db.session() as session:
        request = request_for(session, call_sid)
        if request is None or request.status != "dialling":
            return False
        call = store.find_call(session, call_sid)
        if call is not None:
            detail = {"reached": reached, "agent_id": request.assignee_id}
            if not started:
                detail["started"] = False
            store.add_event(session, call, ATTEMPT, detail, utcnow())
        if reached:
            request.status, request.completed_at = "done", utcnow()
        else:
            # Not reached: it stays on the language's callback list for another try.
            request.status, request.assignee_id = "open", None
        return True


def attempts_made(session: Session, call_sid: str) -> int:
    """Attempts that rang (or tried to ring) the caller; a call never started is none."""
    details = session.scalars(select(CallEvent.detail).join(Call, CallEvent.call_id == Call.id)
                              .where(Call.call_sid == call_sid, CallEvent.kind == ATTEMPT))
    return sum(1 for detail in details if detail.get("started", True))


def give_up(session: Session, call_sid: str, *, attempts: int, at: datetime) -> int | None:
    """The request stops after `attempts`: off the list, with a note on the caller's ticket
    (the call's own, the caller's open one, or a new one) so a person follows it up.
    Returns the ticket id."""
    request = request_for(session, call_sid)
    call = store.find_call(session, call_sid)
    if request is None or call is None:
        return None
    request.status, request.completed_at = UNREACHED, at
    ticket = session.scalar(select(Ticket).where(Ticket.calls.any(Call.id == call.id))
                            .order_by(Ticket.id.desc()).limit(1))
    if ticket is None and call.caller_id is not None:
        ticket = session.scalar(select(Ticket).where(Ticket.caller_id == call.caller_id,
                                                     Ticket.status == "open")
                                .order_by(Ticket.id.desc()).limit(1))
    if ticket is None:
        ticket = Ticket(caller_id=call.caller_id, language=request.language, source="callback",
                        status="open", priority="normal", notes="")
        session.add(ticket)
    if call not in ticket.calls:
        ticket.calls.append(call)
    note = (f"{at:%Y-%m-%d %H:%M} UTC: callback not reached after {attempts} attempts; "
            f"the request was closed. Please follow up.")
    ticket.notes = f"{ticket.notes}\n{note}" if ticket.notes else note
    store.add_event(session, call, "callback_given_up", {"attempts": attempts}, at)
    session.flush()
    return ticket.id
