"""<Record>: a real espeak-ng (or given WAV) message in Twilio's formats, served by
the REST emulator at RecordingUrl; the action's parameters and the status callback."""

import wave
from io import BytesIO

import requests

from tests.builders import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from tests.simulator.twiml_app import tone_wav

AUTH = (TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)


def record_call(sim, attrs="", **kwargs):
    sim.app.documents["/voice"] = (f'<Response><Record action="/recorded" {attrs} '
                                   'recordingStatusCallback="/rec"/>'
                                   "<Say>no message</Say></Response>")
    sim.app.documents["/recorded"] = "<Response><Say>thank you</Say></Response>"
    sim.app.documents["/rec"] = ""
    return sim.call(**kwargs)


def test_spoken_message_becomes_a_recording_in_twilio_formats(sim):
    call = record_call(sim, say="My wages were not paid for three months", voice="en")
    [action] = sim.app.hits_to("/recorded")
    params = action.params
    assert params["Digits"] == "#" and params["RecordingSid"].startswith("RE")
    assert int(params["RecordingDuration"]) >= 2
    wav = requests.get(params["RecordingUrl"], auth=AUTH, timeout=5)     # no extension: WAV
    assert wav.headers["Content-Type"].startswith("audio/x-wav")
    with wave.open(BytesIO(wav.content)) as reader:
        assert (reader.getnchannels(), reader.getframerate(), reader.getsampwidth()) == (1, 8000, 2)
        assert reader.getnframes() > 8000
    mp3 = requests.get(params["RecordingUrl"] + ".mp3", auth=AUTH, timeout=5)
    assert mp3.headers["Content-Type"] == "audio/mpeg" and mp3.content[:3] in (b"ID3", b"\xff\xfb",
                                                                             b"\xff\xf3")
    [status] = sim.app.hits_to("/rec")
    assert status.params["RecordingSid"] == params["RecordingSid"]
    assert status.params["RecordingStatus"] == "completed"
    assert status.params["RecordingChannels"] == "1"
    assert status.params["RecordingSource"] == "RecordVerb"
    # Twilio requests the action first; the status callback follows.
    order = [h.path for h in sim.app.hits]
    assert order.index("/recorded") < order.index("/rec")
    assert [h.verb for h in call.heard] == ["beep", "say"]


def test_given_wav_file_is_recorded(sim, tmp_path):
    source = tmp_path / "message.wav"
    source.write_bytes(tone_wav(3.0, rate=16000))
    record_call(sim, say_file=str(source))
    assert sim.app.hits_to("/recorded")[0].params["RecordingDuration"] == "3"


def test_caller_hanging_up_ends_the_recording_with_digits_hangup(sim):
    call = record_call(sim, say="please call me back", record_end="hangup")
    assert sim.app.hits_to("/recorded")[0].params["Digits"] == "hangup"
    assert call.ended_by == "caller" and [h.verb for h in call.heard] == ["beep"]


def test_max_length_cuts_the_message(sim):
    record_call(sim, attrs='maxLength="2" playBeep="false"',
                say="this is a very long message that goes on and on about my employer")
    params = sim.app.hits_to("/recorded")[0].params
    assert params["RecordingDuration"] == "2" and params["Digits"] == ""


def test_silence_records_nothing_and_carries_on(sim):
    call = record_call(sim, attrs='timeout="4"')
    assert sim.app.hits_to("/recorded") == [] and call.recordings == []
    assert call.heard[-1].text == "no message"
