"""`helpline call` prints the JSON report, in process or through a running stand-in."""

import json

import pytest
from click.testing import CliRunner

from helpline.cli import cli
from helpline.clock import SystemClock
from helpline.config import load_config
from helpline.settings import load_settings
from simulator.server import build_engine, create_server_app
from simulator.serving import ServedApp
from tests.builders import make_environ
from tests.simulator.conftest import LINE

MENU = ('<Response><Play>/prompts/audio/my/welcome.wav</Play>'
        '<Gather numDigits="1" action="/twilio/voice/main"><Say language="en-US">menu</Say>'
        "</Gather></Response>")


@pytest.fixture
def ivr(twiml_app):
    twiml_app.audio["/prompts/audio/my/welcome.wav"] = twiml_app.audio["/audio/tone2s.wav"]
    twiml_app.documents["/twilio/voice/incoming"] = MENU
    twiml_app.documents["/twilio/voice/main"] = (
        '<Response><Record action="/twilio/voice/voicemail/done"/></Response>')
    twiml_app.documents["/twilio/voice/voicemail/done"] = "<Response><Hangup/></Response>"
    twiml_app.documents["/twilio/voice/status"] = ""
    return twiml_app


def test_call_prints_json_report(ivr, tmp_path):
    result = CliRunner(env=make_environ(tmp_path)).invoke(
        cli, ["call", "--to", LINE, "--from", "+959111222333", "--press", "2", "--say",
              "they took my passport", "--app-url", ivr.base_url, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["to"] == LINE and report["from"] == "+95 ••••••••33"
    assert report["heard"][0] == {"verb": "play", "prompt_id": "welcome", "language": "my",
                                  "audio_url": ivr.url("/prompts/audio/my/welcome.wav"),
                                  "at": 0.0, "seconds": 2.0}
    assert report["heard"][1]["text"] == "menu" and report["heard"][1]["language"] == "en-US"
    assert [url.removeprefix(ivr.base_url) for url in report["path"]] == [
        "/twilio/voice/incoming", "/twilio/voice/main", "/twilio/voice/voicemail/done"]
    assert report["outcome"]["kind"] == "voicemail"
    assert all(hook["status"] == 200 and hook["latency_ms"] > 0 for hook in report["webhooks"])
    assert report["via"] == "in-process" and report["notices"] == []


def test_call_text_summary_and_error_exit(ivr, tmp_path):
    ivr.documents["/twilio/voice/incoming"] = "<Response><Oops/></Response>"
    result = CliRunner(env=make_environ(tmp_path)).invoke(
        cli, ["call", "--to", LINE, "--app-url", ivr.base_url])
    assert result.exit_code == 1
    assert "outcome: error" in result.output and "notice 12200" in result.output


def test_call_goes_through_a_running_stand_in(ivr, tmp_path):
    env = make_environ(tmp_path)
    settings = load_settings(env)
    config = load_config(settings.config_path)
    with ServedApp() as served:
        served.app = create_server_app(
            build_engine(settings, config, ivr.base_url, served.url, SystemClock()), config)
        ivr.documents["/twilio/voice/incoming"] = "<Response><Say>hello</Say></Response>"
        result = CliRunner(env={**env, "TWILIO_API_BASE": served.url}).invoke(
            cli, ["call", "--to", LINE, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["via"] == served.url and report["heard"][0]["text"] == "hello"
