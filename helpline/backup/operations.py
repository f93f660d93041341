"""What `helpline backup` and `helpline restore` do, in order.

A backup holds: a consistent copy of the database, every file under `RECORDINGS_DIR`
(callers' voicemails and calls) and under `instance/prompt-recordings` (prompts native
speakers recorded), and the instance secrets that exist as files — `pii_key` above
all: without it no callback number decrypts and no repeat caller is recognised.
Whoever holds an archive with its secrets can read every callback number in it: it is
written owner-only, and `--without-secrets` leaves the secrets out to keep apart.

A restore goes into an empty instance with the stack stopped: it verifies the whole
archive first (`archive.open_verified`), puts back the database, brings it to the
migrations' heads, puts back the files and secrets, points stored recordings at this
instance's `RECORDINGS_DIR`, and then checks what it restored — the row count of every
table against the manifest, and that every stored callback number decrypts with the
PII key now in effect.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from helpline import local_stack, migrate
from helpline.backup import archive, databases
from helpline.backup.archive import ArchiveError, Entry
from helpline.db import make_engine
from helpline.pii import PiiProtector
from helpline.settings import Settings, load_settings
from prompts import recordings_dir as prompt_recordings_dir

# Instance secrets kept as files, and the setting that overrides each one.
SECRET_FILES = {"pii_key": "HELPLINE_PII_KEY", "secret_key": "SECRET_KEY",
                "twilio_auth_token": "TWILIO_AUTH_TOKEN"}
# Row counts that may differ after a restore for reasons of their own.
UNCOUNTED = {"alembic_version", "health_probes"}


class RestoreRefused(Exception):
    """`str()` is the line shown to the operator; nothing was changed."""


def file_trees(settings: Settings) -> dict[str, Path]:
    """Folders backed up, by their name in the archive."""
    return {"recordings": settings.recordings_dir,
            "prompt-recordings": prompt_recordings_dir(settings.instance_dir)}


def backup(settings: Settings, dest: Path, *, secrets: bool = True,
           environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    dest = dest.resolve()
    if dest.exists():
        raise ArchiveError(f"{dest} exists already — a backup never overwrites one; "
                           "choose a new name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    warnings = _secret_warnings(environ, "is not in this backup: keep it with the backup")
    if not secrets:
        warnings.append("secrets left out (--without-secrets): keep instance/pii_key safe "
                        "apart — without it no callback number decrypts")
    # Next to the archive (same disk), private (mkdtemp makes it 0700), and removed.
    with tempfile.TemporaryDirectory(prefix=".helpline-backup-", dir=dest.parent) as folder:
        staging = Path(folder)
        database_file, counts = databases.dump(settings.database_url, staging)
        entries = [Entry(database_file, staging / database_file)]
        trees = file_trees(settings)
        for prefix, root in trees.items():
            entries.extend(_tree_entries(prefix, root))
        secret_names = [name for name in SECRET_FILES
                        if secrets and (settings.instance_dir / name).is_file()]
        entries.extend(Entry(f"instance/{name}", settings.instance_dir / name)
                       for name in secret_names)
        manifest = archive.write(dest, entries, {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {"backend": databases.backend(settings.database_url),
                         "file": database_file,
                         "revisions": sorted(migrate.current(settings.database_url)),
                         "row_counts": counts},
            "paths": {prefix: str(root) for prefix, root in trees.items()},
            "secrets": secret_names,
        })
    files = manifest["files"]
    return {"archive": str(dest), "files": len(files),
            "bytes": sum(item["size"] for item in files.values()),
            "database": manifest["database"]["backend"],
            "tickets": counts.get("tickets", 0),
            "recordings": sum(1 for name in files if name.startswith("recordings/")),
            "secrets": secret_names, "warnings": warnings}


def restore(settings: Settings, src: Path, *, force: bool = False,
            environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    running = local_stack.read(settings.instance_dir)
    if running is not None:
        raise RestoreRefused(f"helpline run is running for this instance (pid "
                             f"{running.pid}) — stop it first; nothing restored")
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=settings.instance_dir) as folder:
        staging = Path(folder)
        manifest = archive.open_verified(src, staging)
        _refuse_unless_empty(settings, manifest, force)

        databases.load(settings.database_url, staging / manifest["database"]["file"])
        migrate.upgrade(settings.database_url)
        restored_files = 0
        for prefix, root in file_trees(settings).items():
            restored_files += _put_back(staging / prefix, root)
        for name in manifest["secrets"]:
            _put_back_secret(staging / "instance" / name, settings.instance_dir / name)
        moved = _repoint_recordings(settings.database_url,
                                    manifest["paths"]["recordings"], settings.recordings_dir)

    # The secrets just restored are what the helpline reads from now on.
    restored = load_settings(environ)
    problems = _count_problems(manifest["database"]["row_counts"],
                               databases.row_counts(settings.database_url))
    decrypted, encrypted = _decryptable_numbers(restored)
    if decrypted < encrypted:
        problems.append(f"{encrypted - decrypted} of {encrypted} stored callback numbers do "
                        "not decrypt with the PII key in effect — is HELPLINE_PII_KEY set "
                        "to another key?")
    warnings = _secret_warnings(environ, "is set here: the restored instance file is not "
                                "used while it is")
    counts = manifest["database"]["row_counts"]
    return {"archive": str(src), "created_at": manifest["created_at"],
            "database": manifest["database"]["backend"], "tickets": counts.get("tickets", 0),
            "files": restored_files, "recordings_repointed": moved,
            "callback_numbers_decrypted": f"{decrypted} of {encrypted}",
            "secrets": manifest["secrets"], "warnings": warnings, "problems": problems}


def _tree_entries(prefix: str, root: Path) -> Iterator[Entry]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield Entry(f"{prefix}/{path.relative_to(root).as_posix()}", path)


def _secret_warnings(environ: Mapping[str, str], what: str) -> list[str]:
    found = []
    for name, setting in SECRET_FILES.items():
        if environ.get(setting):
            found.append(f"{setting} comes from the environment and {what} (instead of "
                         f"instance/{name})")
    return found


def _refuse_unless_empty(settings: Settings, manifest: dict[str, Any], force: bool) -> None:
    wanted = manifest["database"]["backend"]
    here = databases.backend(settings.database_url)
    if wanted != here:
        raise RestoreRefused(f"this is a backup of a {wanted} database and DATABASE_URL is "
                             f"{here}: restore it into {wanted}; nothing restored")
    if force:
        return
    if databases.holds_data(settings.database_url):
        raise RestoreRefused("the database already holds data — restore goes into an empty "
                             "instance (or pass --force to replace it); nothing restored")
    for prefix, root in file_trees(settings).items():
        if root.is_dir() and any(path.is_file() for path in root.rglob("*")):
            raise RestoreRefused(f"{root} ({prefix}) already holds files — restore goes into "
                                 "an empty instance (or pass --force); nothing restored")


def _put_back(source: Path, root: Path) -> int:
    if not source.is_dir():
        return 0
    count = 0
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        target = root / path.relative_to(source)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o600)
        shutil.move(path, target)
        count += 1
    return count


def _put_back_secret(source: Path, target: Path) -> None:
    incoming = target.with_name(target.name + ".restoring")
    fd = os.open(incoming, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(source.read_bytes())
        handle.flush()
        os.fsync(handle.fileno())
    incoming.replace(target)


def _repoint_recordings(database_url: str, old_root: str, new_root: Path) -> int:
    """Stored recordings name their file by absolute path: move the ones under the
    backed-up RECORDINGS_DIR to this instance's."""
    old, new = old_root.rstrip("/") + "/", str(new_root).rstrip("/") + "/"
    if old == new:
        return 0
    engine = make_engine(database_url)
    moved = 0
    try:
        with engine.begin() as connection:
            rows = connection.execute(text(
                "SELECT id, storage_path FROM recordings WHERE storage_path IS NOT NULL")).all()
            for row_id, path in rows:
                if path.startswith(old):
                    connection.execute(text("UPDATE recordings SET storage_path = :path "
                                            "WHERE id = :id"),
                                       {"path": new + path[len(old):], "id": row_id})
                    moved += 1
    finally:
        engine.dispose()
    return moved


def _count_problems(expected: Mapping[str, int], found: Mapping[str, int]) -> list[str]:
    return [f"table {table}: {found.get(table, 0)} rows restored, the backup has {count}"
            for table, count in sorted(expected.items())
            if table not in UNCOUNTED and found.get(table, 0) != count]


def _decryptable_numbers(settings: Settings) -> tuple[int, int]:
    protector = PiiProtector(settings.pii_key, settings.pii_retired_keys)
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            # Callback requests' numbers, and callers' kept for a follow-up.
            tokens = connection.execute(text(
                "SELECT number_encrypted FROM callback_requests UNION ALL "
                "SELECT number_encrypted FROM callers WHERE number_encrypted IS NOT NULL"
            )).scalars().all()
    finally:
        engine.dispose()
    decrypted = 0
    for token in tokens:
        try:
            protector.decrypt(token)
        except Exception:  # noqa: BLE001 - any failure means "does not decrypt"
            continue
        decrypted += 1
    return decrypted, len(tokens)
