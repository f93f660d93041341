"""<Gather>: scripted digits against numDigits, finishOnKey, timeout, action and
method, nested prompts, and what happens with no input."""

import pytest

from simulator.keypad import ScriptedKeypad
from tests.simulator.conftest import START

MENU = ('<Response><Gather {attrs}><Say>Press a key</Say><Play>/audio/tone2s.wav</Play>'
        "</Gather><Say>no input</Say></Response>")


def gather_call(sim, attrs, press, **kwargs):
    sim.app.documents["/voice"] = MENU.format(attrs=attrs)
    sim.app.documents["/action"] = "<Response><Hangup/></Response>"
    return sim.call(press=press, **kwargs)


def test_num_digits_stops_collecting(sim):
    call = gather_call(sim, 'numDigits="1" action="/action"', ["25"])
    [hit] = sim.app.hits_to("/action")
    assert hit.params["Digits"] == "2" and hit.signature_valid
    assert [h.verb for h in call.heard] == ["say", "play"]


def test_finish_on_key_is_not_part_of_digits(sim):
    gather_call(sim, 'action="/action" finishOnKey="*"', ["123*"])
    [hit] = sim.app.hits_to("/action")
    assert (hit.params["Digits"], hit.params["FinishedOnKey"]) == ("123", "*")


def test_partial_entry_is_submitted_when_the_timeout_runs_out(sim):
    gather_call(sim, 'action="/action" timeout="7" numDigits="4"', ["12"])
    assert sim.app.hits_to("/action")[0].params["Digits"] == "12"
    # prompts (11 characters at 15/s + 2 s play) + two keys (0.6 s) + the 7 s timeout
    assert round(sim.clock.now() - START, 3) == round(11 / 15 + 2 + 0.6 + 7, 3)


def test_no_input_carries_on_with_the_next_verb(sim):
    call = gather_call(sim, 'action="/action" timeout="3"', [""])
    assert sim.app.hits_to("/action") == []
    assert call.heard[-1].text == "no input"


def test_action_on_empty_result_requests_the_action(sim):
    gather_call(sim, 'action="/action" actionOnEmptyResult="true"', [])
    [hit] = sim.app.hits_to("/action")
    assert hit.params["Digits"] == ""


def test_method_get_puts_digits_in_the_signed_query(sim):
    gather_call(sim, 'action="/action" method="GET" numDigits="1"', ["9"])
    [hit] = sim.app.hits_to("/action")
    assert hit.method == "GET" and hit.signature_valid and hit.params["Digits"] == "9"


def test_default_action_is_the_current_document(sim):
    sim.app.documents["/voice"] = lambda p: (
        "<Response><Hangup/></Response>" if "Digits" in p else
        '<Response><Gather numDigits="1"><Say>menu</Say></Gather></Response>')
    sim.call(press=["3"])
    hits = sim.app.hits_to("/voice")
    assert [h.params.get("Digits") for h in hits] == [None, "3"]


def test_script_entries_are_used_one_gather_at_a_time(sim):
    sim.app.documents["/voice"] = ('<Response><Gather numDigits="1" action="/second"/>'
                                   "</Response>")
    sim.app.documents["/second"] = ('<Response><Gather numDigits="2" action="/action"/>'
                                    "</Response>")
    sim.app.documents["/action"] = "<Response/>"
    sim.call(press=["1", "42"])
    assert sim.app.hits_to("/second")[0].params["Digits"] == "1"
    assert sim.app.hits_to("/action")[0].params["Digits"] == "42"


# Twilio, https://www.twilio.com/docs/voice/twiml/gather: a digit entered while a nested
# <Say> plays stops it ("<Gather> verb stops speaking"), and "the timeout begins either
# after the audio completes or when the caller presses their first key".

def test_a_timed_key_barges_in_on_the_nested_prompts(sim):
    # "Press a key" lasts 11/15 s; the key comes 0.5 s into the 2 s tone after it.
    call = gather_call(sim, 'numDigits="1" action="/action" timeout="5"', ["3@1.233"])
    assert sim.app.hits_to("/action")[0].params["Digits"] == "3"
    assert [(h.verb, h.interrupted) for h in call.heard] == [("say", False), ("play", True)]
    # the action is requested at the key: neither the rest of the tone nor a timeout
    assert round(sim.clock.now() - START, 3) == 1.233


def test_a_key_during_the_first_prompt_skips_the_later_ones(sim):
    call = gather_call(sim, 'numDigits="1" action="/action"', ["1@0.2"])
    assert [(h.verb, h.interrupted) for h in call.heard] == [("say", True)]
    assert sim.app.hits_to("/action")[0].params["Digits"] == "1"


def test_after_a_barge_in_the_timeout_runs_from_the_key(sim):
    gather_call(sim, 'action="/action" timeout="4" numDigits="3"', ["12@0.5"])
    assert sim.app.hits_to("/action")[0].params["Digits"] == "12"
    # first key at 0.5 s, the second 0.3 s later, then 4 s without a third
    assert round(sim.clock.now() - START, 3) == round(0.5 + 0.3 + 4, 3)


def test_a_key_timed_after_the_prompts_is_pressed_within_the_timeout(sim):
    call = gather_call(sim, 'numDigits="1" action="/action" timeout="5"', ["2@4"])
    assert [h.interrupted for h in call.heard] == [False, False]
    assert sim.app.hits_to("/action")[0].params["Digits"] == "2"
    assert round(sim.clock.now() - START, 3) == 4.0


def test_a_key_timed_after_the_timeout_is_no_input(sim):
    call = gather_call(sim, 'numDigits="1" action="/action" timeout="2"', ["2@9"])
    assert sim.app.hits_to("/action") == []
    assert call.heard[-1].text == "no input"


def test_a_barge_in_with_action_on_empty_result_hash_first_is_an_empty_result(sim):
    gather_call(sim, 'action="/action" actionOnEmptyResult="true"', ["#@0.1"])
    [hit] = sim.app.hits_to("/action")
    assert hit.params["Digits"] == ""


@pytest.mark.parametrize("entry", ["1@", "@2", "1@soon", "1@-1", "1@nan"])
def test_a_malformed_timed_entry_is_refused_with_the_fix(entry):
    with pytest.raises(ValueError, match="keys@seconds"):
        ScriptedKeypad([entry])


def test_action_on_empty_result_comes_after_the_prompts_and_the_timeout(sim):
    gather_call(sim, 'action="/action" actionOnEmptyResult="true" timeout="3"', [""])
    assert sim.app.hits_to("/action")[0].params["Digits"] == ""
    # "Before Twilio begins the timeout period, it waits until all nested verbs have executed."
    assert round(sim.clock.now() - START, 3) == round(11 / 15 + 2 + 3, 3)


def test_a_lone_finish_on_key_submits_nothing_and_the_gather_keeps_listening(sim):
    """Twilio's finishOnKey submits the digits before it; pressed first, with nothing
    to submit, it does not end the <Gather>: the timeout does."""
    call = gather_call(sim, 'action="/action" timeout="4"', ["#"])
    assert sim.app.hits_to("/action") == []
    assert call.heard[-1].text == "no input"
    # prompts (11 characters at 15/s + 2 s play) + the key (0.3 s) + the whole timeout,
    # then "no input" (8 characters)
    assert round(sim.clock.now() - START, 3) == round(11 / 15 + 2 + 0.3 + 4 + 8 / 15, 3)


def test_digits_after_a_lone_finish_on_key_are_still_collected(sim):
    gather_call(sim, 'action="/action" timeout="4"', ["#12#"])
    [hit] = sim.app.hits_to("/action")
    assert (hit.params["Digits"], hit.params["FinishedOnKey"]) == ("12", "#")


def test_say_in_a_language_with_no_voice_named_is_flagged(sim):
    sim.app.documents["/voice"] = ('<Response><Say language="th-TH">สวัสดี</Say>'
                                   '<Say language="th-TH" voice="Google.th-TH-Standard-A">'
                                   'สวัสดี</Say><Say language="en-US">hello</Say></Response>')
    call = sim.call()
    flagged = [notice for notice in call.notices if "names no voice" in notice.message]
    assert len(flagged) == 1 and "'th-TH'" in flagged[0].message
