"""The human-transcription queue API: languages, claims, submissions, audit."""

from __future__ import annotations

from agent_console.models import AuditEntry
from recordings.models import Recording
from tests.builders import create_staff_member, login_as
from tests.recordings.conftest import new_sid
from transcription.models import Transcript


def waiting(session, language: str) -> Transcript:
    recording = Recording(recording_sid=new_sid("RE"), kind="voicemail", language=language,
                          status="stored", channels=1, attempts=1)
    session.add(recording)
    session.flush()
    transcript = Transcript(recording_id=recording.id, channel="mono", language=language,
                            status="awaiting_human")
    session.add(transcript)
    session.flush()
    return transcript


def test_queue_needs_login(client):
    assert client.get("/api/transcription/queue").status_code == 401


def test_agent_sees_claims_and_submits_only_their_languages(client, services):
    with services.db.session() as session:
        agent = create_staff_member(session, email="k@example.org", skills={"km": 5})
        other = create_staff_member(session, email="n@example.org", skills={"km": 4},
                                    display_name="Other")
        khmer, nepali = waiting(session, "km"), waiting(session, "ne")
    login_as(client, agent)
    items = client.get("/api/transcription/queue").get_json()["items"]
    assert [i["id"] for i in items] == [khmer.id]
    assert items[0]["audio_url"] == f"/api/recordings/{khmer.recording_id}/audio"
    assert client.post(f"/api/transcription/{nepali.id}/claim").status_code == 404

    assert client.post(f"/api/transcription/{khmer.id}/submit",
                       json={"text": "x"}).status_code == 409  # claim first
    claimed = client.post(f"/api/transcription/{khmer.id}/claim").get_json()["transcript"]
    assert (claimed["status"], claimed["claimed_by_id"]) == ("claimed", agent.id)

    other_client = client.application.test_client()
    login_as(other_client, other)
    assert other_client.post(f"/api/transcription/{khmer.id}/claim").status_code == 409
    assert other_client.get("/api/transcription/queue").get_json()["items"] == []

    assert client.post(f"/api/transcription/{khmer.id}/submit",
                       json={"text": "  "}).status_code == 400
    done = client.post(f"/api/transcription/{khmer.id}/submit",
                       json={"text": "ខ្ញុំមិនបានទទួលប្រាក់ខែ"}).get_json()["transcript"]
    assert (done["status"], done["engine"], done["text"]) == (
        "done", "human", "ខ្ញុំមិនបានទទួលប្រាក់ខែ")
    assert client.get(f"/api/transcription/{khmer.id}").status_code == 200
    with services.db.session() as session:
        actions = [(a.action, a.actor_id) for a in session.query(AuditEntry)
                   .filter(AuditEntry.subject_id == str(khmer.id)).order_by(AuditEntry.id)]
    assert actions == [("claim_transcript", agent.id), ("submit_transcript", agent.id),
                       ("view_transcript", agent.id)]


def test_supervisor_sees_every_language(client, services):
    with services.db.session() as session:
        boss = create_staff_member(session, email="s@example.org", role="supervisor",
                                   skills={})
        waiting(session, "km"), waiting(session, "ne")
    login_as(client, boss)
    items = client.get("/api/transcription/queue").get_json()["items"]
    assert sorted(i["language"] for i in items) == ["km", "ne"]
    assert [i["language"] for i in client.get(
        "/api/transcription/queue?language=ne").get_json()["items"]] == ["ne"]
