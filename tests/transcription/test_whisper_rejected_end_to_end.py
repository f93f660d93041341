"""End to end, a draft the guard rejects: with Thai configured for Whisper, a Thai
caller's voicemail (espeak-ng Thai, which Whisper base turns into a repetition loop)
is rejected within its CPU budget and waits in the human-transcription queue marked
"machine draft rejected", with nothing pre-filled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
import yaml
from sqlalchemy import select

from helpline.demo import DEMO_PASSWORD, seed_demo
from helpline.settings import DEMO_CONFIG
from tests.recordings import media
from transcription import draft_guard
from transcription.models import MachineDraft, Transcript

pytestmark = pytest.mark.slow

THAI_LAO_LINE = "+661800000103"
THAI = "นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว"


@pytest.fixture
def stand_in_environ(tmp_path: Path) -> dict[str, str]:
    config = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    config["transcription"]["engines"]["th"] = "whisper"
    path = tmp_path / "thai-on-whisper.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return {"HELPLINE_CONFIG": str(path)}


def test_a_thai_voicemail_that_loops_goes_to_people_marked_rejected(stand_in, tmp_path):
    with stand_in.services.db.session() as session:
        seed_demo(session)
    # Spoken as tests/recordings/media speaks: a careful caller, a pause between words.
    message = media.speak(THAI, tmp_path / "thai.wav", voice="th")
    # 1: Thai in the line's language menu, then 2: leave a message.
    result = stand_in.call(to=THAI_LAO_LINE, press=["1", "2"], say_file=str(message))
    assert result.outcome["kind"] == "voicemail", result.json
    stand_in.work()
    stand_in.work()
    limits = stand_in.services.config.transcription.whisper
    with stand_in.services.db.session() as session:
        transcript = session.scalars(select(Transcript)).one()
        draft = session.scalars(select(MachineDraft)).one()
        assert transcript.language == "th"
        assert transcript.status == "awaiting_human"
        assert (transcript.error or "").startswith("machine draft rejected: "), draft.text
        assert (draft.status, draft.rejected_reason) == ("rejected", transcript.error)
        budget = draft_guard.cpu_budget(
            draft.audio_seconds, per_audio_second=limits.cpu_seconds_per_audio_second,
            minimum=limits.min_cpu_seconds)
        assert draft.cpu_seconds <= budget, (draft.cpu_seconds, budget)
        transcript_id, recording_id = transcript.id, transcript.recording_id

    nok = requests.Session()
    assert nok.post(f"{stand_in.app_url}/login", allow_redirects=False, timeout=10,
                    data={"email": "nok@helpline.example",
                          "password": DEMO_PASSWORD}).status_code == 302
    queue = nok.get(f"{stand_in.app_url}/api/transcription/queue", timeout=10).json()
    [item] = queue["items"]
    assert item["id"] == transcript_id
    assert item["error"].startswith("machine draft rejected: ")
    assert item["machine_draft"]["status"] == "rejected"
    assert item["machine_draft"]["text"] is None, "a rejected draft is offered to nobody"
    listed = nok.get(f"{stand_in.app_url}/console/agent/lists/transcription", timeout=10)
    assert 'data-machine-draft="rejected"' in listed.text
    assert "machine draft rejected" in listed.text
    page = nok.get(f"{stand_in.app_url}/console/recordings/{recording_id}", timeout=10)
    assert 'data-machine-draft="rejected"' in page.text
    # Nothing pre-filled: the textarea of this transcript is empty.
    assert re.search(rf'<textarea id="human-text-{transcript_id}"[^>]*></textarea>', page.text)
