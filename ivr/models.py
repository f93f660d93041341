"""Calls, their events, and callers (identified only by HMAC, numbers encrypted)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpline.db import Base, UTCDateTime, utcnow
from helpline.pii import caller_reference


class Caller(Base):
    __tablename__ = "callers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # HMAC-SHA256 of the E.164 number: links repeat callers, cannot be reversed.
    number_hmac: Mapped[str] = mapped_column(String(64), unique=True)
    # Which keys made number_hmac (helpline.pii): a key id, or a chain of them for a
    # caller re-keyed by `helpline pii rotate` without their number. None: made
    # before keys were versioned, with the oldest key HELPLINE_PII_KEY lists.
    number_hmac_version: Mapped[str | None] = mapped_column(String(255))
    # The caller's reference as agents first saw it (caller_reference of the link
    # before a key rotation changed it); None while the link never changed.
    reference: Mapped[str | None] = mapped_column(String(16))
    # Fernet token of the number; kept only while a callback or follow-up needs it.
    number_encrypted: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    call_count: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)

    calls: Mapped[list[Call]] = relationship(back_populates="caller")

    @property
    def shown_reference(self) -> str:
        """The reference agents see; it survives a rotation of the PII keys."""
        return self.reference or caller_reference(self.number_hmac)


class CallerLinkVersion(Base):
    """A chained link version callers are stored under, with the retired HMAC keys
    it needs, sealed with the newest PII key (helpline.pii_rotation)."""

    __tablename__ = "caller_link_versions"

    version: Mapped[str] = mapped_column(String(255), primary_key=True)
    sealed_keys: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Call(Base):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    number_called: Mapped[str] = mapped_column(String(20))
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("callers.id"), index=True)
    language: Mapped[str | None] = mapped_column(String(8), index=True)
    dialect: Mapped[str | None] = mapped_column(String(8))
    consented_to_recording: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # answered / abandoned_in_queue / voicemail / callback_requested / hung_up_in_menu / ...
    outcome: Mapped[str | None] = mapped_column(String(32), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)

    caller: Mapped[Caller | None] = relationship(back_populates="calls")
    events: Mapped[list[CallEvent]] = relationship(
        back_populates="call", order_by="CallEvent.id", cascade="all, delete-orphan")


class CallEvent(Base):
    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    # Never a phone number: only ids, digits pressed in menus, states.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    call: Mapped[Call] = relationship(back_populates="events")


class CallbackRequest(Base):
    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("callers.id"), index=True)
    language: Mapped[str] = mapped_column(String(8), index=True)
    number_encrypted: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # A callback promised for the next shift of the caller's language (none was on):
    # it joins the queue, and so is offered, only from then (ivr.callback_intake).
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notice(Base):
    """Something an admin should see (e.g. a call to a number missing from the configuration)."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
