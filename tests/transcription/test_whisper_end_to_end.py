"""End to end on the demo configuration: an Indonesian caller leaves a voicemail
through the IVR and the stand-in, Whisper makes a machine draft, the Indonesian
agent finds it pre-filled in the human-transcription queue of the console, corrects
it over HTTP, and the ticket shows the correction — with the draft kept and both
steps in the audit log."""

from __future__ import annotations

import html

import pytest
import requests
from sqlalchemy import select

from agent_console.models import AuditEntry
from cases.models import Ticket
from helpline.demo import DEMO_PASSWORD, seed_demo
from recordings.models import Recording
from transcription.accuracy import character_error_rate
from transcription.models import MachineDraft, Transcript

pytestmark = pytest.mark.slow

INDONESIAN_LINE = "+601800881010"
SAID = "Majikan saya tidak membayar gaji saya selama tiga bulan"
CORRECTED = "Majikan saya tidak membayar gaji saya selama tiga bulan. Tolong bantu saya."


def console_as(stand_in, email: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{stand_in.app_url}/login",
                            data={"email": email, "password": DEMO_PASSWORD},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return session


def test_an_indonesian_voicemail_gets_a_draft_an_agent_corrects(stand_in):
    with stand_in.services.db.session() as session:
        seed_demo(session)
    result = stand_in.call(to=INDONESIAN_LINE, press=["2"], say=SAID, voice="id")
    assert result.outcome["kind"] == "voicemail", result.json
    stand_in.work()   # download
    stand_in.work()   # transcription: Whisper, the demo's engine for Indonesian
    with stand_in.services.db.session() as session:
        recording = session.scalars(select(Recording)).one()
        assert (recording.status, recording.language) == ("stored", "id"), recording.error
        transcript = session.scalars(select(Transcript)).one()
        assert (transcript.status, transcript.text, transcript.error) == (
            "awaiting_human", None, None)
        draft = session.scalars(select(MachineDraft)).one()
        assert (draft.transcript_id, draft.status, draft.engine) == (
            transcript.id, "offered", "whisper")
        assert draft.text and draft.words and draft.cpu_seconds > 0
        # Rough, as Whisper base is on synthetic Indonesian, but worth correcting.
        assert character_error_rate(SAID, draft.text) < 0.6, draft.text
        transcript_id, ticket_id, draft_text = transcript.id, recording.ticket_id, draft.text

    app = stand_in.app_url
    sari = console_as(stand_in, "sari@helpline.example")
    queue = sari.get(f"{app}/api/transcription/queue", timeout=10).json()["items"]
    assert [(i["id"], i["machine_draft"]["status"], i["machine_draft"]["text"])
            for i in queue] == [(transcript_id, "offered", draft_text)]
    listed = sari.get(f"{app}/console/agent/lists/transcription", timeout=10)
    assert listed.status_code == 200 and 'data-machine-draft="offered"' in listed.text
    page = sari.get(f"{app}/console/recordings/{recording.id}", timeout=10)
    assert page.status_code == 200
    assert f">{html.escape(draft_text)}</textarea>" in page.text, "the draft is pre-filled"
    assert 'data-machine-draft="offered"' in page.text

    claimed = sari.post(f"{app}/api/transcription/{transcript_id}/claim", json={},
                        timeout=10)
    assert claimed.status_code == 200, claimed.text
    submitted = sari.post(f"{app}/api/transcription/{transcript_id}/submit",
                          json={"text": CORRECTED}, timeout=10)
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()["transcript"]
    assert (body["status"], body["engine"], body["text"]) == ("done", "human", CORRECTED)
    assert body["machine_draft"]["text"] == draft_text

    ticket_page = sari.get(f"{app}/console/tickets/{ticket_id}", timeout=10)
    assert ticket_page.status_code == 200
    assert html.escape(CORRECTED) in ticket_page.text
    if draft_text != CORRECTED:
        assert html.escape(draft_text) not in ticket_page.text, "the ticket shows the correction"
    assert sari.get(f"{app}/api/transcription/queue", timeout=10).json()["items"] == []

    with stand_in.services.db.session() as session:
        draft = session.scalars(select(MachineDraft)).one()
        assert draft.text == draft_text, "the machine's version is kept as it was"
        assert session.get(Transcript, transcript_id).text == CORRECTED
        assert session.get(Ticket, ticket_id).language == "id"
        entries = {e.action: e for e in session.scalars(
            select(AuditEntry).where(AuditEntry.subject_type.in_(("transcript", "recording"))))}
        submit = entries["submit_transcript"].detail
        assert submit["machine_draft_id"] == draft.id and submit["corrected"] is True
        assert 0 <= submit["similarity_to_draft"] < 1
        viewed = [e.detail for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "transcript_viewed"))]
        assert {"machine_drafts": [draft.id]}.items() <= viewed[0].items()
        assert any(d.get("where") == "ticket" and d["transcripts"] == [transcript_id]
                   for d in viewed)
        # The audit keeps which draft and how much changed, never the words.
        assert CORRECTED not in str(submit) and draft_text not in str(submit)
