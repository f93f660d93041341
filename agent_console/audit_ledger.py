"""The audit chain against the database: sealing new entries at flush, reading it back.

Entries are written from web threads and rq workers at once, on SQLite and
PostgreSQL. A chain forks if two writers read the same tip, so each writer takes
the chain's lock *before* reading the tip and keeps it to the end of its transaction:

- PostgreSQL: `pg_advisory_xact_lock`. Under READ COMMITTED each statement sees what
  was committed before it began, so the tip read after the lock is granted includes
  the previous holder's entries (its commit is visible before its lock is released).
- SQLite serialises writers, but a deferred transaction that *read* the tip before
  taking the write lock could append to a stale tip. So the first statement is a
  write (to the head row), which takes the database's write lock, waiting out
  `busy_timeout`, and only then is the tip read.

`seq` is unique in the database too: if anything ever did read a stale tip (say a
REPEATABLE READ transaction), its insert fails instead of forking the chain.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, select, text
from sqlalchemy.orm import Session, sessionmaker

from agent_console import audit_chain as chain
from helpline.db import utcnow

log = logging.getLogger(__name__)

SESSION_KEY = "helpline.audit_key"   # where a session finds its AuditKey (Session.info)
HEAD_ID = 1
# Any fixed 64-bit number names the lock; this one is "audit" in ASCII.
POSTGRES_LOCK = 0x6175646974


class AuditKeyMissing(RuntimeError):
    """An audit entry was flushed by a session that was not given the audit key."""


def bind_key(factory: sessionmaker[Session], key: chain.AuditKey) -> None:
    """Every session `factory` makes can seal audit entries with `key`."""
    info = dict(factory.kw.get("info") or {})
    info[SESSION_KEY] = key
    factory.configure(info=info)


def seal(session: Session, entries: list[Any], *, log_table: Any, head: Table) -> None:
    """Fills in seq, prev_hash, key_id and entry_hash of new entries, in this
    session's transaction, and moves the head. Called from `before_flush`."""
    key = session.info.get(SESSION_KEY)
    if not isinstance(key, chain.AuditKey):
        raise AuditKeyMissing("audit entries need a session from helpline.services."
                              "build_services (it binds the key derived from SECRET_KEY)")
    connection = session.connection()
    _lock_chain(connection, head)
    seq, prev = _tip(connection, log_table, head, key)
    for entry in entries:
        # Normalised to what the columns read back as: the MAC must match on reading.
        entry.at = entry.at or utcnow()
        entry.detail = chain.as_json_value(entry.detail)
        entry.subject_id = str(entry.subject_id)
        seq += 1
        entry.seq, entry.prev_hash, entry.key_id = seq, prev, key.key_id
        entry.entry_hash = prev = chain.mac(key, _entry_of(entry))
    moved = connection.execute(head.update().where(head.c.id == HEAD_ID)
                               .values(seq=seq, entry_hash=prev))
    if moved.rowcount == 0:
        connection.execute(head.insert().values(id=HEAD_ID, seq=seq, entry_hash=prev))


def _lock_chain(connection: Connection, head: Table) -> None:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_LOCK})
    elif dialect == "sqlite":
        # A write that changes nothing still takes the write lock, and it is this
        # transaction's first write (or a later one, if it holds the lock already).
        connection.execute(head.update().where(head.c.id == HEAD_ID).values(seq=head.c.seq))
    else:
        raise NotImplementedError(f"no audit chain lock for {dialect}")


def _tip(connection: Connection, log_table: Any, head: Table,
         key: chain.AuditKey) -> tuple[int, str]:
    """(seq, hash) the next entry follows."""
    tail = connection.execute(select(log_table).order_by(log_table.c.seq.desc())
                              .limit(1)).mappings().first()
    marker = connection.execute(select(head.c.seq, head.c.entry_hash)
                                .where(head.c.id == HEAD_ID)).first()
    if marker is not None and (tail is None or marker.seq > tail["seq"]):
        # The newest entries were deleted: carry on after them so the gap stays visible.
        return marker.seq, marker.entry_hash
    if tail is None:
        return 0, chain.GENESIS
    if tail["key_id"] != key.key_id:
        return tail["seq"], tail["entry_hash"]   # written before a key rotation
    # Chained to the tip's content, not just to its hash column: an entry forged
    # without the key then shows as forged, not as a genuine entry altered later.
    recomputed = chain.mac(key, entry_of_row(tail))
    if recomputed != tail["entry_hash"]:
        log.error("audit log entry seq %s does not match its MAC: the log has been "
                  "tampered with; run `helpline audit verify`", tail["seq"])
    return tail["seq"], recomputed


def _entry_of(entry: Any) -> chain.Entry:
    return chain.Entry(seq=entry.seq, prev_hash=entry.prev_hash, key_id=entry.key_id,
                       at=entry.at, actor_id=entry.actor_id, action=entry.action,
                       subject_type=entry.subject_type, subject_id=entry.subject_id,
                       detail=entry.detail)


def entry_of_row(row: RowMapping) -> chain.Entry:
    return chain.Entry(seq=row["seq"], prev_hash=row["prev_hash"], key_id=row["key_id"],
                       at=row["at"], actor_id=row["actor_id"], action=row["action"],
                       subject_type=row["subject_type"], subject_id=row["subject_id"],
                       detail=row["detail"])


# ---------------------------------------------------------------- reading it back


def read_chain(connection: Connection, log_table: Any, head: Table, *, again: bool = True
               ) -> tuple[Iterator[chain.StoredEntry], chain.Head | None]:
    """Every entry in seq order, and the head row as of the same snapshot.

    One statement carries both (the head as a scalar subquery), so an entry being
    appended while this reads can make neither a false gap nor a false extra.
    """
    head_seq = select(head.c.seq).where(head.c.id == HEAD_ID).scalar_subquery()
    head_hash = select(head.c.entry_hash).where(head.c.id == HEAD_ID).scalar_subquery()
    rows = connection.execution_options(yield_per=500).execute(
        select(log_table, head_seq.label("head_seq"), head_hash.label("head_hash"))
        .order_by(log_table.c.seq, log_table.c.id)).mappings()
    first = next(rows, None)
    if first is None:
        marker = connection.execute(select(head.c.seq, head.c.entry_hash)
                                    .where(head.c.id == HEAD_ID)).first()
        if marker is not None and marker.seq > 0 and again:
            # The first entries may have been committed between the two reads.
            return read_chain(connection, log_table, head, again=False)
        return iter(()), chain.Head(marker.seq, marker.entry_hash) if marker else None
    found = (chain.Head(first["head_seq"], first["head_hash"])
             if first["head_seq"] is not None else None)

    def entries() -> Iterator[chain.StoredEntry]:
        yield _stored(first)
        for row in rows:
            yield _stored(row)

    return entries(), found


def _stored(row: RowMapping) -> chain.StoredEntry:
    return chain.StoredEntry(id=row["id"], entry=entry_of_row(row),
                             entry_hash=row["entry_hash"])
