"""With a real Twilio account the helpline must know the https address Twilio reaches
it at: every bridge, transfer, interpreter and callback URL is built from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpline.settings import SettingsError, load_settings
from tests.builders import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, make_environ

REAL = {"TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN}


@pytest.mark.parametrize(("public_base_url", "problem"), [
    (None, "PUBLIC_BASE_URL: is not set, but TWILIO_ACCOUNT_SID is a real Twilio account"),
    ("http://helpline.example.org", "PUBLIC_BASE_URL: 'http://helpline.example.org' is not "
                                    "an https:// address"),
])
def test_real_credentials_need_an_https_public_base_url(tmp_path, public_base_url, problem):
    extra = {} if public_base_url is None else {"PUBLIC_BASE_URL": public_base_url}
    with pytest.raises(SettingsError) as caught:
        load_settings(make_environ(tmp_path, **REAL, **extra))
    message = str(caught.value)
    assert message.startswith(problem)
    assert " — set the https:// address Twilio reaches" in message and "\n" not in message


def test_real_credentials_with_an_https_address_start(tmp_path):
    settings = load_settings(make_environ(tmp_path, **REAL,
                                          PUBLIC_BASE_URL="https://helpline.example.org/"))
    assert settings.public_base_url == "https://helpline.example.org"
    assert settings.twilio_api_base is None


def test_the_stand_in_and_the_local_stack_need_no_public_address(tmp_path):
    assert load_settings(make_environ(tmp_path, **REAL,
                                      TWILIO_API_BASE="http://127.0.0.1:5050")
                         ).public_base_url is None
    assert load_settings(make_environ(tmp_path)).public_base_url is None


def test_web_process_refuses_to_start_in_one_line(tmp_path):
    env = make_environ(tmp_path, **REAL)
    result = subprocess.run([sys.executable, "-c", "import helpline.wsgi"],
                            env={**env, "PATH": "/usr/bin:/bin"}, capture_output=True,
                            text=True, cwd=Path(__file__).parents[2], timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "PUBLIC_BASE_URL: is not set" in lines[0]


@pytest.mark.parametrize("value", ["short", "a-long-enough-secret with-a-space"])
def test_shared_key_secrets_are_checked(tmp_path, value):
    with pytest.raises(SettingsError, match="^TWILIO_WEBHOOK_SHARED_KEY_SECRETS: "):
        load_settings(make_environ(tmp_path, TWILIO_WEBHOOK_SHARED_KEY_SECRETS=value))


def test_two_shared_key_secrets_while_a_key_rotates(tmp_path):
    rotating = " new-secret-0123456789, old-secret-0123456789 "
    settings = load_settings(make_environ(tmp_path, TWILIO_WEBHOOK_SHARED_KEY_SECRETS=rotating))
    assert settings.twilio_webhook_shared_key_secrets == ("new-secret-0123456789",
                                                          "old-secret-0123456789")
