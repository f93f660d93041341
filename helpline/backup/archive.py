"""A backup archive: a tar file (gzip when its name ends in .gz or .tgz) holding the
files and `manifest.json`, which lists every file's size and SHA-256, and
`manifest.sha256`, the digest of the manifest itself.

Nothing in an archive is trusted until `open_verified` has checked it all: the tar
reads to the end, members are plain files at relative paths (no links, devices or
`..`), the manifest matches its digest, and every file — no more, no fewer — has the
size and digest the manifest gives. A corrupted or altered archive is refused whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

FORMAT = "helpline-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest.sha256"
CHUNK = 1 << 20


class ArchiveError(Exception):
    """The archive cannot be written or trusted. `str()` is the line shown."""


@dataclass(frozen=True)
class Entry:
    name: str      # path inside the archive, e.g. recordings/2026/RE123.wav
    source: Path   # where it is read from when writing


def write(dest: Path, entries: Iterable[Entry], manifest: dict[str, Any]) -> dict[str, Any]:
    """Writes the archive at `dest` (owner-only from the first byte, complete or not
    there at all) and returns the manifest with its `files`."""
    compressed = dest.name.endswith((".gz", ".tgz"))
    partial = dest.with_name(dest.name + ".partial")
    files: dict[str, dict[str, Any]] = {}
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, \
                tarfile.open(fileobj=raw, mode="w:gz" if compressed else "w") as tar:
            for entry in entries:
                files[entry.name] = _add_file(tar, entry)
            manifest = {**manifest, "format": FORMAT, "format_version": FORMAT_VERSION,
                        "files": files}
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            _add_bytes(tar, MANIFEST, body)
            _add_bytes(tar, MANIFEST_DIGEST, hashlib.sha256(body).hexdigest().encode())
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
        partial.replace(dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def open_verified(src: Path, into: Path) -> dict[str, Any]:
    """Unpacks `src` into the empty folder `into` and verifies all of it; returns the
    manifest. Raises ArchiveError, having restored nothing, on any doubt."""
    try:
        with tarfile.open(src, mode="r:*") as tar:
            members = tar.getmembers()  # reads to the end: a truncated tar fails here
            for member in members:
                if not member.isfile() or _unsafe(member.name):
                    raise ArchiveError(f"{src}: unexpected member {member.name!r} — "
                                       "not a helpline backup; nothing restored")
            tar.extractall(into, members=members, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise ArchiveError(f"{src}: unreadable archive ({type(exc).__name__}: {exc}) — "
                           "corrupted or not a helpline backup; nothing restored") from None
    manifest = _verified_manifest(src, into)
    problems = list(_file_problems(manifest, into))
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more"
                                           if len(problems) > 5 else "")
        raise ArchiveError(f"{src}: {len(problems)} file(s) do not match the manifest "
                           f"({shown}) — corrupted; nothing restored")
    return manifest


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verified_manifest(src: Path, into: Path) -> dict[str, Any]:
    try:
        body = (into / MANIFEST).read_bytes()
        expected = (into / MANIFEST_DIGEST).read_text().strip()
    except OSError:
        raise ArchiveError(f"{src}: no manifest — not a helpline backup; nothing restored"
                           ) from None
    if hashlib.sha256(body).hexdigest() != expected:
        raise ArchiveError(f"{src}: the manifest does not match its SHA-256 — corrupted; "
                           "nothing restored")
    manifest: dict[str, Any] = json.loads(body)
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(f"{src}: not a version {FORMAT_VERSION} helpline backup "
                           f"({manifest.get('format')!r} {manifest.get('format_version')!r})")
    return manifest


def _file_problems(manifest: dict[str, Any], into: Path) -> Iterator[str]:
    listed: dict[str, dict[str, Any]] = manifest["files"]
    present = {path.relative_to(into).as_posix() for path in into.rglob("*")
               if path.is_file()} - {MANIFEST, MANIFEST_DIGEST}
    for name in sorted(present - set(listed)):
        yield f"{name} is not in the manifest"
    for name, expected in sorted(listed.items()):
        path = into / name
        if name not in present:
            yield f"{name} is missing"
        elif path.stat().st_size != expected["size"]:
            yield f"{name} has {path.stat().st_size} bytes, not {expected['size']}"
        elif sha256_of(path) != expected["sha256"]:
            yield f"{name} has another SHA-256"


def _unsafe(name: str) -> bool:
    path = Path(name)
    return path.is_absolute() or ".." in path.parts or name.startswith("/")


def _add_file(tar: tarfile.TarFile, entry: Entry) -> dict[str, Any]:
    with entry.source.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        info = tarfile.TarInfo(entry.name)
        info.size, info.mode, info.mtime = size, 0o600, int(entry.source.stat().st_mtime)
        hashing = _HashingReader(handle)
        tar.addfile(info, hashing)
    return {"size": size, "sha256": hashing.digest.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, body: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size, info.mode = len(body), 0o600
    tar.addfile(info, io.BytesIO(body))


class _HashingReader:
    """Hands tarfile the file's bytes and hashes them on the way: one read per file."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data
