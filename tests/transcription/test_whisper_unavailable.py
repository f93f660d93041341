"""When Whisper cannot run — here its model fails the sha256 check — a voicemail in a
language configured for it goes to people with the reason, through the real job,
and the model is never loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpline import queues
from helpline.settings import Settings, load_settings
from tests.builders import make_environ
from tests.recordings.test_pipeline import run_jobs
from tests.transcription.conftest import KOREAN_CONFIG
from tests.transcription.test_jobs import leave_voicemail
from transcription import registry as registry_module
from transcription import whisper_model
from transcription.models import MachineDraft, Transcript

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_url: str, twilio_rest) -> Settings:
    config = yaml.safe_load(KOREAN_CONFIG.read_text(encoding="utf-8"))
    config["transcription"] = {"engines": {"en": "whisper"}}
    path = tmp_path / "english-on-whisper.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    good = whisper_model.assemble(load_settings(make_environ(tmp_path)).model_cache_dir)
    broken = tmp_path / "models" / whisper_model.FOLDER_NAME
    broken.mkdir(parents=True)
    for name in whisper_model.SHA256:
        if name != "tokenizer.json":
            (broken / name).symlink_to(good / name)
    (broken / "tokenizer.json").write_bytes(b"{}")
    return load_settings(make_environ(
        tmp_path, DATABASE_URL=database_url, REDIS_URL=redis_url,
        TWILIO_API_BASE=twilio_rest.media_base_url, HELPLINE_CONFIG=str(path),
        HELPLINE_MODEL_CACHE=str(tmp_path / "models")))


def test_a_model_failing_its_checksum_sends_the_voicemail_to_people_with_the_reason(
        app, client, services, redis_client, twilio_rest, voicemail_audio):
    loads = registry_module.load_count
    leave_voicemail(client, services, twilio_rest, voicemail_audio["mulaw"].read_bytes(),
                    language="en", number="+661800000199")
    run_jobs(app, redis_client, queues.RECORDINGS, queues.TRANSCRIPTION)
    with services.db.session() as session:
        transcript = session.query(Transcript).one()
        assert (transcript.status, transcript.language) == ("awaiting_human", "en")
        assert transcript.error.startswith("machine transcription unavailable: ")
        assert "tokenizer.json: sha256" in transcript.error
        assert session.query(MachineDraft).count() == 0
    assert registry_module.load_count == loads, "the model was not loaded"
