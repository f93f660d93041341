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


def test_a_recorded_file_is_served_as_recorded(client, resolver, tmp_path, monkeypatch):
    recording = tmp_path / "audio" / "th" / "welcome.wav"
    recording.parent.mkdir(parents=True)
    with wave.open(str(recording), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x01\x00" * 8000)
    monkeypatch.setattr(resolver, "audio_dir", tmp_path / "audio")
    [said] = resolver.resolve("welcome", "th")
    assert said.url.startswith("/prompts/audio/th/welcome.wav?v=")
    assert client.get(said.url).data == recording.read_bytes()
    as_mp3 = client.get("/prompts/audio/th/welcome.mp3")
    assert as_mp3.status_code == 200 and as_mp3.mimetype == "audio/mpeg"


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
