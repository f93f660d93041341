"""Who may hear or read what: agents only their own languages; supervisors and
admins everything. Shared by the recordings and transcription APIs."""

from __future__ import annotations

from typing import Any


def can_hear_language(staff: Any, language: str | None) -> bool:
    if staff.role in ("supervisor", "admin"):
        return True
    return language is not None and language in staff.languages


def languages_for(staff: Any) -> set[str] | None:
    """The languages a staff member works in, or None for 'all'."""
    if staff.role in ("supervisor", "admin"):
        return None
    return set(staff.languages)
