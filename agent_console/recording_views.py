"""Listening to a recording and reading its transcript. Every play and every
transcript view is written to the audit log before anything is shown."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, abort, render_template, request, send_file

from agent_console import access, audit, store
from agent_console.agent_views import ANY_STAFF
from agent_console.auth import current_staff, roles_required
from cases.models import Ticket
from helpline.services import services
from ivr.models import Call
from recordings.models import Recording
from transcription import store as transcription_store

bp = Blueprint("console_recordings", __name__)


def _recording_language(db, recording: Recording) -> str:  # type: ignore[no-untyped-def]
    if recording.language:
        return recording.language
    call = db.get(Call, recording.call_id) if recording.call_id else None
    return (call.language if call else None) or ""


def _allowed_recording(recording_id: int) -> Recording:
    db = services().db.scoped()
    recording = db.get(Recording, recording_id)
    if recording is None:
        abort(404)
    ticket = db.get(Ticket, recording.ticket_id) if recording.ticket_id else None
    staff = current_staff()
    parents = {code: lang.parent for code, lang in services().config.languages.items()}
    if not access.can_open_ticket(role=staff.role, user_id=staff.id, skills=staff.languages,
                                  ticket_language=_recording_language(db, recording),
                                  assignee_id=ticket.assignee_id if ticket else None,
                                  parents=parents):
        abort(403)
    return recording


def stored_audio_path(recording: Recording) -> Path | None:
    """The recording's file, only if it is inside RECORDINGS_DIR and exists."""
    if not recording.storage_path or recording.status == "purged":
        return None
    root = services().settings.recordings_dir.resolve()
    path = Path(recording.storage_path)
    path = (path if path.is_absolute() else root / path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


@bp.get("/console/recordings/<int:recording_id>")
@roles_required(*ANY_STAFF)
def recording(recording_id: int):  # type: ignore[no-untyped-def]
    found = _allowed_recording(recording_id)
    db = services().db.scoped()
    transcripts = store.transcripts_of(db, found.id)
    drafts = transcription_store.drafts_for(db, [t.id for t in transcripts])
    shown = [t for t in transcripts if t.status == "done" and t.text is not None]
    # A machine draft is shown (pre-filled for correction) while people still owe the text.
    drafts_shown = [drafts[t.id] for t in transcripts if t.id in drafts
                    and t.status in ("awaiting_human", "claimed")
                    and drafts[t.id].status == "offered" and drafts[t.id].text]
    if shown or drafts_shown:
        audit.record(db, actor_id=current_staff().id, action="transcript_viewed",
                     subject_type="recording", subject_id=found.id,
                     transcripts=[t.id for t in shown],
                     **({"machine_drafts": [d.id for d in drafts_shown]} if drafts_shown else {}))
        db.commit()
    return render_template("console/recording.html", recording=found, transcripts=transcripts,
                           drafts=drafts,
                           has_audio=stored_audio_path(found) is not None,
                           languages=services().config.languages)


@bp.get("/console/recordings/<int:recording_id>/audio")
@roles_required(*ANY_STAFF)
def recording_audio(recording_id: int):  # type: ignore[no-untyped-def]
    found = _allowed_recording(recording_id)
    path = stored_audio_path(found)
    if path is None:
        abort(404)
    # A browser fetches audio in ranges as the listener seeks; one play is one
    # request from the start, so only that one is audited.
    range_header = request.headers.get("Range", "")
    if not range_header or range_header.replace(" ", "").startswith("bytes=0-"):
        db = services().db.scoped()
        audit.record(db, actor_id=current_staff().id, action="recording_played",
                     subject_type="recording", subject_id=found.id)
        db.commit()
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "no-store, private"
    return response
