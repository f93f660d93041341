"""`helpline transcribe`: a success and every way a file can be wrong."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.recordings import media

pytestmark = pytest.mark.slow


def transcribe(*args: str, tmp_path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "helpline", "transcribe", *args],
                          capture_output=True, text=True, timeout=120,
                          env={"HELPLINE_INSTANCE_DIR": str(tmp_path / "instance"),
                               "PATH": "/usr/bin:/bin"})


def test_transcribes_to_json_with_words(tmp_path, korean_phrases):
    phrase, mulaw, _ = korean_phrases[0]
    done = transcribe(str(mulaw), "--language", "ko", "--json", "--grammar",
                      ",".join(media.KOREAN_PHRASES), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)["channels"]["mono"]
    assert result["text"] == phrase
    assert [w["word"] for w in result["words"]] == phrase.split()
    assert result["engine"] == "vosk"
    plain = transcribe(str(mulaw), "--language", "ko", "--grammar",
                       ",".join(media.KOREAN_PHRASES), tmp_path=tmp_path)
    assert plain.stdout.strip() == phrase


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    (b"", "empty"),
    (b"RIFF\x10\x00\x00\x00WAVEfmt garbage" * 3, "no audio stream"),
    (b"hello, I am a text file\n" * 50, "no audio stream"),
])
def test_bad_files_give_one_line_and_exit_1(tmp_path, content, message):
    path = tmp_path / "voicemail.wav"
    if content is not None:
        path.write_bytes(content)
    done = transcribe(str(path), "--language", "ko", tmp_path=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_language_without_model_says_so(tmp_path, korean_phrases):
    done = transcribe(str(korean_phrases[0][1]), "--language", "km", tmp_path=tmp_path)
    assert done.returncode == 1
    assert "no speech engine for language 'km'" in done.stderr
