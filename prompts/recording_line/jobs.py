"""The recording line's one job: fetch a take from Twilio, process it, delete Twilio's
copy. It takes the take's token (an id), never audio or numbers."""

from __future__ import annotations

import logging
from typing import Any

from rq import Retry

from agent_console.prompt_audio import PromptAudioError, convert_prompt_audio
from helpline import queues
from prompts import recordings_dir
from prompts.recording_line import takes
from recordings import errors
from recordings.errors import RecordingError
from recordings.runtime import job_services
from recordings.twilio_media import delete_at_twilio, fetch_media

log = logging.getLogger(__name__)

FETCH_FAILED = "fetch_failed"     # a refusal code beside prompt_audio's
# The caller is waiting on the line: retry soon, and not for long.
RETRY_SECONDS = [1, 2, 4]
JOB_TIMEOUT = 120


def enqueue_take(services: Any, token: str) -> Any:
    return services.queue(queues.RECORDINGS).enqueue(
        process_take, token, job_id=f"recording-line-take-{token}",
        retry=Retry(max=len(RETRY_SECONDS), interval=RETRY_SECONDS), job_timeout=JOB_TIMEOUT)


def takes_folder(svc: Any) -> Any:
    resolver = svc.extras.get("prompts")
    root = resolver.recordings_dir if resolver is not None else recordings_dir(
        svc.settings.instance_dir)
    return takes.folder_of(root)


def process_take(token: str) -> str:
    svc = job_services()
    redis = svc.require_redis()
    take = takes.load(redis, token)
    if take is None or take.status != takes.PENDING:
        return "gone" if take is None else take.status
    folder = takes_folder(svc)
    takes.remove_stale(folder)
    try:
        media = fetch_media(svc.twilio, take.recording_sid)
    except RecordingError as exc:
        # A 404 too: Twilio may still be processing the file when <Record>'s action
        # comes (its recordingStatusCallback is the "file is ready" signal). rq retries
        # on RETRY_SECONDS; if they all fail the take stays pending and the call says
        # so after its waits.
        if not exc.permanent or exc.code == errors.NOT_FOUND_AT_TWILIO:
            raise
        log.warning("recording line take %s: %s", token, exc)
        takes.finish(redis, take, status=takes.REFUSED, refusal=FETCH_FAILED)
        return takes.REFUSED
    try:
        wav, seconds = convert_prompt_audio(media)
    except PromptAudioError as exc:
        takes.finish(redis, take, status=takes.REFUSED, refusal=exc.code)
        _delete(svc, take)
        return takes.REFUSED
    folder.mkdir(parents=True, exist_ok=True)
    target = takes.path(folder, token)
    partial = target.with_suffix(".part")
    partial.write_bytes(wav)
    partial.replace(target)
    takes.finish(redis, take, status=takes.READY, seconds=seconds)
    _delete(svc, take)        # our processed copy is on disk
    return takes.READY


def _delete(svc: Any, take: takes.Take) -> None:
    try:
        delete_at_twilio(svc.twilio, take.recording_sid)
    except RecordingError as exc:
        # Staff audio, not a caller's: Twilio's copy is left and logged, not retried.
        log.warning("recording line take %s not deleted at Twilio: %s", take.token, exc)
