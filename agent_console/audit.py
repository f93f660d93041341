"""Writing the append-only audit log: who saw or changed what, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from agent_console.models import AuditEntry


def record(session: Session, *, actor_id: int | None, action: str, subject_type: str,
           subject_id: object, **detail: Any) -> AuditEntry:
    """Adds one audit row to `session`; the caller's unit of work commits it."""
    entry = AuditEntry(actor_id=actor_id, action=action, subject_type=subject_type,
                       subject_id=str(subject_id), detail=detail)
    session.add(entry)
    return entry
