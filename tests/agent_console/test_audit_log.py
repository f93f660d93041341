"""The audit chain in a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is
set): entries added the usual way are chained, concurrent writers keep one chain, and
`helpline audit verify` finds what is done behind the application's back."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import JSON, column, func, select, text
from sqlalchemy import table as sa_table

from agent_console import audit, audit_chain
from agent_console.audit_ledger import AuditKeyMissing
from agent_console.models import AuditEntry, audit_log_head
from helpline import migrate
from helpline.db import Database, UTCDateTime, make_engine
from helpline.settings import load_settings
from tests.builders import TEST_SECRET_KEY, make_environ
from tests.conftest import BACKENDS, truncate_postgres

ROOT = Path(__file__).parents[2]
SECRET_KEY = TEST_SECRET_KEY


def add_entries(services, count: int, *, per_transaction: int = 1, actor: str = "t") -> None:
    for start in range(0, count, per_transaction):
        with services.db.session() as session:
            # A view reads before it audits: the tip must still be read under the lock.
            session.scalar(select(func.count(AuditEntry.id)))
            for n in range(start, min(start + per_transaction, count)):
                session.add(AuditEntry(action="recording_played", subject_type="recording",
                                       subject_id=f"{actor}-{n}", detail={"n": n}))


def verify(services, **kwargs) -> audit_chain.Report:
    return audit.verify_log(services.db.engine, audit.keyring(services.settings.secret_key),
                            **kwargs)


def seqs(services) -> list[int]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))


def helpline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpline", *args], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.fixture
def cli_env(tmp_path, settings):
    return make_environ(tmp_path, DATABASE_URL=settings.database_url)


@pytest.fixture
def unguarded(services):
    """The append-only triggers really dropped, as an intruder with database access
    would; put back afterwards (the PostgreSQL database is shared by the session)."""
    engine = services.db.engine
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if postgres:
            connection.execute(text("DROP TRIGGER audit_log_no_change ON audit_log"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))
    yield engine
    with engine.begin() as connection:
        if postgres:
            connection.execute(text(
                "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"))


# ---------------------------------------------------------------- writing


def test_entries_added_the_usual_ways_are_chained(services):
    with services.db.session() as session:
        audit.record(session, actor_id=None, action="login_failed", subject_type="staff",
                     subject_id=3, reason="password")
        session.add(AuditEntry(action="purge_audio", subject_type="recording",
                               subject_id="9", detail={1: ("a", "b")}))
        session.flush()
        session.add(AuditEntry(action="purge_transcript", subject_type="transcript",
                               subject_id="4"))
    with services.db.session() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert [row.seq for row in rows] == [1, 2, 3]
        assert rows[0].prev_hash == audit_chain.GENESIS
        assert [row.prev_hash for row in rows[1:]] == [row.entry_hash for row in rows[:2]]
        assert rows[1].detail == {"1": ["a", "b"]}
        assert {row.key_id for row in rows} == {
            audit_chain.derive_key(services.settings.secret_key).key_id}
        head = session.execute(select(audit_log_head)).one()
        assert (head.seq, head.entry_hash) == (3, rows[-1].entry_hash)
    report = verify(services)
    assert report.ok and report.verified == 3


def test_a_rolled_back_entry_takes_no_place_in_the_chain(services):
    add_entries(services, 2)
    with pytest.raises(RuntimeError), services.db.session() as session:
        session.add(AuditEntry(action="x", subject_type="y", subject_id="z"))
        session.flush()
        raise RuntimeError("the request failed after auditing")
    add_entries(services, 1)
    assert seqs(services) == [1, 2, 3]
    assert verify(services).ok


def test_a_session_without_the_audit_key_cannot_write_entries(database_url):
    database = Database(database_url)
    try:
        with pytest.raises(AuditKeyMissing), database.session() as session:
            session.add(AuditEntry(action="x", subject_type="y", subject_id="z"))
    finally:
        database.dispose()


def test_concurrent_threads_keep_one_unbroken_chain(services):
    threads_count, each = 6, 20
    start = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            add_entries(services, each, per_transaction=1 + n % 3, actor=f"thread{n}")
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert seqs(services) == list(range(1, threads_count * each + 1))
    report = verify(services)
    assert report.ok, report.problems
    assert report.verified == threads_count * each


WRITER = """
import sys
from helpline.services import build_services
from helpline.settings import load_settings
from tests.agent_console.test_audit_log import add_entries
sys.stdin.readline()  # all start together
add_entries(build_services(load_settings()), int(sys.argv[1]), per_transaction=2,
            actor=sys.argv[2])
"""


def test_concurrent_processes_keep_one_unbroken_chain(services, cli_env):
    processes_count, each = 3, 24
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(each), f"p{n}"],
                                env=cli_env, cwd=ROOT, stdin=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
               for n in range(processes_count)]
    add_entries(services, 1)   # the parent is a writer too; and processes are ready by now
    for process in writers:
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in writers:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    assert seqs(services) == list(range(1, processes_count * each + 2))
    assert verify(services).ok


# ---------------------------------------------------------------- verifying


def test_verify_command_passes_an_intact_log_and_prints_its_head(services, cli_env):
    add_entries(services, 3)
    done = helpline(cli_env, "audit", "verify")
    assert done.returncode == 0, done.stderr
    assert "3 entries verified" in done.stdout
    head = verify(services).last
    assert f"--anchor {head.seq}:{head.entry_hash}" in done.stdout
    anchored = helpline(cli_env, "audit", "verify", "--json", "--anchor",
                        f"{head.seq}:{head.entry_hash}")
    assert anchored.returncode == 0
    assert json.loads(anchored.stdout)["head"] == {"seq": 3, "hash": head.entry_hash}


def test_verify_command_reports_a_forged_entry(services, unguarded, cli_env):
    add_entries(services, 3)
    tip = verify(services).last
    # An intruder with database access but not the key adds an entry and moves the head.
    guess = audit_chain.derive_key("guessed-secret-key-of-the-helpline")
    key_id = audit_chain.derive_key(services.settings.secret_key).key_id
    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    fake = audit_chain.Entry(seq=4, prev_hash=tip.entry_hash, key_id=key_id, at=at,
                             actor_id=None, action="login", subject_type="staff",
                             subject_id="1", detail={})
    with unguarded.begin() as connection:
        connection.execute(AuditEntry.__table__.insert().values(
            seq=4, prev_hash=tip.entry_hash, entry_hash=audit_chain.mac(guess, fake),
            key_id=key_id, at=at, actor_id=None, action="login", subject_type="staff",
            subject_id="1", detail={}))
        connection.execute(audit_log_head.update().values(seq=4))
    add_entries(services, 1)   # the application carries on writing

    done = helpline(cli_env, "audit", "verify")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [line for line in done.stdout.splitlines() if line]
    [line] = done.stdout.splitlines()
    assert line.startswith("seq 4 ") and ": forged:" in line
    report = json.loads(helpline(cli_env, "audit", "verify", "--json").stdout)
    assert report["ok"] is False and report["verified"] == 4
    assert [(p["code"], p["seq"]) for p in report["problems"]] == [("forged", 4)]


def test_verify_command_reports_an_altered_entry(services, unguarded, cli_env):
    add_entries(services, 4)
    with unguarded.begin() as connection:
        connection.execute(text(
            "UPDATE audit_log SET subject_id = 'someone-else' WHERE seq = 2"))
    done = helpline(cli_env, "audit", "verify")
    assert done.returncode == 1
    [line] = done.stdout.splitlines()
    assert line.startswith("seq 2 ") and ": altered:" in line


def test_verify_command_reports_deleted_entries(services, unguarded, cli_env):
    add_entries(services, 5)
    with unguarded.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq IN (2, 5)"))
    done = helpline(cli_env, "audit", "verify")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "seq 2: missing: entry 2 is missing (deleted)",
        "seq 5: missing: entry 5 is missing: deleted from the newest end "
        "(the chain head records seq 5)",
    ]
    # New entries continue after the gap: it stays visible.
    add_entries(services, 1)
    assert seqs(services) == [1, 3, 4, 6]
    assert [p.code for p in verify(services).problems] == ["missing", "missing"]


def test_truncation_with_the_head_rewritten_needs_an_anchor(services, unguarded):
    add_entries(services, 4)
    anchor = verify(services).last
    with unguarded.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq > 2"))
        kept = connection.execute(text("SELECT entry_hash FROM audit_log WHERE seq = 2"))
        connection.execute(audit_log_head.update().values(seq=2, entry_hash=kept.scalar_one()))
    assert verify(services).ok   # what a chain cannot see by itself
    report = verify(services, anchor=anchor)
    assert [(p.code, p.seq) for p in report.problems] == [("missing", 4)]


def test_after_rotating_secret_key_old_entries_need_the_old_key(services, cli_env, tmp_path):
    add_entries(services, 2)
    rotated = {**cli_env, "SECRET_KEY": "a-brand-new-secret-key-after-rotation"}
    subprocess.run([sys.executable, "-c", WRITER, "2", "rotated"], env=rotated, cwd=ROOT,
                   input="go\n", text=True, check=True, timeout=120)
    without = helpline(rotated, "audit", "verify")
    assert without.returncode == 1
    assert [line.split(":")[1].strip() for line in without.stdout.splitlines()] == [
        "unknown_key", "unknown_key"]
    old = tmp_path / "old-secret"
    old.write_text(cli_env["SECRET_KEY"] + "\n")
    with_old = helpline(rotated, "audit", "verify", "--previous-key-file", str(old))
    assert with_old.returncode == 0, with_old.stdout
    assert "4 entries verified" in with_old.stdout


# ---------------------------------------------------------------- migration


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_migration_chains_entries_written_before_it(backend, tmp_path, request,
                                                         monkeypatch):
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_url")
        truncate_postgres(url)
        migrate.downgrade(url, "0001")
    else:
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        migrate.upgrade(url, "0001")
    engine = make_engine(url)
    try:
        # audit_log as 0001 made it: no chain columns yet.
        old_log = sa_table("audit_log", column("at", UTCDateTime()), column("actor_id"),
                           column("action"), column("subject_type"), column("subject_id"),
                           column("detail", JSON()))
        with engine.begin() as connection:
            for n in range(3):
                connection.execute(old_log.insert().values(
                    at=datetime(2026, 1, 1, 8, n, 0, 250, tzinfo=UTC), actor_id=None,
                    action="ticket_viewed", subject_type="ticket", subject_id=str(n),
                    detail={"n": n, "tags": ["a"]}))
        for name, value in make_environ(tmp_path, DATABASE_URL=url).items():
            monkeypatch.setenv(name, value)
        migrate.upgrade(url)
        keys = audit.keyring(load_settings().secret_key)
        report = audit.verify_log(engine, keys)
        assert report.ok and report.verified == 3
        with engine.connect() as connection:
            assert connection.execute(select(audit_log_head.c.seq)).scalar_one() == 3
    finally:
        engine.dispose()
