"""Contract: every REST emulator response validates against Twilio's OpenAPI
description (vendored in tests/simulator/twilio/, with its MIT notice), and carries
exactly the properties Twilio's schema lists."""

import json
from functools import cache
from pathlib import Path

import pytest
import requests
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.builders import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN

SPEC_PATH = Path(__file__).parent / "twilio" / "twilio_api_v2010.json"
BASE = "urn:twilio-api-v2010"
AUTH = (TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
# Fields Twilio's schema types as a non-nullable enum although their own description
# says "When a conference is in progress, will be `null`" (and the live API sends null).
NULL_BY_DESCRIPTION = {"reason_conference_ended"}


@cache
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text())


@cache
def registry() -> Registry:
    return Registry().with_resource(
        BASE, Resource.from_contents(spec(), default_specification=DRAFT202012))


def response_schema(path: str, method: str, status: int) -> dict | None:
    responses = spec()["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} never answers {status}"
    content = responses[str(status)].get("content")
    if content is None:
        return None
    schema = content["application/json"]["schema"]
    if "$ref" in schema:
        return {"$ref": BASE + schema["$ref"]}
    # An inline schema (list pages): point into the spec so its own $refs resolve.
    pointer = "/".join(part.replace("~", "~0").replace("/", "~1") for part in (
        "paths", path, method, "responses", str(status), "content", "application/json",
        "schema"))
    return {"$ref": f"{BASE}#/{pointer}"}


def validate(path: str, method: str, response: requests.Response) -> None:
    schema = response_schema(path, method, response.status_code)
    if schema is None:
        assert response.content == b""
        return
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    problems = [error for error in OAS30Validator(schema, registry=registry()).iter_errors(body)
                if not (error.instance is None and error.path
                        and error.path[-1] in NULL_BY_DESCRIPTION)]
    if problems:
        raise problems[0]
    target = registry().resolver(BASE).lookup(schema["$ref"]).contents
    if "properties" in target:
        assert set(body) == set(target["properties"]), "fields differ from Twilio's"


CALL = "/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json"
RECORDING = "/2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}.json"
RECORDINGS = "/2010-04-01/Accounts/{AccountSid}/Recordings.json"
CALL_RECORDINGS = "/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json"


@pytest.fixture
def dialled_and_recorded(sim):
    from simulator.endpoints import Behaviour

    sim.engine.endpoints.register("client", "agent-1", Behaviour(answer_after=1, talk_seconds=3))
    sim.app.documents["/voice"] = ('<Response><Dial record="record-from-answer-dual">'
                                   "<Client>agent-1</Client></Dial>"
                                   '<Record action="/done"/></Response>')
    sim.app.documents["/done"] = "<Response/>"
    return sim.call(say="hello", voice="en")


def url(sim, path, **values):
    values.setdefault("AccountSid", TEST_ACCOUNT_SID)
    return sim.rest_url + path.format(**values)


def test_call_fetch_update_delete_match_the_contract(sim, dialled_and_recorded):
    call = dialled_and_recorded
    for sid in [call.sid, call.child_sids[0]]:
        validate(CALL, "get", requests.get(url(sim, CALL, Sid=sid), auth=AUTH, timeout=5))
    validate(CALL, "delete", requests.delete(url(sim, CALL, Sid=call.sid), auth=AUTH, timeout=5))


def test_live_call_update_matches_the_contract(sim):
    import threading
    import time

    sim.engine.pace = 0.01
    sim.app.documents["/voice"] = '<Response><Pause length="600"/></Response>'
    live = sim.engine.place_call(to="+661800000101")
    thread = threading.Thread(target=sim.engine.run, args=(live,))
    thread.start()
    while live.status != "in-progress":
        time.sleep(0.005)
    response = requests.get(url(sim, CALL, Sid=live.sid), auth=AUTH, timeout=5)
    validate(CALL, "get", response)
    assert response.json()["end_time"] is None
    response = requests.post(url(sim, CALL, Sid=live.sid), data={"Status": "completed"},
                             auth=AUTH, timeout=5)
    validate(CALL, "post", response)
    thread.join(5)


def test_recordings_match_the_contract(sim, dialled_and_recorded):
    call = dialled_and_recorded
    assert {ref.source for ref in call.recordings} == {"DialVerb", "RecordVerb"}
    for ref in call.recordings:
        validate(RECORDING, "get",
                 requests.get(url(sim, RECORDING, Sid=ref.sid), auth=AUTH, timeout=5))
    validate(RECORDINGS, "get", requests.get(url(sim, RECORDINGS), auth=AUTH, timeout=5))
    validate(CALL_RECORDINGS, "get", requests.get(url(sim, CALL_RECORDINGS, CallSid=call.sid),
                                                  auth=AUTH, timeout=5))
    validate(RECORDING, "delete", requests.delete(url(sim, RECORDING, Sid=call.recordings[0].sid),
                                                  auth=AUTH, timeout=5))


def test_the_contract_check_itself_catches_a_wrong_shape():
    from jsonschema import ValidationError

    schema = {"$ref": BASE + "#/components/schemas/api.v2010.account.call"}
    with pytest.raises(ValidationError):
        OAS30Validator(schema, registry=registry()).validate({"sid": "not-a-sid",
                                                              "status": "ringing"})
    with pytest.raises(ValidationError):
        OAS30Validator(schema, registry=registry()).validate({"status": "on-hold"})


CALLS = "/2010-04-01/Accounts/{AccountSid}/Calls.json"
CONFERENCES = "/2010-04-01/Accounts/{AccountSid}/Conferences.json"
CONFERENCE = "/2010-04-01/Accounts/{AccountSid}/Conferences/{Sid}.json"
PARTICIPANTS = "/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants.json"
PARTICIPANT = ("/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}"
               "/Participants/{CallSid}.json")


def test_calls_create_and_list_and_conferences_match_the_contract(sim):
    import time

    from simulator.endpoints import Behaviour

    sim.engine.endpoints.register("client", "agent-2", Behaviour(answer_after=1,
                                                                 talk_seconds=None))
    sim.app.documents["/room"] = ('<Response><Dial><Conference endConferenceOnExit="true">'
                                  "room-9</Conference></Dial></Response>")
    created = requests.post(url(sim, CALLS), auth=AUTH, timeout=5, data={
        "To": "client:agent-2", "From": "+661800000101", "Url": sim.app.url("/room")})
    assert created.status_code == 201
    validate(CALLS, "post", created)
    call = sim.engine.get(created.json()["sid"])
    deadline = time.monotonic() + 10
    while not sim.engine.conferences.live("room-9", TEST_ACCOUNT_SID):
        assert time.monotonic() < deadline
        time.sleep(0.005)
    room = sim.engine.conferences.live("room-9", TEST_ACCOUNT_SID)

    validate(CALLS, "get", requests.get(url(sim, CALLS), params={"Status": "in-progress"},
                                        auth=AUTH, timeout=5))
    listed = requests.get(url(sim, CONFERENCES), params={"FriendlyName": "room-9"}, auth=AUTH,
                          timeout=5)
    validate(CONFERENCES, "get", listed)
    assert [item["sid"] for item in listed.json()["conferences"]] == [room.sid]
    validate(CONFERENCE, "get", requests.get(url(sim, CONFERENCE, Sid=room.sid), auth=AUTH,
                                             timeout=5))
    participants = requests.get(url(sim, PARTICIPANTS, ConferenceSid=room.sid), auth=AUTH,
                                timeout=5)
    validate(PARTICIPANTS, "get", participants)
    assert [p["call_sid"] for p in participants.json()["participants"]] == [call.sid]
    validate(PARTICIPANT, "get", requests.get(
        url(sim, PARTICIPANT, ConferenceSid=room.sid, CallSid=call.sid), auth=AUTH, timeout=5))

    requests.post(url(sim, CALL, Sid=call.sid), data={"Status": "completed"}, auth=AUTH,
                  timeout=5)
    assert call.wait(10)
    ended = requests.get(url(sim, CONFERENCE, Sid=room.sid), auth=AUTH, timeout=5)
    validate(CONFERENCE, "get", ended)
    assert ended.json()["status"] == "completed"
    assert ended.json()["reason_conference_ended"] == "participant-with-end-conference-on-exit-left"


def test_calls_create_refuses_what_twilio_refuses(sim):
    missing_to = requests.post(url(sim, CALLS), auth=AUTH, timeout=5,
                               data={"From": "+661800000101", "Url": sim.app.url("/x")})
    assert (missing_to.status_code, missing_to.json()["code"]) == (400, 21201)
    missing_url = requests.post(url(sim, CALLS), auth=AUTH, timeout=5,
                                data={"To": "client:a", "From": "+661800000101"})
    assert (missing_url.status_code, missing_url.json()["code"]) == (400, 21205)
