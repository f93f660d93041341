"""The call itself: Twilio's parameters and signature, Say/Play/Pause timing on the
simulated clock, Redirect, Hangup/Reject, the final status callback, and how
broken documents end a call."""

import re

from simulator.errors import APPLICATION_ERROR_TEXT
from tests.simulator.conftest import CALLER, LINE, START


def test_first_webhook_carries_twilios_parameters_signed(sim):
    sim.app.documents["/voice"] = "<Response><Hangup/></Response>"
    call = sim.call()
    [hit] = sim.app.hits_to("/voice")
    assert hit.signature_valid and hit.method == "POST"
    params = hit.params
    assert re.fullmatch(r"CA[0-9a-f]{32}", params["CallSid"]) and params["CallSid"] == call.sid
    assert params["AccountSid"].startswith("AC") and len(params["AccountSid"]) == 34
    assert (params["From"], params["To"], params["Caller"], params["Called"]) == (
        CALLER, LINE, CALLER, LINE)
    assert (params["Direction"], params["ApiVersion"], params["CallStatus"]) == (
        "inbound", "2010-04-01", "ringing")
    assert (params["CallerCountry"], params["CalledCountry"]) == ("MM", "TH")
    assert hit.headers["User-Agent"].startswith("TwilioProxy")


def test_status_callback_reports_completed_with_duration(sim):
    sim.app.documents["/voice"] = '<Response><Pause length="42"/></Response>'
    call = sim.call()
    [status] = sim.app.hits_to("/status")
    assert status.signature_valid
    assert status.params["CallStatus"] == "completed"
    assert status.params["CallDuration"] == "42"
    assert call.status == "completed" and call.ended_by == "app"


def test_say_and_pause_advance_the_simulated_clock(sim):
    text = "x" * 30        # 30 characters at 15 per second: 2 s, twice
    sim.app.documents["/voice"] = (f'<Response><Say voice="alice" language="th-TH" loop="2">'
                                   f'{text}</Say><Pause length="3"/></Response>')
    call = sim.call()
    assert sim.clock.now() - START == 7.0
    [say] = call.heard
    assert (say.verb, say.text, say.language, say.voice, say.seconds) == (
        "say", text, "th-TH", "alice", 4.0)


def test_play_lasts_as_long_as_the_real_file_and_loops(sim):
    sim.app.documents["/voice"] = '<Response><Play loop="2">/audio/tone2s.wav</Play></Response>'
    call = sim.call()
    assert sim.clock.now() - START == 4.0
    assert call.heard[0].audio_url == sim.app.url("/audio/tone2s.wav")
    assert len(sim.app.hits_to("/audio/tone2s.wav")) == 1      # fetched once, measured
    assert sim.app.hits_to("/audio/tone2s.wav")[0].method == "GET"


def test_play_that_cannot_be_fetched_is_a_notice_not_the_end(sim):
    sim.app.documents["/voice"] = ("<Response><Play>/audio/missing.mp3</Play>"
                                   "<Say>after</Say></Response>")
    call = sim.call()
    assert [n.code for n in call.notices] == [13227]
    assert not call.notices[0].fatal
    assert call.heard[-1].text == "after"


def test_play_digits_is_heard_as_digits(sim):
    sim.app.documents["/voice"] = '<Response><Play digits="1w2"/></Response>'
    call = sim.call()
    assert (call.heard[0].verb, call.heard[0].text) == ("digits", "1w2")


def test_redirect_follows_relative_url_with_method(sim):
    sim.app.documents["/voice"] = ('<Response><Redirect method="GET">next?step=2</Redirect>'
                                   "</Response>")
    sim.app.documents["/next"] = "<Response><Say>arrived</Say></Response>"
    call = sim.call()
    [hit] = sim.app.hits_to("/next")
    assert hit.method == "GET" and hit.signature_valid
    assert hit.params["step"] == "2" and hit.params["CallSid"] == call.sid
    assert call.path == [sim.app.url("/voice"), sim.app.url("/next?step=2")]


def test_document_without_more_verbs_hangs_up(sim):
    sim.app.documents["/voice"] = "<Response><Say>bye</Say></Response>"
    call = sim.call()
    assert call.ended_by == "app" and call.status == "completed"


def test_reject_never_answers(sim):
    sim.app.documents["/voice"] = '<Response><Reject reason="busy"/></Response>'
    call = sim.call()
    [status] = sim.app.hits_to("/status")
    assert status.params["CallStatus"] == "busy"
    assert status.params["CallDuration"] == "0"
    assert call.answered_at is None and call.heard == []


def test_caller_hangs_up_at_the_given_moment(sim):
    sim.app.documents["/voice"] = ("<Response><Say>" + "long " * 60 + "</Say>"
                                   "<Say>never</Say></Response>")
    call = sim.call(hangup_after=5)
    assert call.ended_by == "caller"
    assert sim.clock.now() - START == 5.0
    assert call.heard[0].interrupted and len(call.heard) == 1
    assert sim.app.hits_to("/status")[0].params["CallDuration"] == "5"


def test_invalid_twiml_is_a_notice_and_an_application_error(sim):
    sim.app.documents["/voice"] = "<Response><Say>oops</Response>"
    call = sim.call()
    [notice] = call.notices
    assert (notice.code, notice.fatal) == (12100, True)
    assert "application error" in call.heard[-1].text
    assert call.ended_by == "error" and call.status == "completed"


def test_unknown_verb_is_schema_error_12200(sim):
    sim.app.documents["/voice"] = "<Response><Say>first</Say><Dance/></Response>"
    call = sim.call()
    assert [n.code for n in call.notices] == [12200]
    assert [h.text for h in call.heard] == [APPLICATION_ERROR_TEXT]


def test_webhook_answering_500_ends_the_call_as_application_error(sim):
    sim.app.documents["/voice"] = lambda p: ("boom", 500, "text/plain")
    call = sim.call()
    assert [(n.code, n.fatal) for n in call.notices] == [(11200, True)]
    assert call.webhooks[0].status == 500
    assert call.ended_by == "error"


def test_missing_webhook_404_is_11200(sim):
    call = sim.call(voice_url=sim.app.url("/nowhere"))
    assert call.notices[0].code == 11200 and call.webhooks[0].status == 404


def test_non_twiml_content_type_is_12300(sim):
    sim.app.documents["/voice"] = lambda p: ('{"a": 1}', 200, "application/json")
    call = sim.call()
    assert call.notices[0].code == 12300


def test_audio_response_is_played(sim):
    sim.app.documents["/voice"] = "<Response><Redirect>/audio/tone2s.wav</Redirect></Response>"
    call = sim.call()
    assert call.heard[0].verb == "play" and call.heard[0].seconds == 2.0


def test_endless_loop_is_stopped(sim):
    sim.app.documents["/voice"] = "<Response><Redirect>/voice</Redirect></Response>"
    sim.engine.MAX_DOCUMENTS = 20
    call = sim.call()
    assert call.notices[-1].code == 21220 and call.ended_by == "limit"
    assert len(sim.app.hits_to("/voice")) == 20
