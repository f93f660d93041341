"""The stand-in server: /sim/* control API, interactive keys from the demo page,
softphones and faults over HTTP, the demo page itself, and the real process."""

import os
import subprocess
import sys
import time

import pytest
import requests

from helpline.clock import SystemClock
from helpline.config import load_config
from helpline.settings import LOCAL_ACCOUNT_SID, load_settings
from simulator.server import build_engine, create_server_app
from simulator.serving import ServedApp
from tests.builders import make_environ
from tests.simulator.conftest import LINE


@pytest.fixture
def server(twiml_app, tmp_path):
    settings = load_settings(make_environ(tmp_path))
    config = load_config(settings.config_path)
    with ServedApp() as served:
        engine = build_engine(settings, config, twiml_app.base_url, served.url, SystemClock())
        # The demo lines' webhooks go to the TwiML test app (it serves /twilio/voice/*).
        served.app = create_server_app(engine, config)
        twiml_app.documents["/twilio/voice/status"] = "<Response/>"
        yield served.url, engine


def wait_finished(base, sid, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = requests.get(f"{base}/sim/calls/{sid}", timeout=5).json()
        if report["finished"]:
            return report
        time.sleep(0.05)
    raise AssertionError("call did not finish")


def test_scripted_call_through_the_control_api(server, twiml_app):
    base, _engine = server
    twiml_app.documents["/twilio/voice/incoming"] = (
        '<Response><Gather numDigits="1" action="/chosen" timeout="1"><Say>Hi</Say></Gather>'
        "</Response>")
    twiml_app.documents["/chosen"] = lambda p: f"<Response><Say>got {p['Digits']}</Say></Response>"
    response = requests.post(f"{base}/sim/calls", json={"to": LINE, "press": "4"}, timeout=5)
    assert response.status_code == 201
    report = wait_finished(base, response.json()["call_sid"])
    assert [h["text"] for h in report["heard"]] == ["Hi", "got 4"]
    # no `from`: the line's own demo caller, masked in the report
    assert report["from"] == "+66 •••••••01" and "812340101" not in str(report)


def test_interactive_call_takes_keys_from_the_page(server, twiml_app):
    base, _engine = server
    twiml_app.documents["/twilio/voice/incoming"] = (
        '<Response><Gather numDigits="2" action="/chosen" timeout="5"><Say>Hi</Say></Gather>'
        "</Response>")
    twiml_app.documents["/chosen"] = lambda p: f"<Response><Say>got {p['Digits']}</Say></Response>"
    sid = requests.post(f"{base}/sim/calls", json={"to": LINE, "interactive": True},
                        timeout=5).json()["call_sid"]
    for key in "37":
        assert requests.post(f"{base}/sim/calls/{sid}/digits", json={"digits": key},
                             timeout=5).status_code == 200
    report = wait_finished(base, sid)
    assert report["heard"][-1]["text"] == "got 37"


def test_caller_hangup_over_http(server, twiml_app):
    base, _engine = server
    twiml_app.documents["/twilio/voice/incoming"] = '<Response><Pause length="60"/></Response>'
    sid = requests.post(f"{base}/sim/calls", json={"to": LINE}, timeout=5).json()["call_sid"]
    time.sleep(0.1)
    assert requests.post(f"{base}/sim/calls/{sid}/hangup", timeout=5).status_code == 200
    assert wait_finished(base, sid, timeout=3)["ended_by"] == "caller"


def test_softphone_registered_over_http_answers(server, twiml_app):
    base, _engine = server
    assert requests.post(f"{base}/sim/clients/agent-9", json={"answer_after": 0.1,
                                                              "talk_seconds": 0.2},
                         timeout=5).status_code == 201
    assert requests.post(f"{base}/sim/clients/agent-9", json={"smile": True},
                         timeout=5).status_code == 400
    twiml_app.documents["/twilio/voice/incoming"] = (
        "<Response><Dial><Client>agent-9</Client></Dial></Response>")
    sid = requests.post(f"{base}/sim/calls", json={"to": LINE}, timeout=5).json()["call_sid"]
    report = wait_finished(base, sid)
    assert report["outcome"]["kind"] == "bridged" and report["outcome"]["agent"] == "agent-9"
    endpoints = requests.get(f"{base}/sim/endpoints", timeout=5).json()["endpoints"]
    assert endpoints[0]["rings"][0]["result"] == "answered"


def test_faults_over_http(server, twiml_app):
    base, _engine = server
    assert requests.post(f"{base}/sim/faults", json={"target": "webhook", "kind": "explode"},
                         timeout=5).status_code == 400
    assert requests.post(f"{base}/sim/faults", json={"target": "webhook", "kind": "drop",
                                                     "match": "/incoming"},
                         timeout=5).status_code == 201
    twiml_app.documents["/twilio/voice/incoming"] = "<Response><Say>hi</Say></Response>"
    # The caller hangs up during Twilio's (real-time) apology.
    sid = requests.post(f"{base}/sim/calls", json={"to": LINE, "hangup_after": 0.3},
                        timeout=5).json()["call_sid"]
    report = wait_finished(base, sid)
    assert report["notices"][0]["code"] == 11205 and report["outcome"]["kind"] == "error"
    assert twiml_app.hits_to("/twilio/voice/incoming") == []
    assert requests.get(f"{base}/sim/faults", timeout=5).json()["faults"] == []


def test_unknown_number_is_404(server):
    base, _engine = server
    response = requests.post(f"{base}/sim/calls", json={"to": "+10000000000"}, timeout=5)
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_number"


def test_demo_page_is_self_contained(server):
    base, _engine = server
    page = requests.get(base + "/", timeout=5)
    assert page.status_code == 200 and 'id="keypad"' in page.text
    script = requests.get(base + "/static/phone.js", timeout=5)
    assert script.status_code == 200 and "/sim/calls" in script.text
    for text in (page.text, script.text, requests.get(base + "/static/phone.css", timeout=5).text):
        assert "http://" not in text and "https://" not in text   # no CDN, nothing external
    numbers = requests.get(base + "/sim/numbers", timeout=5).json()["numbers"]
    assert {n["number"] for n in numbers} >= {LINE, "+661800000102"}


def test_server_process_starts_and_serves(tmp_path):
    env = dict(os.environ, **make_environ(tmp_path))
    with ServedApp() as probe:      # a free port, released for the child to take
        port = probe.port
    process = subprocess.Popen([sys.executable, "-m", "simulator.server", "--port", str(port),
                                "--app-url", "http://127.0.0.1:9"], env=env,
                               stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/sim/health", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        # No account named: the stand-in's own (the local stack's, `load_settings`).
        assert health.json()["account_sid"] == LOCAL_ACCOUNT_SID
        unauthorised = requests.get(f"http://127.0.0.1:{port}/2010-04-01/Accounts/"
                                    f"{LOCAL_ACCOUNT_SID}/Recordings.json", timeout=2)
        assert unauthorised.status_code == 401
    finally:
        process.terminate()
        assert process.wait(10) == 0
        process.stderr.close()
