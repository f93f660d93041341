"""The local audio store: private files under RECORDINGS_DIR, never web-served.

Folders are 0700 and files 0600 so only the helpline's own user can read a
caller's voice. Files are written to a temporary name and renamed into place, so
a crash never leaves half a recording where a verified one is expected.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from recordings import errors
from recordings.domain import RECORDING_SID
from recordings.errors import RecordingError

DIR_MODE = 0o700
FILE_MODE = 0o600


@dataclass(frozen=True)
class StoredFile:
    path: Path
    size_bytes: int
    checksum_sha256: str


def path_for(root: Path, recording_sid: str, suffix: str) -> Path:
    # The SID is checked before it becomes part of a path: no traversal by callback.
    if not RECORDING_SID.match(recording_sid):
        raise RecordingError(errors.INVALID_RECORDING_SID,
                             f"{recording_sid!r} is not a recording SID")
    return root / recording_sid[2:4].lower() / f"{recording_sid}{suffix}"


def private_dir(path: Path) -> Path:
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)  # mkdir's mode is masked by the umask
    return path


def write_private(path: Path, data: bytes) -> StoredFile:
    """Writes `data` to `path` atomically with mode 0600 and returns its checksum."""
    private_dir(path.parent)
    private_dir(path.parent.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return StoredFile(path=path, size_bytes=len(data), checksum_sha256=sha256(data))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
