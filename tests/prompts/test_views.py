"""The audio view over the real app: Twilio-playable audio, caching headers, 304s, and
nothing reachable outside the whitelist."""

from __future__ import annotations

import wave
from io import BytesIO

import pytest


@pytest.fixture
def resolver(services):
    return services.extras["prompts"]


def test_init_app_builds_one_resolver_with_the_instance_cache(app, services, resolver):
    assert resolver.cache_dir == services.settings.instance_dir / "prompt-cache"
    assert resolver.config is services.config


def test_a_resolved_url_serves_8khz_mono_wav_with_caching_headers(client, resolver):
    [said] = resolver.resolve("queue_position", "my", {"position": 3})
    response = client.get(said.url)
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert response.cache_control.public and response.cache_control.max_age >= 3600
    assert response.headers["ETag"]
    with wave.open(BytesIO(response.data)) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (8000, 1, 2)
        assert audio.getnframes() / 8000 > 0.3


def test_conditional_get_answers_304(client, resolver):
    [said] = resolver.resolve("goodbye", "en")
    first = client.get(said.url)
    again = client.get(said.url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    changed = client.get(said.url, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200


def test_mp3_is_served_too(client):
    response = client.get("/prompts/audio/id/goodbye.mp3")
    assert response.status_code == 200 and response.mimetype == "audio/mpeg"
    assert response.data[:3] == b"ID3" or response.data[0] == 0xFF


def test_the_menu_option_of_a_fallback_language_names_it(client, resolver):
    [lao] = resolver.resolve("language_option", "lo", {"digit": "2"})
    [thai] = resolver.resolve("language_option", "th", {"digit": "2"})
    assert client.get(lao.url).data != client.get(thai.url).data


@pytest.mark.parametrize("path", [
    "/prompts/audio/xx/welcome.wav",                      # unknown language
    "/prompts/audio/my/sing_a_song.wav",                  # unknown prompt
    "/prompts/audio/my/welcome.ogg",                      # unknown format
    "/prompts/audio/my/queue_position.wav",               # missing parameter
    "/prompts/audio/my/queue_position.wav?position=1000",
    "/prompts/audio/my/queue_position.wav?position=03",   # one sentence, one URL
    "/prompts/audio/my/menu_agent.wav?digit=1&text=anything+you+like",
    "/prompts/audio/my/welcome.wav?digit=1",
    "/prompts/audio/../../helpline/demo_config.yaml",
    "/prompts/audio/my/..%2F..%2Fcli.wav",
    "/prompts/audio/%2e%2e/welcome.wav",
])
def test_anything_outside_the_whitelist_is_404(client, path):
    assert client.get(path).status_code == 404


def phone_wav(level: int) -> bytes:
    buffer = BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(level.to_bytes(2, "little", signed=True) * 8000)
    return buffer.getvalue()


def test_a_stored_recording_plays_as_a_draft_until_a_reviewed_one_replaces_it(
        client, services, resolver):
    from prompts import store
    from tests.builders import create_staff_member

    with services.db.session() as session:
        recorder = create_staff_member(session, email="rec@example.org", skills={"th": 5})
        reviewer = create_staff_member(session, email="rev@example.org", skills={"th": 5})
        store.grant_reviewer(session, staff=reviewer, language="th", granted_by_id=None)
        first = store.add_recording(session, recordings_dir=resolver.recordings_dir,
                                    language="th", prompt_id="welcome", variant="",
                                    wav=phone_wav(100), seconds=1.0, source="upload",
                                    recorded_by_id=recorder.id)
        first_id, reviewer_id = first.id, reviewer.id
    found = resolver.explain("welcome", "th")
    assert found.stage == "recorded" and found.recording.recorded_by == "rec@example.org"
    assert client.get(found.utterance.url).data == phone_wav(100)
    as_mp3 = client.get("/prompts/audio/th/welcome.mp3")
    assert as_mp3.status_code == 200 and as_mp3.mimetype == "audio/mpeg"

    with services.db.session() as session:
        from agent_console.models import StaffUser

        store.approve(session, item_id=first_id, reviewer=session.get(StaffUser, reviewer_id))
        # A newer draft arrives: the reviewed recording keeps playing.
        store.add_recording(session, recordings_dir=resolver.recordings_dir, language="th",
                            prompt_id="welcome", variant="", wav=phone_wav(200), seconds=1.0,
                            source="upload", recorded_by_id=reviewer_id)
    found = resolver.explain("welcome", "th")
    assert found.stage == "recorded_reviewed" and found.recording.reviewed_by == "rev@example.org"
    assert client.get(found.utterance.url).data == phone_wav(100)


def test_a_reviewer_cannot_approve_their_own_recording_or_another_language(services, resolver):
    from prompts import store
    from tests.builders import create_staff_member

    with services.db.session() as session:
        both = create_staff_member(session, email="both@example.org", skills={"th": 5, "lo": 2})
        store.grant_reviewer(session, staff=both, language="th", granted_by_id=None)
        with pytest.raises(store.ReviewError) as weak:
            store.grant_reviewer(session, staff=both, language="lo", granted_by_id=None)
        assert weak.value.code == "needs_skill"
        own = store.add_recording(session, recordings_dir=resolver.recordings_dir,
                                  language="th", prompt_id="goodbye", variant="",
                                  wav=phone_wav(100), seconds=1.0, source="upload",
                                  recorded_by_id=both.id)
        lao = store.add_recording(session, recordings_dir=resolver.recordings_dir,
                                  language="lo", prompt_id="goodbye", variant="",
                                  wav=phone_wav(100), seconds=1.0, source="upload")
        with pytest.raises(store.ReviewError) as mine:
            store.approve(session, item_id=own.id, reviewer=both)
        with pytest.raises(store.ReviewError) as other:
            store.approve(session, item_id=lao.id, reviewer=both)
        assert (mine.value.code, other.value.code) == ("own_recording", "not_a_reviewer")
        version = store.state_version(session)
    assert resolver.state().version == version


@pytest.mark.parametrize(("ext", "mimetype"), [("mp3", "audio/mpeg"), ("wav", "audio/wav")])
def test_hold_audio(client, ext, mimetype):
    response = client.get(f"/prompts/audio/hold.{ext}")
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.cache_control.public
    assert client.get("/prompts/audio/hold.ogg").status_code == 404


def test_hold_audio_is_a_small_quiet_15_second_loop():
    import subprocess

    from prompts import AUDIO_DIR

    hold = AUDIO_DIR / "hold.mp3"
    assert hold.stat().st_size < 200_000
    probe = subprocess.run(["ffmpeg", "-nostdin", "-i", str(hold), "-af", "volumedetect",
                            "-f", "null", "-"], capture_output=True, text=True, check=True)
    duration = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                               "-of", "csv=p=0", str(hold)], capture_output=True, text=True,
                              check=True)
    assert 14.5 < float(duration.stdout) < 15.5
    mean = float(probe.stderr.split("mean_volume:")[1].split("dB")[0])
    peak = float(probe.stderr.split("max_volume:")[1].split("dB")[0])
    assert -40 < mean < -20 and peak < -6  # audible, quiet, never clipping


def test_khmer_audio_falls_back_to_thai_until_recorded(client):
    """The IVR's last-resort apology plays /prompts/audio/<lang>/technical_problem.wav by
    URL alone: for Khmer (no TTS, no <Say>) it must still be audio, in the fallback."""
    response = client.get("/prompts/audio/km/technical_problem.wav")
    assert response.status_code == 200
    assert response.mimetype in ("audio/wav", "audio/x-wav")
    assert len(response.data) > 1000
