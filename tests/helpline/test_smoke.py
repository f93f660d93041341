"""The smoke run `make test` repeats on Python 3.13 (`pytest -m smoke` in .venv313):
`helpline run` starts the whole stack on its embedded defaults (the system's
redis-server, SQLite, the stand-in), a caller leaves a voicemail through the stand-in,
and the recording is downloaded, decoded by ffmpeg, stored, deleted at the stand-in and
turned into a ticket. Real processes, real HTTP, nothing in-process."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests
from sqlalchemy import select

from cases.models import Ticket
from helpline.db import Database
from helpline.settings import load_settings
from recordings.models import Recording
from tests.helpline.test_first_run import LocalRun, environ

pytestmark = [pytest.mark.smoke, pytest.mark.slow]

KHMER_LINE = "+661800000102"  # the demo's Khmer line; 2 in its menu leaves a voicemail


def test_a_voicemail_left_on_the_running_stack_becomes_a_ticket(tmp_path):
    run = LocalRun(tmp_path, "--port", "0", "--stand-in-port", "0")
    try:
        found = run.wait_banner()
        assert run.banner_ready == 200, run.output[-3000:]
        done = subprocess.run(
            [sys.executable, "-m", "helpline", "call", "--to", KHMER_LINE, "--press", "2",
             "--say", "My employer kept my passport and my wages", "--json"],
            env=environ(run.instance), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        report = json.loads(done.stdout)
        assert report["via"] == found.stand_in_url
        assert report["outcome"]["kind"] == "voicemail", report
        assert all(200 <= hook["status"] < 300 for hook in report["webhooks"])
        sid = report["outcome"]["recording_sid"]

        settings = load_settings(environ(run.instance))
        database = Database(settings.database_url)
        recording = _wait_stored(database, sid)
        assert (recording.kind, recording.language) == ("voicemail", "km")
        assert recording.deleted_at_twilio_at is not None
        with database.session() as session:
            ticket = session.get(Ticket, recording.ticket_id)
            assert ticket is not None
            assert (ticket.language, ticket.source) == ("km", "voicemail")
        gone = requests.get(f"{found.stand_in_url}/2010-04-01/Accounts/"
                            f"{settings.twilio_account_sid}/Recordings/{sid}.json",
                            auth=(settings.twilio_account_sid, settings.twilio_auth_token),
                            timeout=5)
        assert gone.status_code == 404
    finally:
        assert run.stop() == []


def _wait_stored(database: Database, sid: str, timeout: float = 120) -> Recording:
    deadline = time.monotonic() + timeout
    status = "never called back"
    while time.monotonic() < deadline:
        with database.session() as session:
            recording = session.scalar(select(Recording).where(Recording.recording_sid == sid))
            if recording is not None:
                status = f"{recording.status} {recording.error or ''}"
                if recording.status == "stored":
                    session.expunge(recording)
                    return recording
        time.sleep(0.5)
    raise AssertionError(f"recording {sid} not stored in {timeout:.0f} s: {status}")
