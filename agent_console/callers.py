"""What the console may say about a caller: a reference and a masked number, never
the number itself (see `access.FULL_NUMBER_ROLES` for who may reveal it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from helpline.pii import mask_number
from helpline.services import services
from ivr.models import Caller


@dataclass(frozen=True)
class CallerSummary:
    id: int
    reference: str
    masked_number: str
    call_count: int
    flags: tuple[str, ...]


def caller_summary(session: Session, caller_id: int | None) -> CallerSummary | None:
    if caller_id is None:
        return None
    caller = session.get(Caller, caller_id)
    if caller is None:
        return None
    masked = "••••"
    if caller.number_encrypted:
        try:
            masked = mask_number(services().pii.decrypt(caller.number_encrypted))
        except ValueError:
            masked = "••••"  # encrypted under an older key: nothing to show
    return CallerSummary(id=caller.id, reference=caller.shown_reference,
                         masked_number=masked, call_count=caller.call_count or 0,
                         flags=tuple(caller.flags or ()))
