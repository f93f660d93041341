"""Every play of a recording and every view of a transcript is audited; only staff
who speak the language (or hold the ticket) get them at all."""

from __future__ import annotations

from sqlalchemy import select

from agent_console.models import AuditEntry
from cases.models import Ticket
from tests.agent_console.records import add_recording, add_transcript


def audit_rows(services, action: str) -> list[AuditEntry]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_playing_a_recording_streams_the_file_and_audits_it(csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    recording = add_recording(services)
    agent = as_role("km_agent")
    response = agent.get(f"/console/recordings/{recording}/audio")
    assert response.status_code == 200
    assert response.mimetype in ("audio/wav", "audio/x-wav")
    assert response.data[:4] == b"RIFF"
    assert "no-store" in response.headers["Cache-Control"]
    (entry,) = audit_rows(services, "recording_played")
    assert entry.actor_id == staff["km_agent"].id
    assert entry.subject_type == "recording" and entry.subject_id == str(recording)


def test_seeking_fetches_ranges_without_a_new_audit_row(csrf_app, as_role):
    services = csrf_app.extensions["helpline"]
    recording = add_recording(services)
    agent = as_role("km_agent")
    first = agent.get(f"/console/recordings/{recording}/audio", headers={"Range": "bytes=0-"})
    assert first.status_code == 206
    seek = agent.get(f"/console/recordings/{recording}/audio",
                     headers={"Range": "bytes=16000-"})
    assert seek.status_code == 206
    assert len(audit_rows(services, "recording_played")) == 1


def test_viewing_a_transcript_is_audited_and_words_seek(csrf_app, as_role):
    services = csrf_app.extensions["helpline"]
    recording = add_recording(services)
    add_transcript(services, recording_id=recording)
    page = as_role("km_agent").get(f"/console/recordings/{recording}").get_data(as_text=True)
    assert 'class="word" data-start="0.8" data-end="1.0"' in page
    assert "salary" in page and "paid" in page
    (entry,) = audit_rows(services, "transcript_viewed")
    assert entry.subject_id == str(recording)


def test_a_recording_awaiting_a_human_transcript_says_so(csrf_app, as_role):
    services = csrf_app.extensions["helpline"]
    recording = add_recording(services)
    add_transcript(services, recording_id=recording, status="awaiting_human")
    page = as_role("km_agent").get(f"/console/recordings/{recording}").get_data(as_text=True)
    assert "waiting for a person to transcribe it" in page
    assert audit_rows(services, "transcript_viewed") == []  # no text was shown
    queue = as_role("km_agent").get("/console/agent/lists/transcription").get_data(as_text=True)
    assert f"/console/recordings/{recording}" in queue


def test_recordings_outside_the_agents_languages_are_refused_and_not_audited(csrf_app,
                                                                            as_role):
    services = csrf_app.extensions["helpline"]
    recording = add_recording(services, language="my")
    add_transcript(services, recording_id=recording, language="my")
    agent = as_role("km_agent")
    assert agent.get(f"/console/recordings/{recording}").status_code == 403
    assert agent.get(f"/console/recordings/{recording}/audio").status_code == 403
    assert audit_rows(services, "recording_played") == []
    assert audit_rows(services, "transcript_viewed") == []


def test_the_assignee_of_the_ticket_may_play_it(csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    with services.db.session() as session:
        ticket = Ticket(language="my", assignee_id=staff["km_agent"].id)
        session.add(ticket)
        session.flush()
        ticket_id = ticket.id
    recording = add_recording(services, language="my", ticket_id=ticket_id)
    assert as_role("km_agent").get(f"/console/recordings/{recording}/audio").status_code == 200


def test_a_recording_without_stored_audio_is_404(csrf_app, as_role):
    services = csrf_app.extensions["helpline"]
    recording = add_recording(services, audio=False)
    agent = as_role("km_agent")
    assert agent.get(f"/console/recordings/{recording}/audio").status_code == 404
    assert "not available" in agent.get(f"/console/recordings/{recording}").get_data(
        as_text=True)
    assert audit_rows(services, "recording_played") == []


def test_storage_paths_outside_recordings_dir_are_never_served(csrf_app, as_role, tmp_path):
    services = csrf_app.extensions["helpline"]
    recording = add_recording(services)
    outside = tmp_path / "secret.wav"
    outside.write_bytes(b"RIFF....")
    from recordings.models import Recording
    with services.db.session() as session:
        session.get(Recording, recording).storage_path = "../secret.wav"
    assert as_role("km_agent").get(f"/console/recordings/{recording}/audio").status_code == 404
