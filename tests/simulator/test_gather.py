"""<Gather>: scripted digits against numDigits, finishOnKey, timeout, action and
method, nested prompts, and what happens with no input."""

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
