"""Demo calls come from a different caller on each line, so the helpline does not take
every demo voicemail for one repeat caller's."""

import json

import phonenumbers
import requests
from click.testing import CliRunner

from helpline.cli import cli
from helpline.config import load_config
from helpline.settings import load_settings
from simulator.phone.demo_callers import demo_caller, demo_callers
from tests.builders import make_environ
from tests.simulator.test_server import server, wait_finished  # noqa: F401 - fixture

DEMO_LINES = ["+661800000101", "+661800000102", "+661800000103", "+661800000104",
              "+601800881010", "+661800000199"]


def test_each_demo_line_has_its_own_plausible_caller(tmp_path):
    config = load_config(load_settings(make_environ(tmp_path)).config_path)
    lines = [number.number for number in config.numbers]
    assert lines == DEMO_LINES
    callers = demo_callers(lines)
    assert len(set(callers.values())) == len(lines)
    for line, caller in callers.items():
        parsed = phonenumbers.parse(caller)
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
        # a local SIM of the line's country, ending like the line
        assert phonenumbers.region_code_for_number(parsed) == (
            phonenumbers.region_code_for_number(phonenumbers.parse(line)))
        assert caller[-4:] == line[-4:]


def test_lines_ending_alike_still_get_different_callers():
    callers = demo_callers(["+661800000101", "+661900000101", "+661800000102"])
    assert len(set(callers.values())) == 3
    assert demo_caller("+661800000101") == "+66812340101"


def test_a_call_without_from_comes_from_its_lines_caller(server, twiml_app):  # noqa: F811
    base, _engine = server
    twiml_app.documents["/twilio/voice/incoming"] = "<Response><Say>hi</Say></Response>"
    numbers = requests.get(f"{base}/sim/numbers", timeout=5).json()["numbers"]
    assert {n["number"]: n["demo_caller"] for n in numbers} == demo_callers(DEMO_LINES)
    froms = []
    for line in ("+661800000102", "+601800881010"):
        sid = requests.post(f"{base}/sim/calls", json={"to": line}, timeout=5).json()["call_sid"]
        wait_finished(base, sid)
        froms.append(twiml_app.hits_to("/twilio/voice/incoming")[-1].params["From"])
    assert froms == [demo_caller("+661800000102"), demo_caller("+601800881010")]


def test_helpline_call_defaults_to_the_lines_caller(twiml_app, tmp_path):
    twiml_app.documents["/twilio/voice/incoming"] = "<Response><Say>hi</Say></Response>"
    twiml_app.documents["/twilio/voice/status"] = ""
    result = CliRunner(env=make_environ(tmp_path)).invoke(
        cli, ["call", "--to", "+661800000104", "--app-url", twiml_app.base_url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["from"] == "+66 •••••••04"
    assert twiml_app.hits_to("/twilio/voice/incoming")[0].params["From"] == "+66812340104"


def test_helpline_call_refuses_a_malformed_timed_press(twiml_app, tmp_path):
    result = CliRunner(env=make_environ(tmp_path)).invoke(
        cli, ["call", "--to", "+661800000104", "--press", "1@soon",
              "--app-url", twiml_app.base_url])
    assert result.exit_code == 2 and "keys@seconds" in result.output
