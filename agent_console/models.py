"""Staff, their language skills, their presence history, and the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from agent_console import audit_ledger
from helpline.db import Base, UTCDateTime, utcnow

ROLES = ("agent", "supervisor", "admin")


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    ui_locale: Mapped[str] = mapped_column(String(8), default="en")
    # "client": answers in the browser; "number": answers on their own phone.
    answer_mode: Mapped[str] = mapped_column(String(8), default="client")
    phone_encrypted: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    skills: Mapped[list[StaffSkill]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="StaffSkill.language")

    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role"),)

    def proficiency(self, language: str) -> int:
        return next((s.proficiency for s in self.skills if s.language == language), 0)


class StaffSkill(Base):
    __tablename__ = "staff_skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8), index=True)
    proficiency: Mapped[int] = mapped_column(Integer)

    user: Mapped[StaffUser] = relationship(back_populates="skills")

    __table_args__ = (
        UniqueConstraint("user_id", "language", name="uq_staff_skills_user_language"),
        CheckConstraint("proficiency BETWEEN 1 AND 5", name="proficiency"),
    )


class AgentStateChange(Base):
    """Every presence change, timestamped, for reporting."""

    __tablename__ = "agent_state_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))


class AuditEntry(Base):
    """Who saw or changed what. Rows are only ever added (enforced here and in the
    database), and each is chained to the one before by a keyed MAC, so a change made
    behind the application's back shows (`helpline audit verify`).

    Callers only set the first fields; the chain fields are filled in at flush
    (`audit_ledger.seal`), under a lock that keeps concurrent writers in one chain.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))


# The chain's tip, one row (id 1). Writers lock it before reading the tip, and it
# remembers the highest seq ever written, so deleting the newest entries leaves a gap.
audit_log_head = Table(
    "audit_log_head",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("entry_hash", String(64), nullable=False),
)


class AuditLogIsAppendOnly(Exception):
    pass


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_change(_mapper: Any, _connection: Any, target: AuditEntry) -> None:
    raise AuditLogIsAppendOnly(f"audit entry {target.id} cannot be changed or removed")


@event.listens_for(Session, "before_flush")
def _seal_new_audit_entries(session: Session, _context: Any, _instances: Any) -> None:
    entries = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    if entries:
        audit_ledger.seal(session, entries, log_table=AuditEntry.__table__,
                          head=audit_log_head)
