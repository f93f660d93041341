"""Creating and authenticating staff. Passwords are hashed with Argon2id."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_console.models import ROLES, StaffSkill, StaffUser

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class StaffError(ValueError):
    """A bad value for a staff account; the message says which and why."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _no_account_hash() -> str:
    """Verified against when an email has no account, so that takes as long as a
    wrong password for one that has (made on first use: hashing is slow on purpose)."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class PasswordCheck:
    matches: bool
    # A hash of the same password with today's parameters, when the stored one was
    # made with weaker (older) ones; None otherwise.
    rehashed: str | None = None


def check_password(password_hash: str | None, password: str) -> PasswordCheck:
    """Verify a login; `password_hash` None (no such account) is checked against a
    dummy hash and never matches."""
    if password_hash is None:
        verify_password(_no_account_hash(), password)
        return PasswordCheck(matches=False)
    if not verify_password(password_hash, password):
        return PasswordCheck(matches=False)
    try:
        stale = _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        stale = True
    return PasswordCheck(matches=True, rehashed=_hasher.hash(password) if stale else None)


def parse_skills(spec: str, known_languages: Mapping[str, object]) -> dict[str, int]:
    """`my:5,shn:4` → {"my": 5, "shn": 4}, checked against the configured languages."""
    skills: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        language, _, level = item.partition(":")
        if language not in known_languages:
            raise StaffError(f"unknown language {language!r} in --languages "
                             f"(configured: {', '.join(known_languages)})")
        if not level.isdigit() or not 1 <= int(level) <= 5:
            raise StaffError(f"proficiency for {language!r} must be 1-5, got {level!r}")
        skills[language] = int(level)
    return skills


def create_staff(session: Session, *, email: str, role: str, password: str,
                 skills: Mapping[str, int], display_name: str | None = None,
                 ui_locale: str = "en") -> StaffUser:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise StaffError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise StaffError(f"a staff account with {email} exists already")
    user = StaffUser(
        email=email, role=role, password_hash=hash_password(password),
        display_name=display_name or email.split("@")[0], ui_locale=ui_locale,
        skills=[StaffSkill(language=lang, proficiency=level) for lang, level in skills.items()],
    )
    session.add(user)
    session.flush()
    return user
