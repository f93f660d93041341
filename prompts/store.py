"""Queries and changes of prompt review state. Every change bumps the state version in
the same transaction and writes an audit row.

**The invalidation hook**: `state_version(session)` is a counter that moves with every
upload, recording, review, text approval, reviewer grant and pack import
(`bump_version`, called only here). A resolution cache that remembers the version it
filled at can trust itself while the version is unchanged; `load_state` returns the
state with that version in it.

Who may review: a staff member an admin granted the language (`grant_reviewer`, Admin →
Prompts or `helpline prompts reviewers grant`), who speaks it at proficiency 4 or more
(their skills), approving someone else's recording (a second pair of ears; an
imported pack's reviews count only as `prompts.packs` says).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from agent_console import audit
from agent_console.models import StaffUser
from helpline.db import utcnow
from prompts.audio_files import hand_placed, write_recording
from prompts.catalogue import PromptText
from prompts.errors import PromptError
from prompts.models import PromptItem, PromptReviewer, PromptStateVersion
from prompts.state import DRAFT, REVIEWED, SUPERSEDED, PromptState, RecordingRef, TextRef

REVIEWER_MIN_PROFICIENCY = 4
RECORDING, TEXT = "recording", "text"


class ReviewError(PromptError):
    """A review or grant refused; `code` says why (stable, shown to the admin)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------ the version


def state_version(session: Session) -> int:
    return session.scalar(select(PromptStateVersion.version)
                          .where(PromptStateVersion.id == 1)) or 0


def bump_version(session: Session) -> None:
    done = session.execute(update(PromptStateVersion).where(PromptStateVersion.id == 1)
                           .values(version=PromptStateVersion.version + 1,
                                   changed_at=utcnow()))
    if not done.rowcount:  # type: ignore[attr-defined]
        session.add(PromptStateVersion(id=1, version=1, changed_at=utcnow()))
    session.flush()


# ------------------------------------------------------------------ reading the state


def load_state(session: Session, audio_dir: Path) -> PromptState:
    """Every current item, plus recordings placed on disk by hand (drafts)."""
    version = state_version(session)
    items = current_items(session)
    names = _names(session, {i for item in items
                             for i in (item.created_by_id, item.reviewed_by_id) if i})
    recordings: dict[tuple[str, str, str, str], RecordingRef] = {}
    texts: dict[tuple[str, str, str], TextRef] = {}
    for item in items:
        if item.kind == RECORDING and item.file:
            recordings[(item.language, item.prompt_id, item.variant, item.state)] = RecordingRef(
                item.language, item.prompt_id, item.variant, item.state, file=item.file,
                version=item.sha256[:10], item_id=item.id,
                recorded_by=names.get(item.created_by_id or 0) or item.created_by_name,
                reviewed_by=names.get(item.reviewed_by_id or 0))
        elif item.kind == TEXT and item.text is not None:
            by = item.reviewed_by_id if item.state == REVIEWED else item.created_by_id
            texts[(item.language, item.prompt_id, item.state)] = TextRef(
                item.language, item.prompt_id, item.state, item.text, item.text_one,
                item_id=item.id, by=names.get(by or 0) or item.created_by_name)
    return PromptState(version=version, recordings={**hand_placed(audio_dir), **recordings},
                       texts=texts)


def current_items(session: Session, language: str | None = None) -> list[PromptItem]:
    query = select(PromptItem).where(PromptItem.state.in_((DRAFT, REVIEWED)))
    if language is not None:
        query = query.where(PromptItem.language == language)
    return list(session.scalars(query.order_by(PromptItem.id)))


def _names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    # E-mail addresses: they name a reviewer unambiguously in the matrix and in packs.
    rows = session.execute(select(StaffUser.id, StaffUser.email)
                           .where(StaffUser.id.in_(wanted)))
    return {row.id: row.email for row in rows}


# ------------------------------------------------------------------ new drafts


def add_recording(session: Session, *, recordings_dir: Path, language: str, prompt_id: str,
                  variant: str, wav: bytes, seconds: float | None, source: str,
                  recorded_by_id: int | None = None, recorded_by_name: str | None = None,
                  reviewed_by_id: int | None = None) -> PromptItem:
    """A new recording of (language, prompt id, variant), as a draft (or, from a pack
    whose review this installation accepts, as reviewed by `reviewed_by_id`). The file
    is written first; the row that makes it playable commits with the version bump."""
    file, digest = write_recording(recordings_dir, language, prompt_id, variant, wav)
    state = REVIEWED if reviewed_by_id else DRAFT
    _supersede(session, language, prompt_id, variant, RECORDING, state)
    item = PromptItem(language=language, prompt_id=prompt_id, variant=variant, kind=RECORDING,
                      state=state, source=source, file=file, sha256=digest, seconds=seconds,
                      created_by_id=recorded_by_id, created_by_name=recorded_by_name,
                      reviewed_by_id=reviewed_by_id,
                      reviewed_at=utcnow() if reviewed_by_id else None)
    session.add(item)
    session.flush()
    audit.record(session, actor_id=recorded_by_id, action="prompt_recorded",
                 subject_type="prompt", subject_id=_subject(item), item=item.id,
                 source=source, state=state, seconds=round(seconds or 0, 2),
                 sha256=digest, **({"recorded_by_name": recorded_by_name}
                                   if recorded_by_name else {}))
    bump_version(session)
    return item


def add_text(session: Session, *, language: str, prompt_id: str, text: str,
             one: str | None, source: str, by_id: int | None = None,
             by_name: str | None = None, reviewed_by_id: int | None = None) -> PromptItem:
    state = REVIEWED if reviewed_by_id else DRAFT
    _supersede(session, language, prompt_id, "", TEXT, state)
    item = PromptItem(language=language, prompt_id=prompt_id, variant="", kind=TEXT,
                      state=state, source=source, sha256=text_sha256(text, one), text=text,
                      text_one=one, created_by_id=by_id, created_by_name=by_name,
                      reviewed_by_id=reviewed_by_id,
                      reviewed_at=utcnow() if reviewed_by_id else None)
    session.add(item)
    session.flush()
    audit.record(session, actor_id=by_id, action="prompt_text_added", subject_type="prompt",
                 subject_id=_subject(item), item=item.id, source=source, state=state)
    bump_version(session)
    return item


def text_sha256(text: str, one: str | None = None) -> str:
    return hashlib.sha256(f"{text}\x00{one or ''}".encode()).hexdigest()


# ------------------------------------------------------------------ review


def approve(session: Session, *, item_id: int, reviewer: StaffUser) -> PromptItem:
    """draft → reviewed; the reviewed item it replaces is superseded."""
    item = session.get(PromptItem, item_id)
    if item is None or item.state != DRAFT:
        raise ReviewError("not_a_draft", "nothing to approve: not a current draft")
    require_reviewer(session, reviewer, item.language)
    if item.kind == RECORDING and item.created_by_id == reviewer.id:
        raise ReviewError("own_recording", "a recording is approved by someone other than "
                                           "the person who recorded it")
    _supersede(session, item.language, item.prompt_id, item.variant, item.kind, REVIEWED)
    item.state, item.reviewed_by_id, item.reviewed_at = REVIEWED, reviewer.id, utcnow()
    audit.record(session, actor_id=reviewer.id, action="prompt_approved",
                 subject_type="prompt", subject_id=_subject(item), item=item.id,
                 kind=item.kind, sha256=item.sha256)
    bump_version(session)
    return item


def approve_catalogue_text(session: Session, *, entry: PromptText,
                           reviewer: StaffUser) -> PromptItem:
    """A reviewer approves the text the catalogue has for (language, prompt id)."""
    require_reviewer(session, reviewer, entry.language)
    _supersede(session, entry.language, entry.prompt_id, "", TEXT, REVIEWED)
    item = PromptItem(language=entry.language, prompt_id=entry.prompt_id, variant="",
                      kind=TEXT, state=REVIEWED, source="catalogue",
                      sha256=text_sha256(entry.text, entry.one), text=entry.text,
                      text_one=entry.one, reviewed_by_id=reviewer.id, reviewed_at=utcnow())
    session.add(item)
    session.flush()
    audit.record(session, actor_id=reviewer.id, action="prompt_approved",
                 subject_type="prompt", subject_id=_subject(item), item=item.id,
                 kind=TEXT, sha256=item.sha256)
    bump_version(session)
    return item


def _supersede(session: Session, language: str, prompt_id: str, variant: str, kind: str,
               state: str) -> None:
    session.execute(update(PromptItem).where(
        PromptItem.language == language, PromptItem.prompt_id == prompt_id,
        PromptItem.variant == variant, PromptItem.kind == kind, PromptItem.state == state,
    ).values(state=SUPERSEDED))


def _subject(item: PromptItem) -> str:
    return f"{item.language}/{'.'.join(filter(None, (item.prompt_id, item.variant)))}"


# ------------------------------------------------------------------ reviewers


def require_reviewer(session: Session, staff: StaffUser, language: str) -> None:
    if not is_reviewer(session, staff.id, language):
        raise ReviewError("not_a_reviewer", f"{staff.email} is not a reviewer of {language}")


def is_reviewer(session: Session, staff_id: int, language: str) -> bool:
    return session.scalar(select(PromptReviewer.id).where(
        PromptReviewer.staff_id == staff_id, PromptReviewer.language == language)) is not None


def reviewer_languages(session: Session, staff_id: int) -> set[str]:
    return set(session.scalars(select(PromptReviewer.language)
                               .where(PromptReviewer.staff_id == staff_id)))


def reviewers(session: Session) -> list[tuple[PromptReviewer, StaffUser]]:
    rows = session.execute(select(PromptReviewer, StaffUser)
                           .join(StaffUser, StaffUser.id == PromptReviewer.staff_id)
                           .order_by(PromptReviewer.language, StaffUser.email))
    return [(row[0], row[1]) for row in rows]


def grant_reviewer(session: Session, *, staff: StaffUser, language: str,
                   granted_by_id: int | None) -> PromptReviewer:
    if staff.proficiency(language) < REVIEWER_MIN_PROFICIENCY:
        raise ReviewError("needs_skill", f"{staff.email} needs {language} at proficiency "
                                         f"{REVIEWER_MIN_PROFICIENCY} or more to review it")
    existing = session.scalar(select(PromptReviewer).where(
        PromptReviewer.staff_id == staff.id, PromptReviewer.language == language))
    if existing is not None:
        return existing
    grant = PromptReviewer(staff_id=staff.id, language=language, granted_by_id=granted_by_id)
    session.add(grant)
    session.flush()
    audit.record(session, actor_id=granted_by_id, action="prompt_reviewer_granted",
                 subject_type="staff", subject_id=staff.id, language=language)
    bump_version(session)
    return grant


def revoke_reviewer(session: Session, *, staff: StaffUser, language: str,
                    revoked_by_id: int | None) -> bool:
    grant = session.scalar(select(PromptReviewer).where(
        PromptReviewer.staff_id == staff.id, PromptReviewer.language == language))
    if grant is None:
        return False
    session.delete(grant)
    audit.record(session, actor_id=revoked_by_id, action="prompt_reviewer_revoked",
                 subject_type="staff", subject_id=staff.id, language=language)
    bump_version(session)
    return True


def staff_by_email(session: Session, email: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))

