"""Recording-line PINs: set by the staff member in the console, checked on the phone.

A PIN is 6 to 8 digits (a keypad has nothing else), hashed with Argon2id like
passwords (`agent_console.staff.hash_password`). Guessing is bounded twice: a call
ends after the configured number of wrong PINs (`recording_line.pin_attempts`), and
LOCK_AFTER wrong PINs in a row across calls lock the PIN for LOCK_MINUTES, so calling
again and again does not help. Every change and every lock is audited; so is each
phone sign-in, with the staff member as the actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from agent_console import audit
from agent_console.models import StaffUser
from agent_console.staff import hash_password, verify_password
from helpline.db import utcnow
from prompts.recording_line.models import RecordingPin

MIN_DIGITS, MAX_DIGITS = 6, 8
LOCK_AFTER = 10
LOCK_MINUTES = 60

# Refusal codes (stable).
NOT_DIGITS, TOO_EASY = "not_digits", "too_easy"


class PinError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class SignIn:
    staff: StaffUser | None     # None: refused
    locked: bool = False


def check_new_pin(pin: str) -> None:
    if not pin.isdigit() or not MIN_DIGITS <= len(pin) <= MAX_DIGITS:
        raise PinError(NOT_DIGITS, f"a PIN is {MIN_DIGITS} to {MAX_DIGITS} digits")
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if len(set(pin)) == 1 or steps in ({1}, {-1}):
        raise PinError(TOO_EASY, "a PIN of one digit repeated or a run like 123456 is "
                                 "too easy to guess")


def has_pin(session: Session, staff_id: int) -> bool:
    return session.get(RecordingPin, staff_id) is not None


def set_pin(session: Session, *, staff_id: int, pin: str, by_id: int) -> None:
    check_new_pin(pin)
    row = session.get(RecordingPin, staff_id)
    if row is None:
        row = RecordingPin(staff_id=staff_id, pin_hash=hash_password(pin))
        session.add(row)
    else:
        row.pin_hash = hash_password(pin)
    row.set_at, row.failures, row.locked_until = utcnow(), 0, None
    audit.record(session, actor_id=by_id, action="recording_pin_set", subject_type="staff",
                 subject_id=staff_id)


def clear_pin(session: Session, *, staff_id: int, by_id: int) -> bool:
    row = session.get(RecordingPin, staff_id)
    if row is None:
        return False
    session.delete(row)
    audit.record(session, actor_id=by_id, action="recording_pin_cleared",
                 subject_type="staff", subject_id=staff_id)
    return True


def sign_in(session: Session, *, staff_number: str, pin: str,
            now: datetime | None = None) -> SignIn:
    """The active staff member whose staff number and PIN these are, or a refusal. A
    wrong PIN counts against that staff member's PIN (and may lock it); an unknown
    staff number still costs one hash, so timing does not tell numbers apart."""
    now = now or utcnow()
    staff = session.get(StaffUser, int(staff_number)) if staff_number.isdigit() \
        and len(staff_number) < 10 else None
    row = session.get(RecordingPin, staff.id) if staff is not None and staff.active else None
    if row is None:
        verify_password(_decoy_hash(), pin)
        return SignIn(None)
    if row.locked_until is not None and _aware(row.locked_until) > now:
        return SignIn(None, locked=True)
    if not verify_password(row.pin_hash, pin):
        row.failures += 1
        locked = row.failures >= LOCK_AFTER
        if locked:
            row.failures, row.locked_until = 0, now + timedelta(minutes=LOCK_MINUTES)
            audit.record(session, actor_id=None, action="recording_pin_locked",
                         subject_type="staff", subject_id=row.staff_id, minutes=LOCK_MINUTES)
        return SignIn(None, locked=locked)
    assert staff is not None  # a PIN row was found for them
    row.failures, row.locked_until = 0, None
    audit.record(session, actor_id=staff.id, action="recording_line_signed_in",
                 subject_type="staff", subject_id=row.staff_id)
    return SignIn(staff)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_DECOY: list[str] = []


def _decoy_hash() -> str:
    if not _DECOY:
        _DECOY.append(hash_password("not a pin"))
    return _DECOY[0]
