"""The human-transcription queue and transcript views (staff JSON API).

Agents see and work only their own languages; supervisors and admins all. Every
look at a transcript, claim and submission is written to the audit log.

A transcript with a machine draft (Whisper) is corrected, not typed from nothing: the
draft comes with it, and the submitted text becomes the transcript while the draft
stays as the machine wrote it. The submission's audit entry says which draft it
corrected and how much of it the person changed.
"""

from __future__ import annotations

import difflib

from flask import Blueprint, Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from agent_console.auth import current_staff, init_login, roles_required
from agent_console.models import AuditEntry
from helpline.db import utcnow
from helpline.services import services
from recordings.access import can_hear_language, languages_for
from recordings.models import Recording
from transcription import store
from transcription.models import Transcript
from transcription.serialise import transcript_json

bp = Blueprint("transcription", __name__, url_prefix="/api/transcription")

STAFF = ("agent", "supervisor", "admin")
MAX_TEXT = 20_000


def init_app(app: Flask) -> None:
    init_login(app)


@bp.get("/queue")
@roles_required(*STAFF)
def human_queue() -> ResponseReturnValue:
    staff = current_staff()
    languages = languages_for(staff)
    wanted = request.args.get("language")
    if wanted:
        languages = {wanted} & languages if languages is not None else {wanted}
    session = services().db.scoped()
    items = []
    waiting = store.human_queue(session, languages, staff.id)
    drafts = store.drafts_for(session, [t.id for t in waiting])
    for transcript in waiting:
        recording = session.get(Recording, transcript.recording_id)
        items.append({**transcript_json(transcript, drafts.get(transcript.id)),
                      "ticket_id": recording.ticket_id if recording else None,
                      "recording_duration_seconds": (recording.duration_seconds
                                                     if recording else None),
                      "audio_url": f"/api/recordings/{transcript.recording_id}/audio"})
    return jsonify(items=items)


@bp.get("/<int:transcript_id>")
@roles_required(*STAFF)
def show_transcript(transcript_id: int) -> ResponseReturnValue:
    session = services().db.scoped()
    transcript = _visible(session, transcript_id)
    if transcript is None:
        return _not_found()
    draft = store.draft_for(session, transcript.id)
    _audit(session, "view_transcript", transcript,
           **({"machine_draft_id": draft.id} if draft is not None else {}))
    session.commit()
    return jsonify(transcript=transcript_json(transcript, draft))


@bp.post("/<int:transcript_id>/claim")
@roles_required(*STAFF)
def claim(transcript_id: int) -> ResponseReturnValue:
    session = services().db.scoped()
    transcript = _visible(session, transcript_id)
    if transcript is None:
        return _not_found()
    staff = current_staff()
    if transcript.status == "claimed" and transcript.claimed_by_id == staff.id:
        return jsonify(transcript=transcript_json(transcript))
    if transcript.status != "awaiting_human":
        return jsonify(error="not_claimable",
                       message=f"This transcript is {transcript.status}."), 409
    # Compare-and-set in SQL: two agents clicking at once cannot both win.
    won = session.query(Transcript).filter(
        Transcript.id == transcript_id, Transcript.status == "awaiting_human"
    ).update({"status": "claimed", "claimed_by_id": staff.id}, synchronize_session=False)
    if not won:
        session.rollback()
        return jsonify(error="not_claimable", message="Someone else claimed it first."), 409
    _audit(session, "claim_transcript", transcript)
    session.commit()
    session.refresh(transcript)
    return jsonify(transcript=transcript_json(transcript))


@bp.post("/<int:transcript_id>/release")
@roles_required(*STAFF)
def release(transcript_id: int) -> ResponseReturnValue:
    session = services().db.scoped()
    transcript = _visible(session, transcript_id)
    if transcript is None:
        return _not_found()
    staff = current_staff()
    if transcript.status != "claimed" or (transcript.claimed_by_id != staff.id
                                          and not staff.is_supervisor):
        return jsonify(error="not_claimed_by_you", message="Claim it first."), 409
    transcript.status, transcript.claimed_by_id = "awaiting_human", None
    _audit(session, "release_transcript", transcript)
    session.commit()
    return jsonify(transcript=transcript_json(transcript))


@bp.post("/<int:transcript_id>/submit")
@roles_required(*STAFF)
def submit(transcript_id: int) -> ResponseReturnValue:
    payload = request.get_json(silent=True) or {}
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        return jsonify(error="text_required", message="Type what the caller said."), 400
    if len(text) > MAX_TEXT:
        return jsonify(error="text_too_long",
                       message=f"At most {MAX_TEXT} characters."), 400
    session = services().db.scoped()
    transcript = _visible(session, transcript_id)
    if transcript is None:
        return _not_found()
    staff = current_staff()
    if transcript.status != "claimed" or transcript.claimed_by_id != staff.id:
        return jsonify(error="not_claimed_by_you", message="Claim it before submitting."), 409
    transcript.text = text.strip()
    transcript.words = None
    transcript.engine = "human"
    transcript.model_id = None
    transcript.confidence = None
    transcript.status = "done"
    transcript.error = None
    transcript.completed_at = utcnow()
    draft = store.draft_for(session, transcript.id)
    _audit(session, "submit_transcript", transcript, characters=len(transcript.text),
           **_correction_detail(draft, transcript.text))
    session.commit()
    return jsonify(transcript=transcript_json(transcript, draft))


def _correction_detail(draft, text: str) -> dict[str, object]:
    """What the audit keeps of a correction: which draft, and how much changed — not
    the words themselves (the log is read more widely than transcripts are)."""
    if draft is None:
        return {}
    if draft.status != "offered" or draft.text is None:
        return {"machine_draft_id": draft.id, "machine_draft": draft.status}
    similarity = difflib.SequenceMatcher(None, draft.text, text, autojunk=False).ratio()
    return {"machine_draft_id": draft.id, "machine_draft": draft.status,
            "corrected": text != draft.text.strip(),
            "similarity_to_draft": round(similarity, 3)}


def _visible(session, transcript_id: int) -> Transcript | None:
    transcript = session.get(Transcript, transcript_id)
    if transcript is None or not can_hear_language(current_staff(), transcript.language):
        return None
    return transcript


def _not_found() -> tuple[Response, int]:
    return jsonify(error="not_found", message="No such transcript."), 404


def _audit(session, action: str, transcript: Transcript, **detail: object) -> None:
    session.add(AuditEntry(actor_id=current_staff().id, action=action,
                           subject_type="transcript", subject_id=str(transcript.id),
                           detail={"recording_id": transcript.recording_id, **detail}))
