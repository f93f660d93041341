"""Webhooks while the database is locked: an answer within 2 s, one apology, a voicemail
that needs no database — on SQLite and PostgreSQL, with the lock held for real by
another connection."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select, text

from helpline.db import make_engine
from ivr.models import Call
from tests.ivr.test_views import sid, spoken, twiml, voice

# What the web may take at most; Twilio itself gives up after 15 s.
WEBHOOK_BUDGET_SECONDS = 2.0
LOCKED_TABLES = "calls, callers, call_events, notices, callback_requests"


@contextmanager
def database_locked(url: str) -> Iterator[None]:
    """Another connection holds the write lock (SQLite) or the tables (PostgreSQL)."""
    if url.startswith("sqlite"):
        holder = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text(f"LOCK TABLE {LOCKED_TABLES} IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            transaction.rollback()
    engine.dispose()


def timed(func, *args, **kwargs):
    started = time.monotonic()
    result = func(*args, **kwargs)
    return result, time.monotonic() - started


def test_a_locked_database_gets_the_caller_an_apology_and_a_voicemail_fast(
        client, database_url, db_session):
    with database_locked(database_url):
        response, elapsed = timed(voice, client, "/twilio/voice/incoming")
    assert elapsed < WEBHOOK_BUDGET_SECONDS
    root = twiml(response)
    heard = spoken(root)
    assert heard[0].endswith("/technical_problem.wav") or "technical_problem" in heard[0]
    record = root.find("./Record")
    assert record is not None, "the caller can leave a message"
    assert "/twilio/recordings/status?kind=voicemail&lang=km" in record.get(
        "recordingStatusCallback")
    assert record.get("action").endswith("/twilio/voice/voicemail/saved?lang=km")
    assert db_session.scalar(select(func.count(Call.id))) == 0


def test_the_step_after_the_fallback_voicemail_needs_no_database(client, database_url):
    path = "/twilio/voice/voicemail/saved?lang=km"
    with database_locked(database_url):
        response, elapsed = timed(voice, client, path, RecordingDuration="14")
    assert elapsed < WEBHOOK_BUDGET_SECONDS
    root = twiml(response)
    assert [url.rsplit("/", 1)[-1].split("?")[0] for url in spoken(root)] == [
        "voicemail_thanks.wav", "goodbye.wav"]
    assert root[-1].tag == "Hangup"
    assert all("technical_problem" not in url for url in spoken(root))


def test_a_voicemail_finished_during_an_outage_is_thanked_not_apologised_for(
        client, database_url):
    voice(client, "/twilio/voice/incoming")   # the call is known; then the database locks
    with database_locked(database_url):
        response, elapsed = timed(voice, client, "/twilio/voice/voicemail/done?lang=km",
                                  RecordingDuration="20")
    assert elapsed < WEBHOOK_BUDGET_SECONDS
    root = twiml(response)
    assert all("technical_problem" not in url for url in spoken(root))
    assert root[-1].tag == "Hangup"


def test_a_step_for_a_call_the_database_does_not_know_ends_after_one_voicemail(client):
    """No loop: the apology's voicemail leads to a step that cannot apologise again."""
    root = twiml(voice(client, "/twilio/voice/main?lang=km&tries=0", call_sid=sid(9),
                       Digits="1"))
    assert sum("technical_problem" in url for url in spoken(root)) == 1
    action = root.find("./Record").get("action")
    after = twiml(voice(client, action[action.index("/twilio"):], call_sid=sid(9),
                        RecordingDuration="9"))
    assert all("technical_problem" not in url for url in spoken(after))
    assert after[-1].tag == "Hangup"


def test_a_status_callback_during_an_outage_is_acknowledged(client, database_url):
    voice(client, "/twilio/voice/incoming")
    with database_locked(database_url):
        response, elapsed = timed(voice, client, "/twilio/voice/status",
                                  CallStatus="completed")
    assert elapsed < WEBHOOK_BUDGET_SECONDS and response.status_code == 204
