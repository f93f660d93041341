"""Review state of prompts: who may review which language, every recording and stored
text with its state, and the version counter resolution caches key on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base, UTCDateTime, utcnow

KINDS = ("recording", "text")
ITEM_STATES = ("draft", "reviewed", "superseded")
ITEM_SOURCES = ("upload", "browser", "phone", "import", "catalogue")


class PromptReviewer(Base):
    """A staff member allowed to approve prompts in one language (granted by an admin)."""

    __tablename__ = "prompt_reviewers"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                          index=True)
    language: Mapped[str] = mapped_column(String(8))
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("staff_id", "language",
                                       name="uq_prompt_reviewers_staff_language"),)


class PromptItem(Base):
    """One recording or one stored text of (language, prompt id, variant).

    At most one draft and one reviewed item of a kind per cell are current; the one they
    replace becomes `superseded` and stays for the audit trail. `created_by_id` is who
    recorded or uploaded it (a staff member); `created_by_name` names someone outside
    the staff, e.g. the partner organisation's speaker of an imported pack.
    """

    __tablename__ = "prompt_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    prompt_id: Mapped[str] = mapped_column(String(64))
    variant: Mapped[str] = mapped_column(String(32), default="")
    kind: Mapped[str] = mapped_column(String(9))
    state: Mapped[str] = mapped_column(String(10), default="draft")
    source: Mapped[str] = mapped_column(String(9))
    file: Mapped[str | None] = mapped_column(String(200))   # recordings: under the audio dir
    sha256: Mapped[str] = mapped_column(String(64))         # of the audio, or of the text
    seconds: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    text_one: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_by_name: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS}", name="kind"),
        CheckConstraint(f"state IN {ITEM_STATES}", name="state"),
        CheckConstraint(f"source IN {ITEM_SOURCES}", name="source"),
        Index("ix_prompt_items_cell", "language", "prompt_id", "variant", "kind", "state"),
    )


class PromptStateVersion(Base):
    """One row: bumped with every change to prompt state (the cache invalidation hook)."""

    __tablename__ = "prompt_state_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
