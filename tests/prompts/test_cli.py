"""`helpline prompts check` and `render`, run as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from prompts.catalogue import PROMPT_IDS
from tests.builders import make_environ
from tests.prompts.helpers import DEMO_CONFIG, ROOT, demo_config_text_with_khmer_fallback


def helpline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # espeak-ng and ffmpeg are found on the operator's PATH.
    env = {**env, "PATH": os.environ.get("PATH", os.defpath)}
    return subprocess.run([sys.executable, "-m", "helpline", *args], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_check_passes_for_the_demo_configuration(tmp_path):
    config = tmp_path / "demo.yaml"
    config.write_text(demo_config_text_with_khmer_fallback(), encoding="utf-8")
    done = helpline(make_environ(tmp_path, HELPLINE_CONFIG=str(config)), "prompts", "check")
    assert done.returncode == 0, done.stderr
    assert "ok: every configured language can be served" in done.stdout
    assert "MISSING" not in done.stdout


def test_check_json_is_the_coverage_matrix(tmp_path):
    config = tmp_path / "demo.yaml"
    config.write_text(demo_config_text_with_khmer_fallback(), encoding="utf-8")
    done = helpline(make_environ(tmp_path, HELPLINE_CONFIG=str(config)),
                    "prompts", "check", "--json")
    report = json.loads(done.stdout)
    assert report["ok"] is True
    assert report["languages"]["my"]["welcome"] == "tts"
    # Shan in its own language (espeak-ng's Shan voice); Kachin's own option is Burmese.
    assert report["languages"]["shn"]["language_option"] == "tts"
    assert report["languages"]["shn"]["welcome"] == "tts"
    assert report["languages"]["kac"]["language_option"] == "fallback:my"
    assert report["languages"]["kac"]["welcome"] == "fallback:my"
    assert report["languages"]["lo"]["language_option"] == "fallback:th"
    assert report["languages"]["km"]["language_option"] == "unused"  # a line of its own
    assert report["languages"]["lo"]["welcome"] == "fallback:th"
    assert report["languages"]["km"]["welcome"] == "fallback:th"
    assert report["prompt_ids"] == list(PROMPT_IDS)
    assert report["unreviewed"]["my"] == len(PROMPT_IDS)


def test_check_fails_for_a_language_nothing_can_speak(tmp_path):
    config = tmp_path / "khmer-only.yaml"
    config.write_text(DEMO_CONFIG.read_text(encoding="utf-8").replace(
        "km:  {name: Khmer,", "km:  {name: Khmer, espeak_voice: km,").replace(
        "fallback: th}", "fallback: th}\n  xx: {name: Nobody, native_name: Nobody}", 1).replace(
        "    language: ne\n", "    language: xx\n"), encoding="utf-8")
    done = helpline(make_environ(tmp_path, HELPLINE_CONFIG=str(config)), "prompts", "check")
    assert done.returncode == 1
    # Every prompt but the language menu's option (xx has a line of its own).
    assert f"problem: xx: {len(PROMPT_IDS) - 1} prompt(s) nothing can play" in done.stderr
    assert "espeak_voice 'km' is ignored" in done.stderr
    assert "Traceback" not in done.stderr


def test_render_then_nothing_left_to_render(tmp_path):
    env = make_environ(tmp_path)
    first = helpline(env, "prompts", "render", "--language", "ne", "--prompt", "queue_position")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("rendered 10, already cached 0, failed 0")  # positions 1-10
    cache = tmp_path / "instance" / "prompt-cache" / "tts" / "ne"
    assert len(list(cache.glob("queue_position-*.wav"))) == 10
    again = helpline(env, "prompts", "render", "--language", "ne", "--prompt", "queue_position")
    assert again.stdout.startswith("rendered 0, already cached 10, failed 0")
    unknown = helpline(env, "prompts", "render", "--language", "fr")
    assert unknown.returncode == 1 and "not a configured language" in unknown.stderr


def test_require_own_language_fails_on_the_demo_configuration_naming_cells(tmp_path):
    config = tmp_path / "demo.yaml"
    config.write_text(demo_config_text_with_khmer_fallback(), encoding="utf-8")
    done = helpline(make_environ(tmp_path, HELPLINE_CONFIG=str(config)),
                    "prompts", "check", "--require-own-language", "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["own_language"]["shn"]["ok"] is True      # espeak-ng's Shan voice
    assert report["own_language"]["my"]["ok"] is True
    for cell in ("lo/language_option (fallback:th)", "kac/language_option (fallback:my)",
                 "km/welcome (fallback:th)", "mnw/goodbye (fallback:my)"):
        assert cell in done.stderr


def test_render_of_a_prompt_said_with_a_day_and_time_renders_nothing_ahead(tmp_path):
    """"The next advisor is on tomorrow at 08:00" differs per call: rendered when a
    caller needs it, never ahead (and never a crash of `helpline run`'s render task)."""
    done = helpline(make_environ(tmp_path), "prompts", "render", "--language", "th",
                    "--prompt", "next_advisor_at")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rendered 0, already cached 0, failed 0")
