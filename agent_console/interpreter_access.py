"""An interpreter's view of the call they are in: read-only, only while in it, audited.

The interpreter is often an agent who does not serve the caller's language queue
(a Thai speaker helping a Khmer agent), so the language rule in `access` would
refuse them. While routing has them joined to the call they may read what helps
them interpret: the call's language, the caller's reference (not the masked
number, nor the caller's earlier contact) and the call's ticket. The moment they
leave, or the call ends, that access ends with it. Every view is an audit entry.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from agent_console import audit, routing_link
from cases.models import Ticket
from helpline.services import Services
from ivr.models import Call

VIEWED_CALL = "interpreter_viewed_call"
VIEWED_TICKET = "interpreter_viewed_ticket"


def interpreting(svc: Services, staff_id: int, call: Call) -> bool:
    return routing_link.interpreting(svc, staff_id, call.call_sid)


def call_interpreted_in(svc: Services, staff_id: int, ticket: Ticket) -> Call | None:
    """The call of this ticket that `staff_id` is interpreting now, if any."""
    return next((call for call in ticket.calls if interpreting(svc, staff_id, call)), None)


def record_view(session: Session, *, staff_id: int, call: Call,
                ticket: Ticket | None, what: str) -> None:
    """One audit entry for one view; the view's own commit writes it."""
    if what == VIEWED_TICKET and ticket is not None:
        audit.record(session, actor_id=staff_id, action=VIEWED_TICKET, subject_type="ticket",
                     subject_id=ticket.id, call_id=call.id)
    else:
        audit.record(session, actor_id=staff_id, action=VIEWED_CALL, subject_type="call",
                     subject_id=call.id, ticket_id=ticket.id if ticket else None)
