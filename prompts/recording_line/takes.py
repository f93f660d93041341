"""A take on the recording line, from Twilio's <Record> to Keep or Redo.

The webhook that receives the recording writes a take record to Redis (who, which
language and prompt, Twilio's RecordingSid) and enqueues its processing; the job
fetches it, processes it (`agent_console.prompt_audio`) into a file under the
prompt recordings folder (shared by every machine, like the recordings themselves),
and marks the take ready or refused. The call polls the record, plays the file back,
and on Keep the web process stores it as a draft. Records expire after TTL_SECONDS;
files of takes never kept are removed by the next job after that long.

Keys name a random token and the CallSid, never a caller's number.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

TTL_SECONDS = 3600
PENDING, READY, REFUSED = "pending", "ready", "refused"
TAKES_FOLDER = ".takes"      # not a language code: never taken for hand-placed prompts


@dataclass(frozen=True)
class Take:
    token: str
    call_sid: str
    staff_id: int
    language: str
    prompt_id: str
    variant: str
    recording_sid: str
    status: str = PENDING
    seconds: float = 0.0
    refusal: str = ""          # a prompt_audio refusal code

    @property
    def key(self) -> str:
        return ".".join(filter(None, (self.prompt_id, self.variant)))


def new_token() -> str:
    return secrets.token_urlsafe(18)


def _redis_key(token: str) -> str:
    return f"recording_line:take:{token}"


def save(redis: Any, take: Take) -> Take:
    redis.set(_redis_key(take.token), json.dumps(asdict(take)), ex=TTL_SECONDS)
    return take


def load(redis: Any, token: str) -> Take | None:
    if not token or len(token) > 64:
        return None
    raw = redis.get(_redis_key(token))
    return Take(**json.loads(raw)) if raw else None


def finish(redis: Any, take: Take, *, status: str, seconds: float = 0.0,
           refusal: str = "") -> Take:
    return save(redis, replace(take, status=status, seconds=seconds, refusal=refusal))


def forget(redis: Any, folder: Path, token: str) -> None:
    redis.delete(_redis_key(token))
    path(folder, token).unlink(missing_ok=True)


def folder_of(recordings_dir: Path) -> Path:
    return recordings_dir / TAKES_FOLDER


def path(folder: Path, token: str) -> Path:
    return folder / f"{token}.wav"


def remove_stale(folder: Path, *, now: float | None = None) -> int:
    """Files of takes older than TTL_SECONDS (their call ended without Keep)."""
    if not folder.is_dir():
        return 0
    cutoff = (now or time.time()) - TTL_SECONDS
    removed = 0
    for stale in folder.glob("*.wav"):
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)
            removed += 1
    return removed
