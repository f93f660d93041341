"""Recordings as Twilio reports and lists them: status callbacks sent later than the
call's own requests, the events a recordingStatusCallbackEvent subscribes to
(in-progress, completed, absent), a conference's recording (ConferenceSid, no
CallSid), and the account's Recordings list with Twilio's filters and paging."""

from __future__ import annotations

import requests
from twilio.rest import Client

from helpline.twilio_client import RedirectingHttpClient
from tests.builders import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from tests.simulator.conftest import START

AUTH = (TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
DAY = 86400.0


def record_call(sim, events: str | None = None, **kwargs):
    subscribe = f' recordingStatusCallbackEvent="{events}"' if events else ""
    sim.app.documents["/voice"] = ('<Response><Record action="/recorded" timeout="3" '
                                   f'recordingStatusCallback="/rec"{subscribe}/>'
                                   "<Say>no message</Say></Response>")
    sim.app.documents["/recorded"] = "<Response><Say>thank you</Say></Response>"
    sim.app.documents["/rec"] = ""
    return sim.call(**kwargs)


def test_the_recording_callback_comes_later_than_the_call(sim):
    sim.engine.recording_callbacks.delay_seconds = (0.3, 0.3)
    record_call(sim, say="My wages were not paid", voice="en")
    order = [hit.path for hit in sim.app.hits]
    # The action, then the call's end, and only then the recording: as on Twilio, an
    # app cannot count on knowing the recording when the action or the end arrives.
    assert order.index("/recorded") < order.index("/status") < order.index("/rec")
    [status] = sim.app.hits_to("/rec")
    assert status.signature_valid and status.params["RecordingStatus"] == "completed"


def test_an_empty_voicemail_is_reported_absent_when_subscribed(sim):
    call = record_call(sim, events="completed absent")
    assert sim.app.hits_to("/recorded") == [] and call.recordings == []
    [absent] = sim.app.hits_to("/rec")
    assert absent.params["RecordingStatus"] == "absent"
    assert absent.params["CallSid"] == call.sid and absent.params["RecordingDuration"] == "0"
    stored = sim.engine.recordings.get(absent.params["RecordingSid"])
    assert stored.status == "absent"
    media = requests.get(absent.params["RecordingUrl"], auth=AUTH, timeout=5)
    assert media.status_code == 404                      # nothing to download


def test_only_the_subscribed_events_are_sent(sim):
    record_call(sim)                                     # default: completed only
    assert sim.app.hits_to("/rec") == []                 # silence: no absent callback
    record_call(sim, events="in-progress completed", say="please call me", voice="en")
    # Each is sent on its own, later: their order is not promised (nor is it by Twilio).
    assert sorted(hit.params["RecordingStatus"] for hit in sim.app.hits_to("/rec")) == [
        "completed", "in-progress"]


def test_an_unknown_recording_event_is_a_schema_error(sim):
    call = record_call(sim, events="completed failed")
    assert any(notice.code == 12200 and "recordingStatusCallbackEvent" in notice.message
               for notice in call.notices)


def test_a_recorded_conference_is_reported_with_its_conference_sid_and_no_call(sim):
    sim.app.documents["/voice"] = (
        '<Response><Dial><Conference endConferenceOnExit="true" beep="false" '
        'record="record-from-start" recordingStatusCallback="/rec" '
        'recordingStatusCallbackEvent="completed absent">room-7</Conference></Dial></Response>')
    sim.app.documents["/rec"] = ""
    call = sim.call(say="I need an interpreter", voice="en", hangup_after=6)
    [hit] = sim.app.hits_to("/rec")
    params = hit.params
    assert "CallSid" not in params and params["ConferenceSid"].startswith("CF")
    assert (params["RecordingStatus"], params["RecordingSource"],
            params["RecordingChannels"]) == ("completed", "DialVerb", "1")
    assert int(params["RecordingDuration"]) >= 5
    [room] = sim.engine.conferences.all()
    assert params["ConferenceSid"] == room.sid and call.recordings == []
    resource = requests.get(f"{sim.rest_url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/"
                            f"Recordings/{params['RecordingSid']}.json", auth=AUTH,
                            timeout=5).json()
    assert (resource["call_sid"], resource["conference_sid"]) == (None, room.sid)
    listed = requests.get(f"{sim.rest_url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/"
                          f"Conferences/{room.sid}/Recordings.json", auth=AUTH,
                          timeout=5).json()["recordings"]
    assert [item["sid"] for item in listed] == [params["RecordingSid"]]


def seed(sim, count: int, *, first_at: float, every: float) -> list[str]:
    return [sim.engine.recordings.add_media(
        account_sid=TEST_ACCOUNT_SID, call_sid=f"CA{index:032x}", wav=b"RIFF", duration=1,
        at=first_at + index * every).sid for index in range(count)]


def client(sim) -> Client:
    return Client(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN,
                  http_client=RedirectingHttpClient(sim.rest_url, timeout=5))


def test_the_recordings_list_filters_by_date_created(sim):
    from datetime import UTC, datetime

    sids = seed(sim, 5, first_at=START, every=DAY)   # one a day, from START's day on
    twilio = client(sim)
    third_day = datetime.fromtimestamp(START + 2 * DAY, UTC)
    after = [item.sid for item in twilio.recordings.list(date_created_after=third_day)]
    assert after == sids[:1:-1]                       # newest first: days 5, 4, 3
    before = [item.sid for item in twilio.recordings.list(date_created_before=third_day)]
    assert before == sids[2::-1]
    on = requests.get(f"{sim.rest_url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/"
                      f"Recordings.json", params={"DateCreated": third_day.date().isoformat()},
                      auth=AUTH, timeout=5).json()["recordings"]
    assert [item["sid"] for item in on] == [sids[2]]
    by_call = twilio.recordings.list(call_sid=f"CA{3:032x}")
    assert [item.sid for item in by_call] == [sids[3]]
    bad = requests.get(f"{sim.rest_url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/"
                       f"Recordings.json", params={"DateCreated>": "yesterday"}, auth=AUTH,
                       timeout=5)
    assert bad.status_code == 400 and bad.json()["code"] == 20001


def test_the_recordings_list_is_paged_like_twilios(sim):
    sids = seed(sim, 7, first_at=START, every=60)
    url = f"{sim.rest_url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Recordings.json"
    first = requests.get(url, params={"PageSize": "3"}, auth=AUTH, timeout=5).json()
    assert [item["sid"] for item in first["recordings"]] == sids[:3:-1]
    assert (first["page"], first["page_size"], first["start"], first["end"]) == (0, 3, 0, 2)
    assert "Page=1" in first["next_page_uri"] and "PageSize=3" in first["next_page_uri"]
    # twilio's client follows next_page_uri until it is null.
    assert [item.sid for item in client(sim).recordings.list(page_size=3)] == sids[::-1]
    last = requests.get(url, params={"PageSize": "3", "Page": "2"}, auth=AUTH,
                        timeout=5).json()
    assert [item["sid"] for item in last["recordings"]] == sids[:1]
    assert last["next_page_uri"] is None and last["previous_page_uri"]
    assert requests.get(url, params={"PageSize": "1001"}, auth=AUTH, timeout=5
                        ).status_code == 400
