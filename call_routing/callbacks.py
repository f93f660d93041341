"""Calling a caller back: the agent's phone rings first, then the caller's.

A callback request waits in its language queue like a call (with priority). When an
agent accepts it, Twilio places a call to the agent; once they answer, its TwiML
dials the caller from the helpline number they called. The caller's number is
decrypted only into that TwiML, for Twilio — never into a URL, a log line or the
agent's screen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from call_routing import store
from helpline.db import utcnow
from helpline.services import Services
from ivr.models import Call, CallbackRequest

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


def finish(svc: Services, call_sid: str, *, reached: bool) -> bool:
    """Records how the attempt went; False if it was already recorded (a replay)."""
    with svc.db.session() as session:
        request = request_for(session, call_sid)
        if request is None or request.status != "dialling":
            return False
        call = store.find_call(session, call_sid)
        if call is not None:
            store.add_event(session, call, "callback_attempt",
                            {"reached": reached, "agent_id": request.assignee_id}, utcnow())
        if reached:
            request.status, request.completed_at = "done", utcnow()
        else:
            # Not reached: it stays on the language's callback list for another try.
            request.status, request.assignee_id = "open", None
        return True
