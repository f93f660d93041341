"""The webhook hot path: short write transactions, commits that wait for the disk only
for what a caller gave us, and TwiML rendered once until prompts change."""

from __future__ import annotations

import threading

from sqlalchemy import event, func, select

from ivr.models import Call, CallbackRequest, Caller
from prompts.freshness import PromptsVersion, VersionedCache
from tests.ivr.test_views import CALLER, sid, twiml, voice


def _synchronous_at_each_commit(services) -> list[int]:
    """PRAGMA synchronous as each web transaction commits (1 = NORMAL, 2 = FULL)."""
    levels: list[int] = []

    @event.listens_for(services.db.engine, "commit")
    def _record(connection) -> None:
        levels.append(connection.exec_driver_sql("PRAGMA synchronous").scalar())

    return levels


def test_sqlite_commits_wait_for_the_disk_only_for_a_callback_number(client, services):
    if not services.db.is_sqlite:
        return  # PostgreSQL commits are always synchronous
    levels = _synchronous_at_each_commit(services)
    voice(client, "/twilio/voice/incoming")
    voice(client, "/twilio/voice/main?lang=km&tries=0", Digits="3")
    assert levels and set(levels) == {1}, "menus commit without an fsync"
    seen = len(levels)
    voice(client, "/twilio/voice/callback/choice?lang=km", Digits="1")
    assert 2 in levels[seen:], "the callback request's commit is synchronous=FULL"
    seen = len(levels)
    voice(client, "/twilio/voice/status", CallStatus="completed", CallDuration="30")
    assert levels[seen:] and set(levels[seen:]) == {1}, "then back to NORMAL"


def test_calls_from_one_number_share_one_caller_row_counted_once_per_call(client, db_session,
                                                                          services):
    for n in (1, 2, 3):
        voice(client, "/twilio/voice/incoming", call_sid=sid(n))
    voice(client, "/twilio/voice/incoming", call_sid=sid(3))  # Twilio retries one
    caller = db_session.scalar(select(Caller))
    assert db_session.scalar(select(func.count(Caller.id))) == 1
    assert caller.call_count == 3
    # Which PII keys made the link: a key rotation needs to know (helpline.pii).
    assert caller.number_hmac_version == services.pii.version
    assert set(db_session.scalars(select(Call.caller_id))) == {caller.id}
    assert db_session.scalar(select(func.count(Call.id))) == 3


def test_many_threads_answering_at_once_all_store_their_call(app, services, db_session):
    """16 threads (a gunicorn worker's count) of new calls at once: every call stored,
    no apology — the write gate queues them instead of SQLite's busy handler."""
    failures: list[str] = []

    def caller(thread: int) -> None:
        client = app.test_client()
        for n in range(10):
            root = twiml(voice(client, "/twilio/voice/incoming", call_sid=sid(thread * 100 + n),
                               From=f"+6681{thread:03d}{n:04d}"))
            if any("technical_problem" in (el.text or "") for el in root.iter("Play")):
                failures.append(f"apology for call {thread}/{n}")

    threads = [threading.Thread(target=caller, args=(t,)) for t in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    assert db_session.scalar(select(func.count(Call.id))) == 160
    assert db_session.scalar(select(func.count(Caller.id))) == 160


def test_prompts_version_moves_on_bump_across_processes_and_with_age(redis_client):
    now = [1000.0]
    here = PromptsVersion(redis_client, clock=lambda: now[0])
    elsewhere = PromptsVersion(redis_client, clock=lambda: now[0])
    first_here, first_elsewhere = here.current(), elsewhere.current()
    here.bump()
    assert here.current() != first_here, "the changing process sees it at once"
    assert elsewhere.current() == first_elsewhere, "others read Redis at most once a second"
    now[0] += 1.0
    moved = elsewhere.current()
    assert moved != first_elsewhere, "…and see it within the second"
    now[0] += 30.0
    assert elsewhere.current() != moved, "and every version turns over with age"


def test_versioned_cache_builds_once_per_version_and_stays_bounded(redis_client):
    version = PromptsVersion(redis_client)
    cache = VersionedCache(version, max_entries=3)
    builds: list[str] = []

    def build(key: str):
        return lambda: builds.append(key) or key.upper()

    assert cache.get("a", build("a")) == "A" and cache.get("a", build("a")) == "A"
    assert builds == ["a"]
    version.bump()
    assert cache.get("a", build("a")) == "A" and builds == ["a", "a"]
    for key in "bcde":
        cache.get(key, build(key))
    assert len(cache._entries) <= 3


def test_callback_request_is_stored_with_the_durable_commit(client, db_session, services):
    voice(client, "/twilio/voice/incoming")
    voice(client, "/twilio/voice/main?lang=km&tries=0", Digits="3")
    voice(client, "/twilio/voice/callback/choice?lang=km", Digits="1")
    request = db_session.scalar(select(CallbackRequest))
    assert services.pii.decrypt(request.number_encrypted) == CALLER
