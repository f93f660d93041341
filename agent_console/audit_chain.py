"""The audit log's hash chain, as pure functions: canonical form, keyed MAC, verification.

Each entry carries `seq` (its position, 1, 2, 3, ... with no gaps), `prev_hash` (the
MAC of the entry before it; `GENESIS` for the first), `key_id` and `entry_hash`, an
HMAC-SHA256 over the canonical form of every field below. Someone who can write to
the database but does not hold the key cannot produce an entry that verifies, and
cannot change or remove one without breaking the MAC of the next.

The key is derived from SECRET_KEY under a label (`derive_key`), so it is not the
key that signs session cookies. Rotating SECRET_KEY starts a new key id: entries
keep verifying with the key they name, so verification after a rotation needs the
previous SECRET_KEY too (`helpline audit verify --previous-key-file`); without it
the older entries are reported as unverifiable, never as good.

No Flask, SQLAlchemy or Redis: plain values in, plain values out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Version of the canonical form, inside what is MACed: a later format can only be
# added beside this one, since old entries must keep verifying.
FORMAT = 1
GENESIS = "0" * 64
KEY_LABEL = b"helpline/audit-log/hmac-sha256/v1"
KEY_ID_LABEL = b"helpline/audit-log/key-id"

# Problem codes: part of `helpline audit verify --json`, so stable.
FORGED = "forged"              # MAC wrong, and the entry after it was chained to it as it is
ALTERED = "altered"            # MAC wrong, and the entry after it vouches for what it was
BAD_MAC = "bad_mac"            # MAC wrong, nothing after it to tell which
MISSING = "missing"            # a gap in the sequence: entries deleted
BROKEN_LINK = "broken_link"    # an entry does not chain to the one before it
DUPLICATE_SEQ = "duplicate_seq"
UNKNOWN_KEY = "unknown_key"    # written with a key this verification was not given
KEY_REUSED = "key_reused"      # a retired key signs again after a rotation
HEAD_MISMATCH = "head_mismatch"
ANCHOR_MISMATCH = "anchor_mismatch"


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    secret: bytes = field(repr=False)


def derive_key(secret_key: str) -> AuditKey:
    """The audit log's own key, from the app's SECRET_KEY and a fixed label."""
    secret = hmac.new(secret_key.encode("utf-8"), KEY_LABEL, hashlib.sha256).digest()
    # A fingerprint that names the key without revealing it.
    key_id = hmac.new(secret, KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]
    return AuditKey(key_id=key_id, secret=secret)


@dataclass(frozen=True)
class Entry:
    """Everything one entry's MAC covers. `id` is not here: the database assigns it
    after the MAC is made, and `seq` is the entry's place in the chain."""

    seq: int
    prev_hash: str
    key_id: str
    at: datetime
    actor_id: int | None
    action: str
    subject_type: str
    subject_id: str
    detail: Mapping[str, Any]


def utc_iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(entry: Entry) -> bytes:
    """Sorted-key, whitespace-free UTF-8 JSON: the same bytes whichever process or
    database wrote or read the entry."""
    fields = {
        "format": FORMAT,
        "seq": entry.seq,
        "prev_hash": entry.prev_hash,
        "key_id": entry.key_id,
        "at": utc_iso(entry.at),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "detail": entry.detail,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def mac(key: AuditKey, entry: Entry) -> str:
    return hmac.new(key.secret, canonical(entry), hashlib.sha256).hexdigest()


def as_json_value(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """`detail` as it will read back from a JSON column (integer keys become strings,
    tuples lists), so the MAC is made over what is stored, not what was passed in."""
    value = json.loads(json.dumps(dict(detail or {})))
    assert isinstance(value, dict)
    return value


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class StoredEntry:
    id: int
    entry: Entry
    entry_hash: str


@dataclass(frozen=True)
class Problem:
    code: str
    seq: int | None
    id: int | None        # None when the entry is not there (missing)
    message: str

    def line(self) -> str:
        where = f"seq {self.seq}" if self.seq is not None else "log"
        if self.id is not None:
            where += f" (id {self.id})"
        return f"{where}: {self.code}: {self.message}"


@dataclass(frozen=True)
class Head:
    seq: int
    entry_hash: str


@dataclass(frozen=True)
class Report:
    entries: int
    verified: int
    problems: tuple[Problem, ...]
    last: Head | None          # the newest entry seen: what operators record as an anchor
    key_ids: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Checked:
    record: StoredEntry
    recomputed: str | None    # None: no key for its key id

    @property
    def seq(self) -> int:
        return self.record.entry.seq

    @property
    def stored(self) -> str:
        return self.record.entry_hash

    @property
    def mac_ok(self) -> bool | None:
        return None if self.recomputed is None else hmac.compare_digest(
            self.recomputed, self.stored)


def verify(records: Iterable[StoredEntry], keys: Mapping[str, AuditKey], *,
           head: Head | None = None, anchor: Head | None = None) -> Report:
    """Walks the entries in `seq` order and reports every problem found.

    `head` is what the database's head row says was last written; `anchor` an entry
    (seq and hash) an operator recorded outside the database earlier.
    """
    problems: list[Problem] = []
    count = 0
    prev: _Checked | None = None
    key_ids: list[str] = []
    anchor_found = False
    for record in records:
        count += 1
        key = keys.get(record.entry.key_id)
        current = _Checked(record, mac(key, record.entry) if key else None)
        if key is None:
            problems.append(_problem(UNKNOWN_KEY, record, (
                f"written with key {record.entry.key_id}, which this verification was not "
                "given (pass the SECRET_KEY of that time with --previous-key-file)")))
        problems.extend(_follow(prev, current))
        problems.extend(_key_order(key_ids, record))
        if anchor is not None and record.entry.seq == anchor.seq:
            anchor_found = True
            if record.entry_hash != anchor.entry_hash:
                problems.append(_problem(ANCHOR_MISMATCH, record, (
                    f"the anchor recorded hash {anchor.entry_hash[:16]}… for this entry; "
                    f"it now says {record.entry_hash[:16]}… (the log was rewritten)")))
        prev = current
    if prev is not None:
        problems.extend(_bad_mac_without_successor(prev, "it is the newest entry"))
    problems.extend(_check_head(prev, head))
    if anchor is not None and not anchor_found:
        problems.append(Problem(MISSING, anchor.seq, None, (
            f"entry {anchor.seq}, recorded as an anchor, is no longer in the log "
            "(the log was truncated or that entry deleted)")))
    flagged = {p.id for p in problems if p.id is not None}
    last = Head(prev.seq, prev.stored) if prev is not None else None
    return Report(entries=count, verified=count - len(flagged), problems=tuple(problems),
                  last=last, key_ids=tuple(dict.fromkeys(key_ids)))


def _follow(prev: _Checked | None, current: _Checked) -> list[Problem]:
    """Problems between an entry and the one before it (including the earlier entry's
    bad MAC, which only its successor can classify)."""
    record = current.record
    expected = prev.seq + 1 if prev is not None else 1
    if current.seq < expected:
        assert prev is not None
        return [*_bad_mac_without_successor(prev, "the entry after it is a duplicate"),
                _problem(DUPLICATE_SEQ, record, (
                    f"seq {current.seq} comes again after seq {prev.seq}: a second entry "
                    "claims a place in the chain that is taken"))]
    if current.seq > expected:
        gap = Problem(MISSING, expected, None,
                      f"{_entries(expected, current.seq - 1)} missing (deleted)")
        earlier = _bad_mac_without_successor(prev, "the entries after it are missing") \
            if prev is not None else []
        return [*earlier, gap]
    if prev is None:
        if record.entry.prev_hash != GENESIS:
            return [_problem(BROKEN_LINK, record, "the first entry does not start the chain")]
        return []
    link = record.entry.prev_hash
    if prev.mac_ok is False:
        vouching = current.mac_ok is True
        if vouching and hmac.compare_digest(link, prev.stored):
            return [_problem(ALTERED, prev.record, (
                "its content no longer matches the MAC it was written with; the next "
                "entry vouches for the original (changed after it was written)"))]
        if vouching and prev.recomputed is not None and hmac.compare_digest(
                link, prev.recomputed):
            return [_problem(FORGED, prev.record, (
                "its MAC is not one the helpline made: the entry was not written with the "
                "audit key (inserted or rewritten behind the application's back)"))]
        problems = _bad_mac_without_successor(prev, "the next entry cannot vouch for it")
        if link not in (prev.stored, prev.recomputed):
            problems.append(_problem(BROKEN_LINK, record, (
                f"it does not chain to seq {prev.seq} (entries were replaced)")))
        return problems
    if not hmac.compare_digest(link, prev.stored):
        return [_problem(BROKEN_LINK, record, (
            f"it does not chain to seq {prev.seq} (entries were replaced or re-linked)"))]
    return []


def _bad_mac_without_successor(checked: _Checked, why: str) -> list[Problem]:
    if checked.mac_ok is not False:
        return []
    return [_problem(BAD_MAC, checked.record, (
        f"its MAC does not match its content: forged or altered ({why}, so which "
        "cannot be told)"))]


def _key_order(key_ids: list[str], record: StoredEntry) -> list[Problem]:
    """Keys sign in eras: after a rotation the old key must not sign again, or anyone
    who later learns an old SECRET_KEY could append entries that verify."""
    key_id = record.entry.key_id
    if key_ids and key_ids[-1] == key_id:
        return []
    if key_id in key_ids:
        key_ids.append(key_id)
        return [_problem(KEY_REUSED, record, (
            f"key {key_id} signs again after the log moved on to key {key_ids[-2]}"))]
    key_ids.append(key_id)
    return []


def _check_head(last: _Checked | None, head: Head | None) -> list[Problem]:
    if head is None or head.seq == 0:
        return []
    last_seq = last.seq if last is not None else 0
    if head.seq > last_seq:
        return [Problem(MISSING, last_seq + 1, None, (
            f"{_entries(last_seq + 1, head.seq)} missing: deleted from the newest end "
            f"(the chain head records seq {head.seq})"))]
    if last is not None and head.seq == last_seq and head.entry_hash != last.stored:
        return [_problem(HEAD_MISMATCH, last.record, (
            "the chain head records a different hash for the newest entry"))]
    if last is not None and head.seq < last_seq:
        return [Problem(HEAD_MISMATCH, head.seq + 1, None, (
            f"entries after seq {head.seq} were not written by the helpline's writer "
            "(the chain head never moved past it)"))]
    return []


def _problem(code: str, record: StoredEntry, message: str) -> Problem:
    return Problem(code, record.entry.seq, record.id, message)


def _entries(first: int, last: int) -> str:
    return f"entry {first} is" if first == last else f"entries {first}–{last} are"
