"""Rotating HELPLINE_PII_KEY: callers stay linked by number, callback numbers still
decrypt, and once the old key is retired nothing stored yields to it alone. Calls
come in through the real webhook, signed as Twilio signs them; real database."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agent_console.models import StaffUser
from helpline.app import create_app
from helpline.pii import PiiProtector
from helpline.pii_rotation import rotate
from helpline.settings import SettingsError, load_settings
from ivr.models import CallbackRequest, Caller, CallerLinkVersion
from tests.builders import make_environ, signed_post

ROOT = Path(__file__).parents[2]
OLD = base64.urlsafe_b64encode(b"o" * 32).decode()
NEW = base64.urlsafe_b64encode(b"n" * 32).decode()
# A: called before and during the change of keys; B: asked for a callback (so we
# hold their number); C: first called while both keys were listed; never again.
A, B, C = "+66812345601", "+95978123402", "+85512345603"
# D: called once before the change and never gave a number: only layering finds them.
D = "+95978123405"
AGENT_PHONE = "+66899999904"


class Helpline:
    """The app as it runs with one HELPLINE_PII_KEY value."""

    def __init__(self, tmp_path: Path, database_url: str, redis_url: str, keys: str) -> None:
        self.environ = make_environ(tmp_path, DATABASE_URL=database_url, REDIS_URL=redis_url,
                                    HELPLINE_PII_KEY=keys)
        self.app = create_app(load_settings(self.environ), test_config={"TESTING": True})
        self.services = self.app.extensions["helpline"]
        self.client = self.app.test_client()
        self.calls = 0

    def call_from(self, number: str) -> int:
        """A call from `number` through the incoming webhook; the caller's row id."""
        self.calls += 1
        call_sid = f"CA{id(self) % 10**6:06d}{self.calls:026x}"
        response = signed_post(self.client, "/twilio/voice/incoming", {
            "CallSid": call_sid, "AccountSid": "AC" + "1" * 32, "From": number,
            "To": "+661800000102", "CallStatus": "ringing", "Direction": "inbound",
            "ApiVersion": "2010-04-01"})
        assert response.status_code == 200
        with self.services.db.session() as session:
            from ivr.models import Call

            return session.scalar(select(Call.caller_id).where(Call.call_sid == call_sid))

    def close(self) -> None:
        self.services.db.dispose()


@pytest.fixture
def helpline(tmp_path, database_url, redis_url, redis_client):
    opened: list[Helpline] = []

    def start(keys: str) -> Helpline:
        opened.append(Helpline(tmp_path, database_url, redis_url, keys))
        return opened[-1]

    yield start
    for each in opened:
        each.close()


def stored(services) -> dict[str, list[str]]:
    with services.db.session() as session:
        return {
            "links": list(session.scalars(select(Caller.number_hmac))),
            "tokens": [*session.scalars(select(CallbackRequest.number_encrypted)),
                       *session.scalars(select(StaffUser.phone_encrypted)
                                        .where(StaffUser.phone_encrypted.is_not(None)))],
            "sealed": list(session.scalars(select(CallerLinkVersion.sealed_keys))),
        }


def test_rotate_then_retire_the_old_key(helpline):
    before = helpline(OLD)
    a_id, b_id, d_id = before.call_from(A), before.call_from(B), before.call_from(D)
    with before.services.db.session() as session:
        session.add(CallbackRequest(caller_id=b_id, language="my",
                                    number_encrypted=before.services.pii.encrypt(B)))
        session.add(StaffUser(email="phone@example.org", display_name="Phone", role="agent",
                              password_hash="x", answer_mode="number",
                              phone_encrypted=before.services.pii.encrypt(AGENT_PHONE)))
        references = {row.id: row.shown_reference for row in session.scalars(select(Caller))}

    # 1. The new key listed first: old callers are still found, new ones use it.
    both = helpline(f"{NEW},{OLD}")
    assert both.call_from(A) == a_id
    c_id = both.call_from(C)

    # 2. Rotate.
    report = rotate(both.services.db, PiiProtector(both.services.settings.pii_key,
                                                   both.services.settings.pii_retired_keys))
    # B is re-derived from the number we hold and D layered; A was moved by its own
    # call, and C's link records that the new key made it.
    assert report.as_json() == {
        "key_version": both.services.pii.version, "tokens_reencrypted": 2,
        "tokens_unreadable": 0, "links_rederived": 1, "links_layered": 1,
        "links_unknown_key": 0, "complete": True}

    # 3. The old key retired: every caller is found by number, nobody is new.
    after = helpline(NEW)
    assert [after.call_from(number) for number in (A, B, C, D)] == [a_id, b_id, c_id, d_id]
    with after.services.db.session() as session:
        assert session.scalar(select(func.count(Caller.id))) == 4
        callers = {row.id: row for row in session.scalars(select(Caller))}
        assert callers[a_id].call_count == 3 and callers[c_id].call_count == 2
        # Agents keep seeing the references they knew.
        assert {i: callers[i].shown_reference for i in references} == references
        callback = session.scalar(select(CallbackRequest.number_encrypted))
        phone = session.scalar(select(StaffUser.phone_encrypted))
    assert after.services.pii.decrypt(callback) == B
    assert after.services.pii.decrypt(phone) == AGENT_PHONE

    # Nothing stored can be read, or a link recomputed, with the retired key alone.
    retired = PiiProtector(base64.urlsafe_b64decode(OLD))
    now = stored(after.services)
    for token in now["tokens"]:
        with pytest.raises(ValueError):
            retired.decrypt(token)
    for number in (A, B, C, D, AGENT_PHONE):
        assert not set(retired.link_candidates(number)) & set(now["links"])
    assert now["sealed"]  # D's layered link needs OLD's HMAC key, kept sealed under NEW
    for sealed in now["sealed"]:
        with pytest.raises(ValueError):
            retired.open_link_keys(sealed)


def test_rotating_again_changes_nothing_and_a_missing_key_is_reported(helpline):
    old = helpline(OLD)
    old.call_from(A)
    both = helpline(f"{NEW},{OLD}")
    first = rotate(both.services.db, both.services.pii)
    assert first.links_layered == 1 and first.complete
    again = rotate(both.services.db, both.services.pii)
    assert (again.links_layered, again.links_rederived, again.tokens_reencrypted) == (0, 0, 0)
    # A newer key whose operator dropped the key in between: the links can't be moved.
    newest = base64.urlsafe_b64encode(b"w" * 32).decode()
    skipped = helpline(f"{newest},{OLD}")
    report = rotate(skipped.services.db, skipped.services.pii)
    assert report.links_unknown_key == 1 and not report.complete


def test_settings_take_several_keys_newest_first(tmp_path):
    settings = load_settings(make_environ(tmp_path, HELPLINE_PII_KEY=f"{NEW}, {OLD}"))
    assert settings.pii_key == b"n" * 32 and settings.pii_retired_keys == (b"o" * 32,)
    with pytest.raises(SettingsError) as error:
        load_settings(make_environ(tmp_path, HELPLINE_PII_KEY=f"{NEW},not-a-key"))
    assert str(error.value).startswith("HELPLINE_PII_KEY: ")


def test_helpline_pii_rotate_command(helpline, tmp_path):
    old = helpline(OLD)
    old.call_from(A)
    env = {**os.environ, **make_environ(tmp_path, DATABASE_URL=old.environ["DATABASE_URL"],
                                        HELPLINE_PII_KEY=f"{NEW},{OLD}")}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "helpline", "pii", "rotate"], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["complete"] is True
    fresh = subprocess.run([sys.executable, "-m", "helpline", "pii", "new-key"], env=env,
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert len(base64.urlsafe_b64decode(fresh.stdout.strip())) == 32


def test_a_second_row_for_the_same_caller_does_not_stop_the_rotation(helpline):
    old = helpline(OLD)
    first_id = old.call_from(B)
    with old.services.db.session() as session:
        session.add(CallbackRequest(caller_id=first_id, language="my",
                                    number_encrypted=old.services.pii.encrypt(B)))
    both = helpline(f"{NEW},{OLD}")
    with both.services.db.session() as session:
        # As a call racing an earlier rotation could have left it: B under NEW already.
        session.add(Caller(number_hmac=both.services.pii.link_key(B),
                           number_hmac_version=both.services.pii.version))
    report = rotate(both.services.db, both.services.pii)
    # B's first row cannot take the link the second holds: it is layered instead.
    assert (report.links_rederived, report.links_layered, report.complete) == (0, 1, True)
    assert both.call_from(B) != first_id
