"""TwiML parsing: Twilio's defaults, and the documents Twilio's debugger rejects."""

import pytest

from simulator.voice import twiml
from simulator.voice.document import resolve


def test_gather_defaults_are_twilios():
    [gather] = twiml.parse("<Response><Gather><Say>Hi</Say></Gather></Response>")
    assert gather == twiml.Gather(prompts=(twiml.Say("Hi"),))
    assert (gather.timeout, gather.finish_on_key, gather.method) == (5.0, "#", "POST")


def test_dial_nouns_and_record_option():
    [dial] = twiml.parse(
        '<Response><Dial timeout="10" record="record-from-answer-dual" action="/after">'
        "<Client><Identity>agent-17</Identity></Client><Number>+66812345678</Number>"
        "</Dial></Response>")
    assert [(t.kind, t.value) for t in dial.targets] == [("client", "agent-17"),
                                                         ("number", "+66812345678")]
    assert (dial.timeout, dial.record, dial.action) == (10.0, "record-from-answer-dual", "/after")


def test_conference_noun_attributes_and_twilios_defaults():
    [dial] = twiml.parse(
        '<Response><Dial action="/left"><Conference startConferenceOnEnter="false" '
        'endConferenceOnExit="true" beep="onEnter" waitUrl="/hold" record="record-from-start" '
        'statusCallback="/conf" statusCallbackEvent="start end join leave">CA123</Conference>'
        "</Dial></Response>")
    room = dial.conference
    assert dial.targets == () and room is not None and room.name == "CA123"
    assert (room.start_conference_on_enter, room.end_conference_on_exit, room.beep) == (
        False, True, "onEnter")
    assert (room.wait_url, room.record, room.status_callback) == (
        "/hold", "record-from-start", "/conf")
    assert room.status_callback_event == ("start", "end", "join", "leave")
    [plain] = twiml.parse("<Response><Dial><Conference>r</Conference></Dial></Response>")
    assert plain.conference == twiml.Conference(name="r")
    assert (plain.conference.start_conference_on_enter, plain.conference.end_conference_on_exit,
            plain.conference.beep, plain.conference.muted) == (True, False, "true", False)


def test_dial_with_plain_number_text():
    [dial] = twiml.parse("<Response><Dial>+66812345678</Dial></Response>")
    assert dial.targets == (twiml.DialTarget("number", "+66812345678"),)


@pytest.mark.parametrize("document, code", [
    ("<Response><Say>unclosed</Response>", 12100),
    ("<Html><Say>Hi</Say></Html>", 12100),
    ("<Response><Speak>Hi</Speak></Response>", 12200),
    ("<Response><Gather><Dial>1</Dial></Gather></Response>", 12200),
    ('<Response><Gather timeout="soon"/></Response>', 12200),
    ('<Response><Gather finishOnKey="ab"/></Response>', 12200),
    ('<Response><Redirect method="PUT">/x</Redirect></Response>', 12200),
    ("<Response><Redirect/></Response>", 12200),
    ("<Response><Dial><Conference></Conference></Dial></Response>", 12200),
    ('<Response><Dial><Conference beep="loud">room</Conference></Dial></Response>', 12200),
    ('<Response><Dial><Conference record="always">room</Conference></Dial></Response>', 12200),
    ("<Response><Dial><Conference>room</Conference><Client>a</Client></Dial></Response>",
     12200),
    ("<Response><Dial><Sip>sip:a@example.org</Sip></Dial></Response>", 12200),
    ('<Response><Dial record="sometimes">+6681</Dial></Response>', 12200),
    ('<Response><Reject reason="tired"/></Response>', 12200),
])
def test_invalid_documents_carry_twilios_error_codes(document, code):
    with pytest.raises(twiml.TwimlError) as raised:
        twiml.parse(document)
    assert raised.value.code == code


@pytest.mark.parametrize("base, url, expected", [
    ("http://app/twilio/voice/incoming", "menu", "http://app/twilio/voice/menu"),
    ("http://app/twilio/voice/incoming", "/prompts/a.wav", "http://app/prompts/a.wav"),
    ("http://app/a/b?x=1", "c?y=2", "http://app/a/c?y=2"),
    ("http://app/a", "https://other/b", "https://other/b"),
])
def test_relative_urls_resolve_against_the_document(base, url, expected):
    assert resolve(base, url) == expected
