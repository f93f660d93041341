"""`helpline backup` then `helpline restore` into an empty instance gives back the same
tickets, the same recordings (byte for byte), and callback numbers that decrypt; a
corrupted archive is refused whole. On SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import helpline.models  # noqa: F401  (every mapper, for the rows written below)
from cases.models import Ticket
from helpline import migrate
from helpline.db import make_engine
from helpline.pii import PiiProtector
from helpline.settings import load_settings
from ivr.models import CallbackRequest, Caller
from recordings.models import Recording
from tests.conftest import BACKENDS, reset_postgres

NUMBERS = ("+66812345001", "+959400000002", "+60123456003")


def instance_environ(folder: Path, database_url: str) -> dict[str, str]:
    """An instance whose secrets are files it generates (as `make run` has them)."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"SECRET_KEY", "HELPLINE_PII_KEY", "REDIS_URL", "TWILIO_API_BASE",
                          "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL"}}
    env.update(HELPLINE_INSTANCE_DIR=str(folder / "instance"), DATABASE_URL=database_url,
               RECORDINGS_DIR=str(folder / "recordings"))
    return env


def helpline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpline", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fill_instance(env: dict[str, str]) -> dict[str, str]:
    """Callers, callback requests, tickets and stored recordings with real files; returns
    the recordings' digests by RecordingSid."""
    settings = load_settings(env)
    migrate.upgrade(settings.database_url)
    pii = PiiProtector(settings.pii_key, settings.pii_retired_keys)
    digests = {}
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        for index, number in enumerate(NUMBERS):
            caller = Caller(number_hmac=pii.link_key(number),
                            number_encrypted=pii.encrypt(number))
            session.add(caller)
            session.flush()
            session.add(CallbackRequest(caller_id=caller.id, language="my",
                                        number_encrypted=pii.encrypt(number)))
            ticket = Ticket(caller_id=caller.id, language="km", source="voicemail",
                            notes=f"passport kept by employer #{index}")
            session.add(ticket)
            session.flush()
            sid = f"RE{index:032d}"
            audio = settings.recordings_dir / "2026" / f"{sid}.wav"
            audio.parent.mkdir(parents=True, exist_ok=True)
            audio.write_bytes(os.urandom(40_000 + index))
            digests[sid] = sha256(audio)
            session.add(Recording(recording_sid=sid, kind="voicemail", language="km",
                                  status="stored", storage_path=str(audio), ticket_id=ticket.id,
                                  checksum_sha256=digests[sid]))
        session.commit()
    engine.dispose()
    prompt = settings.instance_dir / "prompt-recordings" / "km" / "welcome.wav"
    prompt.parent.mkdir(parents=True, exist_ok=True)
    prompt.write_bytes(os.urandom(5000))
    digests["prompt"] = sha256(prompt)
    return digests


def tickets_of(database_url: str) -> list[tuple]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        rows = [(t.id, t.caller_id, t.language, t.notes, t.source)
                for t in session.scalars(select(Ticket).order_by(Ticket.id))]
    engine.dispose()
    return rows


@pytest.fixture(params=BACKENDS)
def urls(request, tmp_path) -> tuple[str, str]:
    """The database backed up, and the empty one restored into."""
    if request.param == "sqlite":
        return (f"sqlite:///{tmp_path / 'one.sqlite3'}", f"sqlite:///{tmp_path / 'two.sqlite3'}")
    url = request.getfixturevalue("postgres_url")
    reset_postgres(url)
    # Restored into the same server's database once it is emptied: a disaster recovery.
    return url, url


def test_backup_then_restore_into_an_empty_instance(tmp_path, urls):
    source_url, target_url = urls
    one = instance_environ(tmp_path / "one", source_url)
    digests = fill_instance(one)
    tickets = tickets_of(source_url)
    archive = tmp_path / "backups" / "helpline.tar.gz"

    made = helpline(one, "backup", str(archive))
    assert made.returncode == 0, made.stderr
    report = json.loads(made.stdout)
    assert (report["tickets"], report["recordings"]) == (3, 3)
    assert set(report["secrets"]) >= {"pii_key", "secret_key"}
    assert archive.stat().st_mode & 0o077 == 0
    assert helpline(one, "backup", str(archive)).returncode == 1  # never overwritten

    if source_url == target_url:
        reset_postgres(target_url)
    two = instance_environ(tmp_path / "two", target_url)
    restored = helpline(two, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr + restored.stdout
    result = json.loads(restored.stdout)
    assert result["problems"] == []
    assert result["callback_numbers_decrypted"] == "6 of 6"
    assert result["recordings_repointed"] == 3

    assert tickets_of(target_url) == tickets
    settings = load_settings(two)
    pii = PiiProtector(settings.pii_key, settings.pii_retired_keys)
    engine = make_engine(target_url)
    with Session(engine) as session:
        for recording in session.scalars(select(Recording)):
            path = Path(recording.storage_path)
            assert path.is_relative_to(settings.recordings_dir)
            assert sha256(path) == digests[recording.recording_sid]
            assert path.stat().st_mode & 0o077 == 0
        callers = session.scalars(select(Caller).order_by(Caller.id)).all()
        assert [pii.decrypt(caller.number_encrypted) for caller in callers] == list(NUMBERS)
        # The repeat-caller link: the same number finds the same caller.
        assert [caller.number_hmac for caller in callers] == [pii.link_key(n) for n in NUMBERS]
        requests = session.scalars(select(CallbackRequest).order_by(CallbackRequest.id))
        assert [pii.decrypt(r.number_encrypted) for r in requests] == list(NUMBERS)
    engine.dispose()
    prompt = settings.instance_dir / "prompt-recordings" / "km" / "welcome.wav"
    assert sha256(prompt) == digests["prompt"]
    assert migrate.pending(target_url) == []

    again = helpline(two, "restore", str(archive))
    assert again.returncode == 1 and "already holds data" in again.stderr


@pytest.mark.parametrize("name", ["helpline.tar", "helpline.tar.gz"])
def test_a_corrupted_archive_is_refused_and_nothing_restored(tmp_path, name):
    one = instance_environ(tmp_path / "one", f"sqlite:///{tmp_path / 'one.sqlite3'}")
    fill_instance(one)
    archive = tmp_path / name
    assert helpline(one, "backup", str(archive)).returncode == 0
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x55  # one byte, in the middle of a recording or the database
    archive.write_bytes(bytes(data))

    two = instance_environ(tmp_path / "two", f"sqlite:///{tmp_path / 'two.sqlite3'}")
    refused = helpline(two, "restore", str(archive))
    assert refused.returncode == 1
    assert "nothing restored" in refused.stderr
    assert "corrupted" in refused.stderr
    assert not (tmp_path / "two.sqlite3").exists()
    assert not (tmp_path / "two" / "recordings").exists()
