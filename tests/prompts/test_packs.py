"""Prompt packs and `prompts check --require-own-language`, run as an operator runs them:
a partner fills an exported pack with recordings, an admin installs it, and the check
that failed while Khmer callers heard English passes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.builders import make_environ
from tests.prompts.test_cli import helpline

REVIEWER = "sokha.reviewer@example.org"

# English speaks; Khmer has no voice and falls back to English until recorded.
CONFIG = {
    "languages": {
        "en": {"name": "English", "native_name": "English", "espeak_voice": "en"},
        "km": {"name": "Khmer", "native_name": "ខ្មែរ", "fallback": "en"},
    },
    "numbers": [
        {"number": "+661800000102", "name": "Khmer line", "country": "TH", "language": "km"},
        {"number": "+661800000199", "name": "English line", "country": "TH", "language": "en"},
    ],
}


@pytest.fixture
def env(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG, allow_unicode=True), encoding="utf-8")
    environ = make_environ(tmp_path, HELPLINE_CONFIG=str(config))
    done = helpline(environ, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    return environ


def spoken_wav(path: Path, text: str) -> bytes:
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(path), text], check=True,
                   capture_output=True, timeout=30)
    return path.read_bytes()


def fill_pack(exported: Path, target: Path, work: Path, *, reviewed: dict[str, str]) -> int:
    """The partner's side: record every variant the manifest asks for (espeak-ng stands
    in for the speaker) and list each recording with its checksum."""
    with zipfile.ZipFile(exported) as pack:
        manifest = json.loads(pack.read("manifest.json"))
    count = 0
    with zipfile.ZipFile(target, "w") as out:
        for item in manifest["prompts"]:
            for variant in item["record"]:
                name = ".".join(filter(None, (item["prompt_id"], variant)))
                data = spoken_wav(work / f"{name}.wav", f"Khmer recording of {name}")
                reviewer = reviewed.get(name)
                item["recordings"].append({
                    "variant": variant, "file": f"audio/{name}.wav",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "state": "reviewed" if reviewer else "draft",
                    "recorded_by": "partner speaker", "reviewed_by": reviewer})
                out.writestr(f"audio/{name}.wav", data)
                count += 1
        out.writestr("manifest.json", json.dumps(manifest))
    return count


def check(env, *extra: str) -> tuple[int, dict]:
    done = helpline(env, "prompts", "check", "--require-own-language", "--json", *extra)
    return done.returncode, json.loads(done.stdout)


def test_a_generated_pack_makes_every_khmer_cell_khmer(env, tmp_path):
    code, before = check(env)
    assert code == 1 and before["own_language"]["km"]["ok"] is False
    assert "km/welcome (fallback:en)" in " ".join(before["problems"])
    assert before["own_language"]["en"]["ok"] is True

    # A reviewer here (speaks Khmer at 5, granted the language) and one who is not.
    added = subprocess.run(
        [*helpline_argv(), "users", "add", "--email", REVIEWER, "--role", "agent",
         "--languages", "km:5", "--password-stdin"], input="a long enough password 1\n",
        env=full(env), capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    granted = helpline(env, "prompts", "reviewers", "grant", "--email", REVIEWER,
                       "--language", "km")
    assert granted.returncode == 0, granted.stderr

    exported = tmp_path / "km-empty.zip"
    done = helpline(env, "prompts", "export", "--language", "km", str(exported))
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(exported) as pack:
        manifest = json.loads(pack.read("manifest.json"))
        texts = yaml.safe_load(pack.read("texts.yaml"))
    assert manifest["language"] == "km" and texts["prompts"]["welcome"]["text"].startswith("សូម")
    records = {item["prompt_id"]: item["record"] for item in manifest["prompts"]}
    assert records["queue_position"] == [str(n) for n in range(1, 11)]
    assert records["voicemail_prompt"] == ["hash"] and records["language_option"] == []

    work = tmp_path / "work"
    work.mkdir()
    filled = tmp_path / "km-recorded.zip"
    count = fill_pack(exported, filled, work, reviewed={
        "welcome": REVIEWER, "goodbye": "someone.else@partner.example"})
    done = helpline(env, "prompts", "import", str(filled), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["recordings"], report["reviewed_recordings"]) == (count, 1)
    assert "someone.else@partner.example is not a reviewer of km" in done.stderr

    code, after = check(env)
    assert code == 0, after["problems"]
    row = after["languages"]["km"]
    assert row["welcome"] == "recorded_reviewed" and row["goodbye"] == "recorded"
    assert row["queue_position"] == "recorded" and row["language_option"] == "unused"
    assert after["state_version"] > before["state_version"]

    # The pack goes round: exported again, it carries the recordings and their states.
    again = tmp_path / "km-again.zip"
    assert helpline(env, "prompts", "export", "--language", "km", str(again)).returncode == 0
    with zipfile.ZipFile(again) as pack:
        manifest = json.loads(pack.read("manifest.json"))
        welcome = next(i for i in manifest["prompts"] if i["prompt_id"] == "welcome")
        [recording] = welcome["recordings"]
        assert recording["state"] == "reviewed" and recording["reviewed_by"] == REVIEWER
        assert hashlib.sha256(pack.read(recording["file"])).hexdigest() == recording["sha256"]


def test_a_bad_pack_loads_nothing_and_says_why(env, tmp_path):
    good = spoken_wav(tmp_path / "good.wav", "Khmer recording")
    silent = tmp_path / "silent.wav"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i",
                    "anullsrc=r=8000:cl=mono", "-t", "2", str(silent)], check=True)
    pack = tmp_path / "bad.zip"
    entries = [
        {"prompt_id": "welcome", "recordings": [
            {"variant": "", "file": "audio/welcome.wav", "sha256": "0" * 64}]},
        {"prompt_id": "sing_a_song", "recordings": []},
        {"prompt_id": "goodbye", "recordings": [
            {"variant": "", "file": "audio/goodbye.wav",
             "sha256": hashlib.sha256(b"not audio").hexdigest()}]},
        {"prompt_id": "connecting", "recordings": [
            {"variant": "", "file": "audio/connecting.wav",
             "sha256": hashlib.sha256(silent.read_bytes()).hexdigest()}]},
        {"prompt_id": "menu_agent", "recordings": [
            {"variant": "12", "file": "audio/welcome.wav",
             "sha256": hashlib.sha256(good).hexdigest()}]},
        {"prompt_id": "transfer", "text": {"text": "ចូរ​រង់ចាំ {digit}", "state": "draft"}},
    ]
    with zipfile.ZipFile(pack, "w") as out:
        out.writestr("manifest.json", json.dumps({
            "format": "helpline-prompt-pack", "format_version": 1, "language": "km",
            "prompts": entries}))
        out.writestr("audio/welcome.wav", good)
        out.writestr("audio/goodbye.wav", b"not audio")
        out.writestr("audio/connecting.wav", silent.read_bytes())
    done = helpline(env, "prompts", "import", str(pack))
    assert done.returncode == 1
    for problem in ("welcome 'audio/welcome.wav': checksum does not match",
                    "unknown prompt id 'sing_a_song'",
                    "goodbye 'audio/goodbye.wav': the file is not audio",
                    "connecting 'audio/connecting.wav': the recording is silent",
                    "menu_agent 'audio/welcome.wav': variant '12' is not a value",
                    "transfer: placeholders ['digit'] but the prompt takes []"):
        assert problem in done.stderr, (problem, done.stderr)
    assert "nothing loaded from bad.zip" in done.stderr and "Traceback" not in done.stderr
    code, after = check(env)
    assert code == 1 and after["languages"]["km"]["welcome"] == "fallback:en"
    unknown = tmp_path / "fr.zip"
    with zipfile.ZipFile(unknown, "w") as out:
        out.writestr("manifest.json", json.dumps({
            "format": "helpline-prompt-pack", "format_version": 1, "language": "fr",
            "prompts": []}))
    done = helpline(env, "prompts", "import", str(unknown))
    assert done.returncode == 1 and "language 'fr' is not configured here" in done.stderr


def helpline_argv() -> list[str]:
    import sys

    return [sys.executable, "-m", "helpline"]


def full(env: dict[str, str]) -> dict[str, str]:
    import os

    return {**env, "PATH": os.environ.get("PATH", os.defpath)}
