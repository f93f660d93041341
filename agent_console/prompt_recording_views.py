"""Admin → Prompts → Record: a native speaker records a whole language in one sitting.

The page shows the text to read and what callers hear now; the browser records with
the microphone (MediaRecorder, `static/prompt_recorder.js`), plays the take back, and
on Keep uploads it here. The take is processed like every prompt recording
(`agent_console.prompt_audio`), stored as a draft by its speaker through the review
store (`prompts.store.add_recording`, which audits it), and the answer names the next
unrecorded prompt, which the page opens by itself.

Who may record a language: admins, and staff who speak it at the reviewer level
(proficiency 4 or more), so a native-speaking agent can record without being an admin.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, send_file, url_for
from flask_babel import gettext as _

from agent_console.auth import current_staff, roles_required
from agent_console.prompt_audio import PromptAudioError, convert_prompt_audio, reason
from helpline.services import services
from prompts import store as prompt_store
from prompts.catalogue import PROMPTS
from prompts.recording_list import ToRecord, find, next_unrecorded, to_record
from prompts.resolver import PromptResolver
from prompts.views import prompts_changed

bp = Blueprint("prompt_recording", __name__, url_prefix="/admin/prompts")

# A take as MediaRecorder makes it: a few hundred kB a minute; this is several minutes.
MAX_TAKE_BYTES = 8 * 1024 * 1024


def may_record(language: str) -> bool:
    staff = current_staff()
    return staff.is_admin or staff.languages.get(
        language, 0) >= prompt_store.REVIEWER_MIN_PROFICIENCY


def recordable_languages() -> list[str]:
    return [code for code in services().config.languages if may_record(code)]


def _resolver() -> PromptResolver:
    return services().extras["prompts"]  # type: ignore[no-any-return]


def _items(language: str) -> list[ToRecord]:
    resolver = _resolver()
    return to_record(services().config, resolver, resolver.state(), language)


def _page_url(language: str, item: ToRecord | None) -> str:
    if item is None:
        return url_for("prompt_recording.record_language", language=language)
    return url_for("prompt_recording.record_language", language=language, take=item.key)


@bp.get("/<language>/record")
@roles_required()
def record_language(language: str):  # type: ignore[no-untyped-def]
    config = services().config
    if language not in config.languages:
        abort(404)
    if not may_record(language):
        abort(403)
    items = _items(language)
    chosen = find(items, request.args.get("take")) or next_unrecorded(items)
    return render_template("console/prompt_record.html", language=config.language(language),
                           items=items, item=chosen,
                           recorded=sum(1 for item in items if item.recorded),
                           max_take_bytes=MAX_TAKE_BYTES)


@bp.post("/<language>/<prompt_id>/record")
@roles_required()
def keep_take(language: str, prompt_id: str):  # type: ignore[no-untyped-def]
    """A kept take: stored as a draft by the person who recorded it."""
    if language not in services().config.languages or prompt_id not in PROMPTS:
        abort(404)
    if not may_record(language):
        abort(403)
    items = _items(language)
    variant = request.form.get("variant", "")
    item = find(items, ".".join(filter(None, (prompt_id, variant))))
    if item is None:
        return jsonify(error=_("This prompt is not played in this language.")), 404
    upload = request.files.get("audio")
    data = upload.read(MAX_TAKE_BYTES + 1) if upload else b""
    if len(data) > MAX_TAKE_BYTES:
        return jsonify(error=reason("too_long"), code="too_long"), 422
    try:
        wav, seconds = convert_prompt_audio(data)
    except PromptAudioError as exc:
        return jsonify(error=reason(exc.code), code=exc.code), 422
    db = services().db.scoped()
    saved = prompt_store.add_recording(db, recordings_dir=_resolver().recordings_dir,
                                       language=language, prompt_id=prompt_id,
                                       variant=item.variant, wav=wav, seconds=seconds,
                                       source="browser", recorded_by_id=current_staff().id)
    db.commit()
    prompts_changed()
    following = next_unrecorded(_items(language), after=item.key)
    return jsonify(saved=True, item=saved.id, seconds=round(seconds, 2),
                   next=_page_url(language, following),
                   message=_("Kept: a draft until a reviewer approves it."))


@bp.get("/<language>/<prompt_id>/heard")
@roles_required()
def heard_audio(language: str, prompt_id: str):  # type: ignore[no-untyped-def]
    """What callers of `language` hear for this prompt and value now, to compare with."""
    if language not in services().config.languages or prompt_id not in PROMPTS:
        abort(404)
    if not may_record(language):
        abort(403)
    item = find(_items(language), ".".join(filter(None, (prompt_id,
                                                         request.args.get("variant", "")))))
    audio = item and _resolver().audio_file(language, prompt_id, item.params, "wav")
    if not audio:
        abort(404)
    return send_file(audio.path, mimetype="audio/wav", max_age=0)
