"""Prompt audio for Twilio's <Play>: `GET /prompts/audio/<lang>/<prompt_id>.<wav|mp3>`
and the hold loop `GET /prompts/audio/hold.<wav|mp3>`.

No login (Twilio fetches these), so nothing from the URL reaches the disk or the speech
engine unless it is on a whitelist: a configured language, a catalogue prompt id, wav or
mp3, and the prompt's own parameters in their canonical form. Anything else is 404.
Responses carry Cache-Control, an ETag and answer conditional GETs with 304, so Twilio
fetches each sentence once.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, abort, request, send_file
from werkzeug.wrappers import Response

from helpline.services import services
from prompts.catalogue import PROMPTS, normalise_params
from prompts.errors import InvalidPromptParams, TtsError
from prompts.freshness import PromptsVersion
from prompts.recording_line import take_views as recording_line_takes
from prompts.recording_line import views as recording_line_views
from prompts.resolver import AUDIO_EXTENSIONS, AudioFile, PromptResolver
from prompts.wiring import build_resolver

log = logging.getLogger(__name__)

bp = Blueprint("prompts", __name__, url_prefix="/prompts")
# The staff recording line's webhooks and take audio (prompts.recording_line).
blueprints = [bp, recording_line_views.bp, recording_line_takes.bp]

# A URL's audio changes only when its ?v= does, so caches may keep it a day.
MAX_AGE_SECONDS = 86400
MIMETYPES = {"wav": "audio/wav", "mp3": "audio/mpeg"}


def init_app(app: Flask) -> None:
    svc = app.extensions["helpline"]
    if "prompts.version" not in svc.extras:
        svc.extras["prompts.version"] = PromptsVersion(svc.redis)
    if "prompts" not in svc.extras:
        svc.extras["prompts"] = build_resolver(app)
    recording_line_views.init_app(app)


def resolver() -> PromptResolver:
    return services().extras["prompts"]  # type: ignore[no-any-return]


def prompts_changed() -> None:
    """Call after anything that changes what callers hear (upload, record, review,
    import): cached resolutions and TwiML are rebuilt."""
    services().extras["prompts.version"].bump()


@bp.get("/audio/hold.<ext>")
def hold_audio(ext: str) -> Response:
    if ext not in AUDIO_EXTENSIONS:
        abort(404)
    return _send(_or_404(lambda: resolver().hold_audio(ext)), ext)


@bp.get("/audio/<language>/<prompt_id>.<ext>")
def prompt_audio(language: str, prompt_id: str, ext: str) -> Response:
    if (ext not in AUDIO_EXTENSIONS or prompt_id not in PROMPTS
            or language not in services().config.languages):
        abort(404)
    query = {name: value for name, value in request.args.items() if name != "v"}
    try:
        params = normalise_params(prompt_id, query, strict=True)
    except InvalidPromptParams:
        abort(404)
    return _send(_or_404(lambda: resolver().audio_file(language, prompt_id, params, ext)), ext)


def _or_404(find) -> AudioFile:  # type: ignore[no-untyped-def]
    try:
        audio = find()
    except TtsError as exc:
        # Twilio skips a <Play> it cannot fetch; the log says why (no caller data in it).
        log.error("prompt audio could not be rendered: %s (%s)", exc, exc.code)
        abort(503)
    if audio is None:
        abort(404)
    return audio  # type: ignore[no-any-return]


def _send(audio: AudioFile, ext: str) -> Response:
    response = send_file(audio.path, mimetype=MIMETYPES[ext], etag=audio.etag,
                         conditional=True, max_age=MAX_AGE_SECONDS)
    response.cache_control.public = True
    return response
