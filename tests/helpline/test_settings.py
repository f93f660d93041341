"""Settings: each bad value stops start-up with one line naming the setting and the fix."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from helpline.settings import SettingsError, load_settings
from tests.builders import TEST_AUTH_TOKEN, make_environ


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("DATABASE_URL", "mysql://root@localhost/helpline", "DATABASE_URL: unsupported database"),
    ("REDIS_URL", "http://localhost:6379", "REDIS_URL: 'http://localhost:6379' is not a valid"),
    ("SECRET_KEY", "short", "SECRET_KEY: is shorter than 16"),
    ("HELPLINE_PII_KEY", "not-a-key", "HELPLINE_PII_KEY: is not 32 bytes"),
    ("HELPLINE_CONFIG", "/no/such/file.yaml", "HELPLINE_CONFIG: no file at /no/such/file.yaml"),
    ("TWILIO_ACCOUNT_SID", "XX123", "TWILIO_ACCOUNT_SID: 'XX123' is not an account SID"),
    ("TWILIO_API_BASE", "localhost:5050", "TWILIO_API_BASE: 'localhost:5050' is not a valid"),
    ("PUBLIC_BASE_URL", "example.org", "PUBLIC_BASE_URL: 'example.org' is not a valid URL"),
    ("VOSK_MODELS", "ko", "VOSK_MODELS: 'ko' is not language=path"),
    ("VOSK_MODELS", "ko=/no/model", "VOSK_MODELS: model folder for 'ko' not found"),
    ("PORT", "http", "PORT: 'http' is not a port number"),
    ("HELPLINE_TIMEZONE", "Bangkok", "HELPLINE_TIMEZONE: 'Bangkok' is not a time zone"),
    ("HELPLINE_TIMEZONE", "Asia", "HELPLINE_TIMEZONE: 'Asia' is not a time zone"),
])
def test_bad_setting_names_itself_and_the_fix(tmp_path, name, value, expected):
    with pytest.raises(SettingsError) as caught:
        load_settings(make_environ(tmp_path, **{name: value}))
    message = str(caught.value)
    assert message.startswith(expected)
    assert " — " in message and "\n" not in message


def test_the_helplines_time_zone_defaults_to_bangkok(tmp_path):
    assert load_settings(make_environ(tmp_path)).timezone == "Asia/Bangkok"
    assert load_settings(make_environ(tmp_path, HELPLINE_TIMEZONE="Asia/Kuala_Lumpur")
                         ).timezone == "Asia/Kuala_Lumpur"


def test_token_without_account_sid_is_refused(tmp_path):
    env = make_environ(tmp_path, TWILIO_AUTH_TOKEN=TEST_AUTH_TOKEN)
    del env["TWILIO_ACCOUNT_SID"]
    with pytest.raises(SettingsError, match="TWILIO_ACCOUNT_SID: is not set"):
        load_settings(env)


def test_secrets_are_generated_once_into_the_instance_folder(tmp_path):
    env = {"HELPLINE_INSTANCE_DIR": str(tmp_path / "instance")}
    first = load_settings(env)
    second = load_settings(env)
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    assert first.pii_key == second.pii_key and len(first.pii_key) == 32
    for name in ("secret_key", "pii_key"):
        mode = stat.S_IMODE((tmp_path / "instance" / name).stat().st_mode)
        assert mode == 0o600
    assert first.database_url.startswith("sqlite:///") and str(tmp_path) in first.database_url


def test_vosk_models_parse(tmp_path):
    model = tmp_path / "model-ko"
    model.mkdir()
    settings = load_settings(make_environ(tmp_path, VOSK_MODELS=f"ko={model}"))
    assert settings.vosk_models == {"ko": model}


def test_cli_prints_one_line_and_exits_1_without_traceback(tmp_path):
    env = make_environ(tmp_path, SECRET_KEY="short")
    result = subprocess.run([sys.executable, "-m", "helpline", "config", "check"],
                            env={**env, "PATH": "/usr/bin:/bin"}, capture_output=True,
                            text=True, cwd=Path(__file__).parents[2])
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "helpline: SECRET_KEY: is shorter than 16 characters — set a long random value, "
        "or unset it to generate one"]


def test_processes_starting_together_agree_on_the_generated_secrets(tmp_path):
    """`helpline run` starts web, worker and scheduler at once on a fresh checkout."""
    script = ("from helpline.settings import load_settings; s = load_settings(); "
              "print(s.secret_key, s.pii_key.hex(), s.twilio_auth_token)")
    env = {"HELPLINE_INSTANCE_DIR": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"}
    processes = [subprocess.Popen([sys.executable, "-c", script], env=env, text=True,
                                  stdout=subprocess.PIPE, cwd=Path(__file__).parents[2])
                 for _ in range(6)]
    outputs = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert len(outputs) == 1 and all(part for part in outputs.pop().split())
