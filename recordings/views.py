"""Recording webhooks (Twilio) and the recordings JSON API (staff).

`POST /twilio/recordings/status` records the callback idempotently on
RecordingSid, opens or joins the voicemail ticket, hands the download to rq with
ids only, and answers 204 at once. It never logs or stores the caller's number.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, Flask, Response, jsonify, request, send_file
from flask.typing import ResponseReturnValue

from agent_console.auth import current_staff, init_login, roles_required
from agent_console.models import AuditEntry
from helpline.services import services
from helpline.twilio_auth import twilio_request
from recordings import domain
from recordings.access import can_hear_language
from recordings.intake import take_in
from recordings.models import Recording
from recordings.serialise import recording_json

log = logging.getLogger("helpline.recordings")

bp = Blueprint("recordings", __name__)
api_bp = Blueprint("recordings_api", __name__, url_prefix="/api/recordings")
blueprints = [bp, api_bp]

STAFF = ("agent", "supervisor", "admin")


def init_app(app: Flask) -> None:
    init_login(app)


@bp.post("/twilio/recordings/status")
@twilio_request
def recording_status() -> ResponseReturnValue:
    try:
        callback = domain.parse_callback(request.form, request.args.get("kind"),
                                         request.args.get("call"))
    except domain.InvalidCallback as exc:
        log.warning("recording callback ignored: %s", exc)
        return Response(status=204)
    if callback.status == "in-progress":
        return Response(status=204)  # the completed callback follows
    try:
        _on_recording_callback(callback, request.args.get("lang"))
    except Exception:
        # Twilio routes never answer 500. Twilio still holds the recording (we
        # delete only after a verified download), so it can be recovered from there.
        log.exception("recording callback for %s failed", callback.recording_sid)
        services().db.scoped.rollback()
    return Response(status=204)


def _on_recording_callback(callback: domain.RecordingCallback, language_hint: str | None
                           ) -> None:
    svc = services()
    take_in(svc, svc.db.scoped(), callback, language_hint)


# --- Staff API -----------------------------------------------------------------

@api_bp.get("")
@roles_required(*STAFF)
def list_recordings() -> ResponseReturnValue:
    """Recordings of one ticket (`?ticket_id=`), or failed ones (`?status=failed`)."""
    from sqlalchemy import select

    session = services().db.scoped()
    query = select(Recording).order_by(Recording.id.desc()).limit(200)
    if request.args.get("ticket_id", "").isdigit():
        query = query.where(Recording.ticket_id == int(request.args["ticket_id"]))
    elif request.args.get("status"):
        query = query.where(Recording.status == request.args["status"])
    else:
        return jsonify(error="filter_required",
                       message="Give ticket_id or status."), 400
    staff = current_staff()
    visible = [r for r in session.scalars(query) if can_hear_language(staff, r.language)]
    for recording in visible:
        _audit(session, "view_recording", recording)
    session.commit()
    return jsonify(recordings=[recording_json(r) for r in visible])


@api_bp.get("/<int:recording_id>")
@roles_required(*STAFF)
def show_recording(recording_id: int) -> ResponseReturnValue:
    session = services().db.scoped()
    recording = session.get(Recording, recording_id)
    if recording is None or not can_hear_language(current_staff(), recording.language):
        return jsonify(error="not_found", message="No such recording."), 404
    _audit(session, "view_recording", recording)
    session.commit()
    return jsonify(recording=recording_json(recording))


@api_bp.get("/<int:recording_id>/audio")
@roles_required(*STAFF)
def recording_audio(recording_id: int) -> ResponseReturnValue:
    session = services().db.scoped()
    recording = session.get(Recording, recording_id)
    if recording is None or not can_hear_language(current_staff(), recording.language):
        return jsonify(error="not_found", message="No such recording."), 404
    if not recording.storage_path or not Path(recording.storage_path).is_file():
        return jsonify(error="audio_unavailable",
                       message=f"No audio held (status {recording.status})."), 410
    _audit(session, "play_recording", recording)
    session.commit()
    response = send_file(recording.storage_path, mimetype="audio/wav", conditional=True)
    response.headers["Cache-Control"] = "no-store"
    return response


def _audit(session, action: str, recording: Recording) -> None:
    session.add(AuditEntry(actor_id=current_staff().id, action=action,
                           subject_type="recording", subject_id=str(recording.id),
                           detail={"ticket_id": recording.ticket_id}))
