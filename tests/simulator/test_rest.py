"""The REST emulator over real HTTP: Basic auth, calls fetch/update/delete,
recordings fetch/media/delete, injected faults — and twilio's own `Client`
(as the app builds it) redirecting a live call waiting in a Gather/Play loop."""

import threading
import time

import pytest
import requests
from twilio.base.exceptions import TwilioRestException

from helpline.clock import SystemClock
from helpline.settings import load_settings
from helpline.twilio_client import make_twilio_client
from simulator.rest.api import create_rest_app
from simulator.serving import ServedApp
from tests.builders import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, make_environ
from tests.simulator.conftest import LINE, make_engine

AUTH = (TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
LOOP = ('<Response><Gather numDigits="1" action="/chosen"><Play>/audio/tone7s.wav</Play>'
        "</Gather><Redirect>/voice</Redirect></Response>")


def api(sim, path):
    return f"{sim.rest_url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}{path}"


@pytest.fixture
def recorded_call(sim):
    sim.app.documents["/voice"] = '<Response><Record action="/done"/></Response>'
    sim.app.documents["/done"] = "<Response/>"
    return sim.call(say="hello", voice="en")


def test_wrong_credentials_get_401_with_twilio_error(sim, recorded_call):
    for auth in [None, (TEST_ACCOUNT_SID, "wrong"), ("AC" + "2" * 32, TEST_AUTH_TOKEN)]:
        response = requests.get(api(sim, f"/Calls/{recorded_call.sid}.json"), auth=auth, timeout=5)
        assert response.status_code == 401
        assert response.json()["code"] == 20003
    sid = recorded_call.recordings[0].sid
    assert requests.get(api(sim, f"/Recordings/{sid}.wav"), timeout=5).status_code == 401


def test_other_account_in_path_is_404(sim, recorded_call):
    url = (f"{sim.rest_url}/2010-04-01/Accounts/AC{'2' * 32}/Calls/{recorded_call.sid}.json")
    assert requests.get(url, auth=AUTH, timeout=5).status_code == 404


def test_fetch_finished_call(sim, recorded_call):
    body = requests.get(api(sim, f"/Calls/{recorded_call.sid}.json"), auth=AUTH, timeout=5).json()
    assert (body["sid"], body["status"], body["direction"], body["to"]) == (
        recorded_call.sid, "completed", "inbound", LINE)
    assert int(body["duration"]) >= 1


def test_unknown_call_is_404(sim):
    response = requests.get(api(sim, f"/Calls/CA{'0' * 32}.json"), auth=AUTH, timeout=5)
    assert response.status_code == 404 and response.json()["code"] == 20404


def test_redirecting_a_finished_call_is_21220(sim, recorded_call):
    response = requests.post(api(sim, f"/Calls/{recorded_call.sid}.json"), auth=AUTH,
                             data={"Url": "http://x/y"}, timeout=5)
    assert response.status_code == 400 and response.json()["code"] == 21220


def test_delete_finished_call(sim, recorded_call):
    url = api(sim, f"/Calls/{recorded_call.sid}.json")
    assert requests.delete(url, auth=AUTH, timeout=5).status_code == 204
    assert requests.get(url, auth=AUTH, timeout=5).status_code == 404


def test_recording_fetch_list_media_delete(sim, recorded_call):
    sid = recorded_call.recordings[0].sid
    body = requests.get(api(sim, f"/Recordings/{sid}.json"), auth=AUTH, timeout=5).json()
    assert (body["sid"], body["call_sid"], body["status"], body["channels"]) == (
        sid, recorded_call.sid, "completed", 1)
    listed = requests.get(api(sim, f"/Recordings.json?CallSid={recorded_call.sid}"), auth=AUTH,
                          timeout=5).json()
    assert [item["sid"] for item in listed["recordings"]] == [sid]
    assert requests.get(body["media_url"] + ".mp3", auth=AUTH, timeout=5).status_code == 200
    assert requests.delete(api(sim, f"/Recordings/{sid}.json"), auth=AUTH,
                           timeout=5).status_code == 204
    assert requests.get(api(sim, f"/Recordings/{sid}.wav"), auth=AUTH,
                        timeout=5).status_code == 404
    assert not sim.engine.recordings.folder.joinpath(f"{sid}.wav").exists()


def test_injected_rest_errors_then_recovery(sim, recorded_call):
    sim.engine.faults.add("rest", "error", count=2, status=503)
    url = api(sim, f"/Calls/{recorded_call.sid}.json")
    statuses = [requests.get(url, auth=AUTH, timeout=5).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


@pytest.mark.parametrize(("status", "code", "expected"), [
    (503, None, 20503), (500, None, 20500), (429, None, 20429), (404, None, 20404),
    (502, None, 20500), (400, 21205, 21205)])
def test_an_injected_rest_error_carries_twilios_code_for_it(sim, recorded_call, status, code,
                                                            expected):
    sim.engine.faults.add("rest", "error", status=status, code=code)
    response = requests.get(api(sim, f"/Calls/{recorded_call.sid}.json"), auth=AUTH, timeout=5)
    body = response.json()
    assert (response.status_code, body["status"], body["code"]) == (status, status, expected)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{expected}"


def test_twilio_client_sees_why_a_call_cannot_be_moved(sim, recorded_call, tmp_path):
    """What routing decides "the caller has gone" from: redirecting a finished call is
    HTTP 400 with error 21220, and a call Twilio does not know is 404 with 20404."""
    settings = load_settings(make_environ(tmp_path, TWILIO_API_BASE=sim.rest_url))
    client = make_twilio_client(settings, timeout=5)
    with pytest.raises(TwilioRestException) as finished:
        client.calls(recorded_call.sid).update(url="http://x/bridge", method="POST")
    assert (finished.value.status, finished.value.code) == (400, 21220)
    assert "not in-progress" in finished.value.msg
    with pytest.raises(TwilioRestException) as unknown:
        client.calls("CA" + "0" * 32).update(url="http://x/bridge", method="POST")
    assert (unknown.value.status, unknown.value.code) == (404, 20404)
    assert client.calls(recorded_call.sid).fetch().status == "completed"


def test_injected_rest_timeout_trips_the_client_timeout(sim, recorded_call):
    sim.engine.faults.add("rest", "timeout", seconds=1.0, match="/Calls/")
    with pytest.raises(requests.Timeout):
        requests.get(api(sim, f"/Calls/{recorded_call.sid}.json"), auth=AUTH, timeout=0.3)


@pytest.fixture
def realtime(twiml_app, tmp_path):
    """A stand-in on real time, so a REST request lands while audio is playing."""
    engine = make_engine(twiml_app, tmp_path, clock=SystemClock())
    twiml_app.documents["/status"] = "<Response/>"
    with ServedApp(create_rest_app(engine)) as rest:
        engine.media_base_url = rest.url
        settings = load_settings(make_environ(tmp_path, TWILIO_API_BASE=rest.url))
        yield engine, make_twilio_client(settings, timeout=5)


def start_loop_call(engine, app):
    app.documents["/voice"] = LOOP
    call = engine.place_call(to=LINE)
    thread = engine.start(call)
    deadline = time.monotonic() + 5
    while not call.heard and time.monotonic() < deadline:
        time.sleep(0.01)
    assert call.heard and call.heard[0].verb == "play"
    return call, thread


def test_twilio_client_update_url_redirects_the_live_call(realtime, twiml_app):
    engine, client = realtime
    twiml_app.documents["/rescued"] = "<Response><Say>an agent is free</Say></Response>"
    call, thread = start_loop_call(engine, twiml_app)
    started = time.monotonic()
    updated = client.calls(call.sid).update(url=twiml_app.url("/rescued"), method="POST")
    thread.join(5)
    assert time.monotonic() - started < 3            # the 7 s Play was cut short
    assert updated.sid == call.sid and updated.status == "in-progress"
    assert call.heard[0].interrupted
    assert [h.verb for h in call.heard] == ["play", "say"]
    [hit] = twiml_app.hits_to("/rescued")
    assert hit.signature_valid and hit.params["CallSid"] == call.sid
    assert twiml_app.hits_to("/chosen") == []


def test_twilio_client_update_twiml_and_fetch(realtime, twiml_app):
    engine, client = realtime
    call, thread = start_loop_call(engine, twiml_app)
    client.calls(call.sid).update(twiml="<Response><Say>inline</Say><Hangup/></Response>")
    thread.join(5)
    assert call.heard[-1].text == "inline"
    assert client.calls(call.sid).fetch().status == "completed"


def test_twilio_client_status_completed_hangs_up(realtime, twiml_app):
    engine, client = realtime
    call, thread = start_loop_call(engine, twiml_app)
    client.calls(call.sid).update(status="completed")
    thread.join(5)
    assert call.finished and call.ended_by == "api"
    assert twiml_app.hits_to("/status")[0].params["CallStatus"] == "completed"


def test_twilio_client_recordings_fetch_and_delete(sim, recorded_call, tmp_path):
    settings = load_settings(make_environ(tmp_path, TWILIO_API_BASE=sim.rest_url))
    client = make_twilio_client(settings, timeout=5)
    sid = recorded_call.recordings[0].sid
    recording = client.recordings(sid).fetch()
    assert (recording.sid, recording.call_sid, recording.source) == (
        sid, recorded_call.sid, "RecordVerb")
    assert client.recordings(sid).delete() is True
    with pytest.raises(TwilioRestException) as raised:
        client.recordings(sid).fetch()
    assert raised.value.status == 404


def test_rest_update_reaches_a_call_from_another_thread(sim):
    """With a simulated clock too: the redirect lands at the next wait point."""
    sim.engine.pace = 0.01
    sim.app.documents["/voice"] = LOOP
    sim.app.documents["/rescued"] = "<Response/>"
    call = sim.engine.place_call(to=LINE)
    thread = threading.Thread(target=sim.engine.run, args=(call,))
    thread.start()
    while not call.heard:
        time.sleep(0.005)
    response = requests.post(api(sim, f"/Calls/{call.sid}.json"), auth=AUTH,
                             data={"Url": sim.app.url("/rescued"), "Method": "POST"}, timeout=5)
    thread.join(5)
    assert response.status_code == 200 and call.finished
    assert sim.app.hits_to("/rescued")


def test_added_media_is_served_byte_for_byte_and_without_mp3_that_is_404(sim):
    stored = sim.engine.recordings.add_media(
        account_sid=TEST_ACCOUNT_SID, call_sid="CA" + "3" * 32, wav=b"RIFF not really",
        duration=2, at=sim.clock.now())
    media = requests.get(api(sim, f"/Recordings/{stored.sid}.wav"), auth=AUTH, timeout=5)
    assert (media.status_code, media.content) == (200, b"RIFF not really")
    assert media.headers["Content-Type"].startswith("audio/x-wav")
    assert requests.get(api(sim, f"/Recordings/{stored.sid}.mp3"), auth=AUTH,
                        timeout=5).status_code == 404
    body = requests.get(api(sim, f"/Recordings/{stored.sid}.json"), auth=AUTH, timeout=5).json()
    assert (body["sid"], body["call_sid"], body["duration"]) == (
        stored.sid, "CA" + "3" * 32, "2")


def test_every_request_is_logged_with_its_form_and_answer(sim, recorded_call):
    sim.engine.rest_log.clear()
    url = api(sim, f"/Calls/{recorded_call.sid}.json")
    sim.engine.faults.add("rest", "error", status=503)
    requests.post(url, auth=AUTH, data={"Status": "completed"}, timeout=5)
    requests.post(url, auth=AUTH, data={"Url": "http://x/y", "Method": "POST"}, timeout=5)
    requests.get(url, timeout=5)
    logged = sim.engine.rest_log.requests()
    assert [(item.method, item.form, item.status) for item in logged] == [
        ("POST", {"Status": "completed"}, 503),
        ("POST", {"Url": "http://x/y", "Method": "POST"}, 400),    # the call has ended: 21220
        ("GET", {}, 401)]
    assert {item.path for item in logged} == {
        f"/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Calls/{recorded_call.sid}.json"}
    assert sim.engine.rest_log.requests("GET", "/Calls/x.json") == []
    assert len(sim.engine.rest_log.requests("POST", f"/{recorded_call.sid}.json")) == 2
