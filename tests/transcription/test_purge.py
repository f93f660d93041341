"""Retention: expired audio and transcript text go; tickets stay; all is audited."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from agent_console.models import AuditEntry
from cases.models import Ticket
from helpline.db import utcnow
from recordings import storage
from recordings.jobs import purge_expired_audio
from recordings.models import Recording
from tests.recordings.conftest import new_sid
from transcription.models import Transcript


def held(services, session, *, age_days: int, ticket: Ticket) -> Recording:
    sid = new_sid("RE")
    stored = storage.write_private(
        storage.path_for(services.settings.recordings_dir, sid, ".wav"), b"RIFF audio")
    recording = Recording(recording_sid=sid, kind="voicemail", language="km", status="stored",
                          storage_path=str(stored.path), channels=1, attempts=1,
                          ticket_id=ticket.id,
                          created_at=utcnow() - timedelta(days=age_days))
    session.add(recording)
    session.flush()
    session.add(Transcript(recording_id=recording.id, language="km", status="done",
                           text="words", created_at=utcnow() - timedelta(days=age_days)))
    return recording


def test_purge_removes_expired_audio_and_text_and_audits(app, services):
    retention = services.config.retention  # demo: audio 90 days, transcripts 365
    with services.db.session() as session:
        ticket = Ticket(language="km", source="voicemail", notes="")
        session.add(ticket)
        session.flush()
        old = held(services, session, age_days=retention.transcript_days + 1, ticket=ticket)
        middle = held(services, session, age_days=retention.audio_days + 1, ticket=ticket)
        fresh = held(services, session, age_days=1, ticket=ticket)
    with app.app_context():
        assert purge_expired_audio() == {"purged_audio": 2, "purged_transcripts": 1}
        assert purge_expired_audio() == {"purged_audio": 0, "purged_transcripts": 0}
    with services.db.session() as session:
        by_id = {r.id: r for r in session.query(Recording)}
        for gone in (old, middle):
            assert by_id[gone.id].status == "purged"
            assert by_id[gone.id].purged_at is not None
            assert by_id[gone.id].storage_path is None
        assert by_id[fresh.id].status == "stored"
        texts = {t.recording_id: t.text for t in session.query(Transcript)}
        assert texts == {old.id: None, middle.id: "words", fresh.id: "words"}
        assert session.get(Ticket, ticket.id) is not None
        audit = sorted((a.action, a.subject_id) for a in session.query(AuditEntry))
    assert not Path(old.storage_path).exists() and not Path(middle.storage_path).exists()
    assert Path(fresh.storage_path).exists()
    old_transcript = _transcript_id(services, old.id)
    assert audit == sorted([("purge_audio", str(old.id)), ("purge_audio", str(middle.id)),
                            ("purge_transcript", old_transcript)])


def _transcript_id(services, recording_id: int) -> str:
    with services.db.session() as session:
        return str(session.query(Transcript).filter_by(recording_id=recording_id).one().id)


def test_purge_clears_a_machine_drafts_text_with_its_transcript(app, services):
    from transcription.models import MachineDraft

    days = services.config.retention.transcript_days
    drafts = {}
    with services.db.session() as session:
        ticket = Ticket(language="id", source="voicemail", notes="")
        session.add(ticket)
        session.flush()
        for age in (days + 1, 1):
            recording = held(services, session, age_days=age, ticket=ticket)
            transcript = session.query(Transcript).filter_by(recording_id=recording.id).one()
            draft = MachineDraft(transcript_id=transcript.id, status="offered",
                                 engine="whisper", model_id="whisper-base", text="kata kata",
                                 words=[{"word": "kata", "start": 0.0, "end": 0.4,
                                         "confidence": 0.9}])
            session.add(draft)
            session.flush()
            drafts[age] = draft.id
    with app.app_context():
        purge_expired_audio()
    with services.db.session() as session:
        expired, fresh = (session.get(MachineDraft, drafts[days + 1]),
                          session.get(MachineDraft, drafts[1]))
        assert (expired.text, expired.words) == (None, None)
        assert expired.engine == "whisper", "what made it stays; the caller's words go"
        assert fresh.text == "kata kata" and fresh.words
