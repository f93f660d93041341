"""Migrations run up and down on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from helpline import migrate
from helpline.db import Base, make_engine
from tests.conftest import BACKENDS


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_then_downgrade_then_upgrade(tmp_path, backend, request):
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    migrate.upgrade(url)
    assert set(Base.metadata.tables) <= table_names(url)
    assert migrate.current(url) != ()

    migrate.downgrade(url, "base")
    assert table_names(url) - {"alembic_version"} == set()
    assert migrate.current(url) == ()

    migrate.upgrade(url)
    assert set(Base.metadata.tables) <= table_names(url)


def test_audit_log_is_append_only_in_the_database(services):
    """Even SQL that bypasses the ORM cannot rewrite or erase the audit trail."""
    engine = services.db.engine
    with engine.begin() as connection:
        # Raw SQL can still add a row (its bad MAC is `helpline audit verify`'s business).
        connection.execute(text(
            "INSERT INTO audit_log (at, action, subject_type, subject_id, detail, seq, "
            "prev_hash, entry_hash, key_id) VALUES (CURRENT_TIMESTAMP, 'view_transcript', "
            "'transcript', '1', '{}', 1, 'x', 'x', 'x')"))
    for statement in ("UPDATE audit_log SET action = 'nothing'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT action FROM audit_log")).scalar_one() == (
            "view_transcript")


def test_audit_log_refuses_orm_changes(db_session):
    from agent_console.models import AuditEntry, AuditLogIsAppendOnly

    entry = AuditEntry(action="play_recording", subject_type="recording", subject_id="7")
    db_session.add(entry)
    db_session.commit()
    entry.action = "nothing"
    with pytest.raises(AuditLogIsAppendOnly):
        db_session.commit()
    db_session.rollback()
