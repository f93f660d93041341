"""Bearer tokens for integrators: created once by `helpline tokens add`, kept only as a hash.

A token is 32 random bytes (256 bits), so a plain SHA-256 at rest is enough: argon2's cost
protects low-entropy passwords against guessing; nobody can guess 2**256 values, and a fast
hash keeps every API request's lookup cheap (one indexed equality).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from helpline.db import Base, UTCDateTime, utcnow

TOKEN_PREFIX = "hlt_"
TOKEN_ROLES = ("agent", "caseworker", "supervisor", "admin")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    languages: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def language_set(self) -> set[str]:
        return {code for code in self.languages.split(",") if code}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, name: str, role: str,
                 languages: list[str]) -> tuple[ApiToken, str]:
    """Returns the row and the plain token, which is never stored and shown only now."""
    if role not in TOKEN_ROLES:
        raise ValueError(f"unknown role {role!r}")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, role=role, languages=",".join(languages),
                   token_hash=hash_token(plain))
    session.add(row)
    session.flush()
    return row, plain


def find_active(session: Session, plain: str) -> ApiToken | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def revoke(session: Session, name: str) -> bool:
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True
