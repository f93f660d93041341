"""Writing the append-only audit log (who saw or changed what, and when) and checking
that nobody has rewritten it since."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from agent_console import audit_chain, audit_ledger
from agent_console.models import AuditEntry, audit_log_head
from helpline.db import make_engine
from helpline.settings import Settings

ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")


def record(session: Session, *, actor_id: int | None, action: str, subject_type: str,
           subject_id: object, **detail: Any) -> AuditEntry:
    """Adds one audit row to `session`; the caller's unit of work commits it."""
    entry = AuditEntry(actor_id=actor_id, action=action, subject_type=subject_type,
                       subject_id=str(subject_id), detail=detail)
    session.add(entry)
    return entry


def keyring(secret_key: str, previous_secret_keys: Iterable[str] = ()
            ) -> dict[str, audit_chain.AuditKey]:
    """The current audit key and those of SECRET_KEYs used before a rotation."""
    keys = [audit_chain.derive_key(secret) for secret in (secret_key, *previous_secret_keys)]
    return {key.key_id: key for key in keys}


def verify_log(engine: Engine, keys: dict[str, audit_chain.AuditKey], *,
               anchor: audit_chain.Head | None = None) -> audit_chain.Report:
    with engine.connect() as connection:
        entries, head = audit_ledger.read_chain(connection, AuditEntry.__table__,
                                                audit_log_head)
        return audit_chain.verify(entries, keys, head=head, anchor=anchor)


def verify_database(settings: Settings, previous_key_files: Iterable[str] = (), *,
                    anchor: audit_chain.Head | None = None) -> audit_chain.Report:
    """`helpline audit verify`: the log of `settings.database_url`, with the current key
    and the SECRET_KEYs (one per file, never on the command line) used before it."""
    previous = [Path(path).read_text().strip() for path in previous_key_files]
    engine = make_engine(settings.database_url)
    try:
        return verify_log(engine, keyring(settings.secret_key, previous), anchor=anchor)
    finally:
        engine.dispose()


def parse_anchor(text: str) -> audit_chain.Head:
    found = ANCHOR.match(text.strip())
    if found is None:
        raise ValueError("write it as SEQ:HASH, as `helpline audit verify` printed it")
    return audit_chain.Head(int(found.group(1)), found.group(2))


def report_lines(report: audit_chain.Report) -> list[str]:
    if not report.ok:
        return [problem.line() for problem in report.problems]
    if report.last is None:
        return ["audit log: empty, nothing to verify"]
    head = f"{report.last.seq}:{report.last.entry_hash}"
    return [f"audit log: {report.verified} entries verified",
            # Without a copy outside the database, deleting the newest entries and the
            # head row together would go unseen; this line is that copy.
            f"head {head} (keep it elsewhere; later: helpline audit verify --anchor {head})"]


def report_json(report: audit_chain.Report) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "entries": report.entries,
        "verified": report.verified,
        "head": ({"seq": report.last.seq, "hash": report.last.entry_hash}
                 if report.last else None),
        "key_ids": list(report.key_ids),
        "problems": [{"code": p.code, "seq": p.seq, "id": p.id, "message": p.message}
                     for p in report.problems],
    }
