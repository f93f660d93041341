"""Prompt recordings on disk.

Stored recordings are content-addressed, `<recordings_dir>/<lang>/items/<name>-<sha16>.wav`
(the instance folder's `prompt-recordings/`: runtime data, not the package; several
machines share it as they share RECORDINGS_DIR),
so a draft and the reviewed recording it may replace live side by side and a file a
URL names never changes under a caller. Files placed by hand as
`<audio_dir>/<lang>/<prompt_id>[.<variant>].(wav|mp3)` (how prompts were installed
before review states) still play: they count as draft recordings nobody reviewed.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from prompts.catalogue import PROMPTS
from prompts.state import DRAFT, PromptState, RecordingRef

AUDIO_EXTENSIONS = ("wav", "mp3")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
VARIANT = re.compile(r"[a-z0-9]{1,8}(\.[a-z0-9]{1,8})?")
ITEMS = "items"


def write_recording(recordings_dir: Path, language: str, prompt_id: str, variant: str,
                    wav: bytes) -> tuple[str, str]:
    """Writes `wav` atomically; returns (path under recordings_dir, sha256)."""
    if not LANGUAGE_CODE.fullmatch(language) or prompt_id not in PROMPTS \
            or (variant and not VARIANT.fullmatch(variant)):
        raise ValueError(f"not a prompt recording name: {language}/{prompt_id}.{variant}")
    digest = hashlib.sha256(wav).hexdigest()
    name = ".".join(filter(None, (prompt_id, variant)))
    relative = f"{language}/{ITEMS}/{name}-{digest[:16]}.wav"
    target = recordings_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_file():
        fd, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            handle.write(wav)
        os.replace(partial, target)
    return relative, digest


def hand_placed(audio_dir: Path) -> dict[tuple[str, str, str, str], RecordingRef]:
    """Recordings placed on disk by hand, as drafts (`file` is their absolute path)."""
    found: dict[tuple[str, str, str, str], RecordingRef] = {}
    if not audio_dir.is_dir():
        return found
    for folder in sorted(audio_dir.iterdir()):
        if not folder.is_dir() or not LANGUAGE_CODE.fullmatch(folder.name):
            continue
        for path in sorted(folder.iterdir()):
            ext = path.suffix[1:]
            prompt_id, _, variant = path.stem.partition(".")
            if ext not in AUDIO_EXTENSIONS or prompt_id not in PROMPTS or not path.is_file():
                continue
            key = (folder.name, prompt_id, variant, DRAFT)
            if key in found and ext != "wav":
                continue  # a .wav and a .mp3 of one prompt: the .wav, as before
            found[key] = RecordingRef(folder.name, prompt_id, variant, DRAFT,
                                      file=str(path.absolute()),
                                      version=file_version(path))
    return found


def file_state(audio_dir: Path) -> PromptState:
    """The state when no database is at hand: hand-placed files only, all drafts."""
    return PromptState(version=0, recordings=hand_placed(audio_dir))


def file_version(path: Path) -> str:
    stat = path.stat()
    return hashlib.sha256(f"{stat.st_mtime_ns}|{stat.st_size}".encode()).hexdigest()[:10]
