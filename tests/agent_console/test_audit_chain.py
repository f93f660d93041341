"""The audit chain's pure rules: canonical form, keyed MAC, and what verification reports."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from agent_console import audit_chain as chain

KEY = chain.derive_key("test-secret-key-that-is-long-enough")
OTHER = chain.derive_key("an-attacker-guess-at-the-secret-key")
AT = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def entry(seq: int = 1, prev: str = chain.GENESIS, key: chain.AuditKey = KEY,
          **changes) -> chain.Entry:
    fields = dict(seq=seq, prev_hash=prev, key_id=key.key_id, at=AT + timedelta(minutes=seq),
                  actor_id=7, action="recording_played", subject_type="recording",
                  subject_id=str(seq), detail={"ticket_id": seq})
    fields.update(changes)
    return chain.Entry(**fields)


def written(count: int, *, keys: tuple[chain.AuditKey, ...] = (KEY,),
            start: list[chain.StoredEntry] | None = None) -> list[chain.StoredEntry]:
    """A chain as the writer makes it; `keys` cycles in eras (first key, then the next)."""
    records = list(start or [])
    for n in range(count):
        key = keys[min(n * len(keys) // count, len(keys) - 1)]
        seq = records[-1].entry.seq + 1 if records else 1
        prev = chain.GENESIS
        if records:
            last = records[-1]
            # The writer chains to the tip's content (recomputed when it holds that key).
            prev = (chain.mac(key, last.entry) if last.entry.key_id == key.key_id
                    else last.entry_hash)
        new = entry(seq, prev, key)
        records.append(chain.StoredEntry(id=seq, entry=new, entry_hash=chain.mac(key, new)))
    return records


def keyring(*keys: chain.AuditKey) -> dict[str, chain.AuditKey]:
    return {key.key_id: key for key in keys}


def codes(report: chain.Report) -> list[tuple[str, int | None]]:
    return [(problem.code, problem.seq) for problem in report.problems]


def replaced(record: chain.StoredEntry, **changes) -> chain.StoredEntry:
    return dataclasses.replace(record, entry=dataclasses.replace(record.entry, **changes))


# ---------------------------------------------------------------- canonical form and MAC


def test_canonical_form_is_sorted_compact_json_with_utc_microsecond_timestamps():
    bangkok = timezone(timedelta(hours=7))
    made = entry(at=datetime(2026, 3, 1, 16, 30, 15, 5, tzinfo=bangkok),
                 detail={"b": 1, "a": "ကချင်"})
    text = chain.canonical(made).decode("utf-8")
    assert json.loads(text)["at"] == "2026-03-01T09:30:15.000005+00:00"
    assert list(json.loads(text)) == sorted(json.loads(text))
    assert ", " not in text and ": " not in text
    assert '"detail":{"a":"ကချင်","b":1}' in text
    assert json.loads(text)["format"] == chain.FORMAT


def test_same_entry_same_bytes_whatever_the_order_or_zone_it_was_given_in():
    utc = entry(detail={"a": 1, "b": [1, 2]})
    elsewhere = entry(at=AT.astimezone(timezone(timedelta(hours=-5))) + timedelta(minutes=1),
                      detail={"b": [1, 2], "a": 1})
    assert chain.canonical(utc) == chain.canonical(elsewhere)


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        chain.canonical(entry(at=datetime(2026, 3, 1, 9, 30)))


@pytest.mark.parametrize(("field", "value"), [
    ("seq", 2), ("prev_hash", "1" * 64), ("key_id", OTHER.key_id),
    ("at", AT + timedelta(microseconds=1)), ("actor_id", None), ("actor_id", 8),
    ("action", "transcript_viewed"), ("subject_type", "ticket"), ("subject_id", "11"),
    ("detail", {"ticket_id": 2}), ("detail", {"ticket_id": "1"}),
])
def test_every_field_is_covered_by_the_mac(field, value):
    original = entry()
    assert chain.mac(KEY, dataclasses.replace(original, **{field: value})) != chain.mac(
        KEY, original)


def test_the_key_is_derived_under_a_label_and_named_without_revealing_it():
    again = chain.derive_key("test-secret-key-that-is-long-enough")
    assert again == KEY and KEY.key_id != OTHER.key_id
    assert len(KEY.key_id) == 16 and KEY.key_id not in KEY.secret.hex()
    assert KEY.secret.hex() not in repr(KEY) and "secret" not in repr(KEY)
    assert chain.mac(KEY, entry()) != chain.mac(OTHER, entry())


def test_detail_is_macd_as_it_reads_back_from_json():
    assert chain.as_json_value({1: (2, 3), "x": None}) == {"1": [2, 3], "x": None}
    assert chain.as_json_value(None) == {}


# ---------------------------------------------------------------- verification


def test_an_intact_chain_verifies_and_names_its_head():
    records = written(5)
    report = chain.verify(records, keyring(KEY), head=chain.Head(5, records[-1].entry_hash))
    assert report.ok and report.entries == report.verified == 5
    assert report.last == chain.Head(5, records[-1].entry_hash)
    assert report.key_ids == (KEY.key_id,)


def test_an_empty_log_verifies():
    report = chain.verify([], keyring(KEY), head=chain.Head(0, chain.GENESIS))
    assert report.ok and report.entries == 0 and report.last is None


def test_content_changed_after_the_fact_is_altered():
    records = written(4)
    records[1] = replaced(records[1], action="nothing_to_see")
    report = chain.verify(records, keyring(KEY))
    assert codes(report) == [(chain.ALTERED, 2)]
    assert report.verified == 3


def test_an_entry_inserted_without_the_key_is_forged():
    records = written(3)
    fake = entry(4, records[-1].entry_hash, action="login")
    records.append(chain.StoredEntry(id=4, entry=fake, entry_hash=chain.mac(OTHER, fake)))
    # The application wrote on after it: chained to the forged entry's real content.
    records = written(1, start=records)
    assert codes(chain.verify(records, keyring(KEY))) == [(chain.FORGED, 4)]


def test_a_bad_newest_entry_cannot_be_classified_but_is_reported():
    records = written(3)
    records[-1] = replaced(records[-1], subject_id="99")
    report = chain.verify(records, keyring(KEY), head=chain.Head(3, records[-1].entry_hash))
    assert codes(report) == [(chain.BAD_MAC, 3)]


def test_a_deleted_entry_leaves_a_gap():
    records = written(5)
    del records[1:3]
    report = chain.verify(records, keyring(KEY))
    assert codes(report) == [(chain.MISSING, 2)]
    assert "entries 2–3 are missing" in report.problems[0].line()


def test_deleting_the_newest_entries_shows_against_the_head_row():
    records = written(5)
    head = chain.Head(5, records[-1].entry_hash)
    report = chain.verify(records[:3], keyring(KEY), head=head)
    assert codes(report) == [(chain.MISSING, 4)]


def test_with_the_head_row_rewritten_too_only_an_anchor_shows_the_truncation():
    records = written(5)
    anchor = chain.Head(5, records[-1].entry_hash)
    truncated, head = records[:3], chain.Head(3, records[2].entry_hash)
    assert chain.verify(truncated, keyring(KEY), head=head).ok
    report = chain.verify(truncated, keyring(KEY), head=head, anchor=anchor)
    assert codes(report) == [(chain.MISSING, 5)]


def test_an_anchor_whose_hash_changed_means_the_log_was_rewritten():
    records = written(3)
    anchor = chain.Head(2, "f" * 64)
    assert codes(chain.verify(records, keyring(KEY), anchor=anchor)) == [
        (chain.ANCHOR_MISMATCH, 2)]


def test_a_replaced_entry_breaks_the_link_to_it():
    records = written(3)
    other = written(3, keys=(OTHER,))
    records[1] = chain.StoredEntry(id=2, entry=dataclasses.replace(
        other[1].entry, key_id=KEY.key_id), entry_hash="e" * 64)
    report = chain.verify(records, keyring(KEY))
    assert (chain.BROKEN_LINK, 3) in codes(report)
    assert (chain.BAD_MAC, 2) in codes(report)


def test_the_first_entry_must_start_the_chain():
    records = written(2)
    records[0] = chain.StoredEntry(id=1, entry=entry(1, "a" * 64), entry_hash=chain.mac(
        KEY, entry(1, "a" * 64)))
    assert (chain.BROKEN_LINK, 1) in codes(chain.verify(records, keyring(KEY)))


def test_a_duplicate_seq_is_reported():
    records = written(3)
    records.insert(2, records[1])
    assert (chain.DUPLICATE_SEQ, 2) in codes(chain.verify(records, keyring(KEY)))


def test_after_a_rotation_old_entries_need_the_old_key():
    records = written(6, keys=(OTHER, KEY))
    both = chain.verify(records, keyring(KEY, OTHER))
    assert both.ok and both.key_ids == (OTHER.key_id, KEY.key_id)
    current_only = chain.verify(records, keyring(KEY))
    assert codes(current_only) == [(chain.UNKNOWN_KEY, n) for n in (1, 2, 3)]
    assert current_only.verified == 3


def test_a_retired_key_signing_again_is_reported():
    records = written(4, keys=(OTHER, KEY))
    late = entry(5, chain.mac(KEY, records[-1].entry), OTHER)
    records.append(chain.StoredEntry(id=5, entry=late, entry_hash=chain.mac(OTHER, late)))
    assert codes(chain.verify(records, keyring(KEY, OTHER))) == [(chain.KEY_REUSED, 5)]
