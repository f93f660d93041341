"""The IVR state machine, transition by transition (pure: no web, no database)."""

from __future__ import annotations

import pytest

from ivr.domain import (
    ANNOUNCEMENT_SECONDS,
    incoming,
    next_step,
    routing_language,
    voicemail_saved,
)
from ivr.steps import (
    CallerInput,
    ChooseLanguage,
    ConsentNoticePlayed,
    Context,
    Gather,
    Hangup,
    Hold,
    JoinQueue,
    LeaveQueue,
    Line,
    LogEvent,
    Prompt,
    QueueView,
    Record,
    Redirect,
    SaveCallback,
    SetOutcome,
    route,
)

MYANMAR = Line("+661800000101", ("my", "shn", "kac", "ksw", "mnw"), "my")
KHMER = Line("+661800000102", ("km",), "km")
MAIN_MENU = (("1", "agent"), ("2", "voicemail"), ("3", "callback"), ("4", "information"),
             ("*", "repeat"))
PARENTS = {"shn": "my", "kac": "my", "ksw": "my", "mnw": "my"}


def ctx(line: Line = MYANMAR, **overrides) -> Context:
    base = dict(line=line, main_menu=MAIN_MENU, dialect_parents=PARENTS, max_wait_seconds=600,
                announce_interval_seconds=45, caller_number_last_digits="678")
    base.update(overrides)
    return Context(**base)


def prompts_of(decision) -> list[tuple[str, str]]:
    """Every prompt the caller would hear, in order, including those inside a Gather."""
    heard = []
    for step in decision.steps:
        inner = step.prompts if isinstance(step, Gather) else (step,)
        heard += [(p.id, p.language) for p in inner if isinstance(p, Prompt)]
    return heard


def gather_of(decision) -> Gather:
    return next(step for step in decision.steps if isinstance(step, Gather))


def test_menu_line_offers_each_language_in_its_own_language():
    decision = incoming(ctx())
    options = gather_of(decision).prompts
    assert [(p.id, p.language, dict(p.params)["digit"]) for p in options] == [
        ("language_option", "my", "1"), ("language_option", "shn", "2"),
        ("language_option", "kac", "3"), ("language_option", "ksw", "4"),
        ("language_option", "mnw", "5")]
    assert gather_of(decision).action == route("language", tries=0)


def test_direct_line_plays_its_whole_introduction_inside_the_main_menu():
    decision = incoming(ctx(KHMER))
    # One Gather: a key at any moment of the introduction is the caller's menu choice.
    [gather] = decision.steps
    assert isinstance(gather, Gather) and gather.action == route("main", lang="km", tries=0)
    assert [p.id for p in gather.prompts] == [
        "consent_notice", "welcome",
        "menu_agent", "menu_voicemail", "menu_callback", "menu_information", "menu_repeat"]
    # The notice is first, so whenever the caller presses, it has started.
    assert ChooseLanguage("km") in decision.effects
    assert ConsentNoticePlayed() in decision.effects


def test_unknown_number_is_logged_and_still_served():
    decision = incoming(ctx(Line("+661800000101", MYANMAR.languages, "my", known=False)))
    assert LogEvent("unknown_number") in decision.effects
    assert gather_of(decision).action.name == "language"


@pytest.mark.parametrize(("digits", "chosen"), [
    ("1", "my"), ("2", "shn"), ("3", "kac"), ("4", "ksw"), ("5", "mnw")])
def test_each_dialect_is_its_own_choice(digits, chosen):
    decision = next_step(route("language", tries=0), CallerInput(digits), ctx())
    assert ChooseLanguage(chosen) in decision.effects
    assert prompts_of(decision)[:2] == [("consent_notice", chosen), ("welcome", chosen)]
    assert gather_of(decision).action == route("main", lang=chosen, tries=0)


@pytest.mark.parametrize(("digits", "first_prompt", "tries_next"), [
    (None, "no_input", 1), ("9", "not_recognised", 1), ("0", "not_recognised", 1),
    ("#", "not_recognised", 1)])
def test_language_menu_failures_replay_with_a_short_notice(digits, first_prompt, tries_next):
    decision = next_step(route("language", tries=0), CallerInput(digits), ctx())
    # the notice is inside the Gather: a caller who knows their key needn't wait for it
    assert gather_of(decision).prompts[0] == Prompt(first_prompt, "my")
    assert gather_of(decision).action == route("language", tries=tries_next)


def test_star_repeats_the_language_menu_without_counting_a_failure():
    decision = next_step(route("language", tries=1), CallerInput("*"), ctx())
    assert prompts_of(decision)[0] == ("language_option", "my")
    assert gather_of(decision).action == route("language", tries=1)


def test_three_failures_fall_back_to_the_line_default_language():
    decision = next_step(route("language", tries=2), CallerInput("9"), ctx())
    assert ChooseLanguage("my") in decision.effects
    assert LogEvent("language_defaulted") in decision.effects
    assert gather_of(decision).action.name == "main"


@pytest.mark.parametrize(("digits", "expected_first", "effect"), [
    ("2", ("voicemail_prompt", "km"), LogEvent("voicemail_started")),
    ("4", ("information", "km"), LogEvent("information_played")),
    ("*", ("menu_agent", "km"), None),
])
def test_main_menu_actions(digits, expected_first, effect):
    decision = next_step(route("main", lang="km", tries=0), CallerInput(digits), ctx(KHMER))
    assert prompts_of(decision)[0] == expected_first
    if effect is not None:
        assert effect in decision.effects


def test_asking_for_an_advisor_joins_the_queue_and_lets_the_wait_step_speak():
    decision = next_step(route("main", lang="km", tries=0), CallerInput("1"), ctx(KHMER))
    # Nothing said yet: only the wait step knows whether an advisor may come.
    assert decision.steps == (Redirect(route("wait", lang="km", joined=1)),)
    assert JoinQueue() in decision.effects


def test_rights_information_is_skippable_straight_to_a_menu_choice():
    decision = next_step(route("main", lang="km", tries=0), CallerInput("4"), ctx(KHMER))
    [gather] = decision.steps
    assert [p.id for p in gather.prompts][:2] == ["information", "menu_agent"]
    assert gather.action == route("main", lang="km", tries=0)


def test_main_menu_failures_then_an_agent_never_a_dead_end():
    first = next_step(route("main", lang="km", tries=0), CallerInput(None), ctx(KHMER))
    assert gather_of(first).prompts[0] == Prompt("no_input", "km")
    assert gather_of(first).action == route("main", lang="km", tries=1)
    last = next_step(route("main", lang="km", tries=2), CallerInput("7"), ctx(KHMER))
    assert JoinQueue() in last.effects and LogEvent("menu_defaulted") in last.effects


def test_menu_is_data_a_different_configuration_changes_keys():
    menu = (("5", "voicemail"), ("9", "agent"))
    decision = next_step(route("main", lang="km"), CallerInput("9"), ctx(KHMER, main_menu=menu))
    assert JoinQueue() in decision.effects
    decision = next_step(route("main", lang="km"), CallerInput("1"), ctx(KHMER, main_menu=menu))
    assert prompts_of(decision)[0] == ("not_recognised", "km")


def waiting(**kw) -> QueueView:
    base = dict(position=3, waiting_seconds=30, estimated_wait_seconds=150, agents_logged_in=2)
    base.update(kw)
    return QueueView(**base)


def test_wait_loop_announces_position_and_wait_then_holds_and_loops():
    decision = next_step(route("wait", lang="km"), CallerInput(), ctx(KHMER, queue=waiting()))
    gather = gather_of(decision)
    assert [(p.id, dict(p.params)) for p in gather.prompts if isinstance(p, Prompt)] == [
        ("queue_position", {"position": "3"}), ("queue_wait", {"minutes": "2"}),
        ("queue_options", {})]
    assert isinstance(gather.prompts[-1], Hold) and gather.prompts[-1].seconds == 45
    assert gather.action == route("queue_key", lang="km")
    assert decision.steps[-1] == Redirect(route("wait", lang="km"))


def test_no_agent_logged_in_offers_voicemail_or_callback_at_once():
    decision = next_step(route("wait", lang="km"), CallerInput(),
                         ctx(KHMER, queue=waiting(agents_logged_in=0)))
    assert prompts_of(decision) == [("no_agents", "km"), ("offer_voicemail_or_callback", "km")]
    assert LeaveQueue("no_agents") in decision.effects


def test_maximum_wait_offers_voicemail_or_callback():
    decision = next_step(route("wait", lang="km"), CallerInput(),
                         ctx(KHMER, queue=waiting(waiting_seconds=600)))
    assert prompts_of(decision)[0] == ("max_wait_reached", "km")
    assert LeaveQueue("max_wait") in decision.effects


# (waited, what the next loop plays): the announcements take up to
# ANNOUNCEMENT_SECONDS (18) and the Gather's key timeout 1 s; hold comes in whole 15 s
# loops of the hold file. With 600 s the maximum, a loop never ends more than one hold
# loop past it.
@pytest.mark.parametrize(("waited", "expected"), [
    (30, ("announce", 45)),        # plenty of time: the configured 45 s of hold
    (530, ("announce", 45)),       # 70 s left: 18 + 1 + 45 = 64 s, ends by 600
    (550, ("announce", 30)),       # 50 s left: only two loops fit
    (580, ("announce", 0)),        # 20 s left: the announcements alone
    (586, ("hold", 15)),           # 14 s left: one loop, ending 2 s past the maximum
    (597.5, ("offer", 0)),         # under 3 s left: the maximum wait is reached
    (600, ("offer", 0)),
])
def test_announcements_and_hold_end_by_the_maximum_wait(waited, expected):
    decision = next_step(route("wait", lang="km"), CallerInput(),
                         ctx(KHMER, queue=waiting(waiting_seconds=waited)))
    if expected[0] == "offer":
        assert prompts_of(decision)[0] == ("max_wait_reached", "km")
        return
    prompts = gather_of(decision).prompts
    held = sum(step.seconds for step in prompts if isinstance(step, Hold))
    announced = any(isinstance(step, Prompt) for step in prompts)
    assert (("announce" if announced else "hold"), held) == expected
    if announced:
        assert waited + ANNOUNCEMENT_SECONDS + 1 + held <= 600


def test_the_wait_is_said_only_when_there_is_an_estimate():
    decision = next_step(route("wait", lang="km"), CallerInput(),
                         ctx(KHMER, queue=waiting(estimated_wait_seconds=None)))
    assert [p.id for p in gather_of(decision).prompts if isinstance(p, Prompt)] == [
        "queue_position", "queue_options"]


@pytest.mark.parametrize(("digits", "expected"), [
    ("1", "voicemail_prompt"), ("2", "callback_confirm_number"), ("5", None), (None, None)])
def test_keys_while_waiting(digits, expected):
    decision = next_step(route("queue_key", lang="km"), CallerInput(digits), ctx(KHMER))
    if expected is None:
        assert decision.steps == (Redirect(route("wait", lang="km")),)
    else:
        assert prompts_of(decision)[0][0] == expected
    if digits == "1":
        assert LeaveQueue("voicemail") in decision.effects
    if digits == "2":
        # a callback keeps the caller's place: no LeaveQueue until it is saved
        assert not any(isinstance(e, LeaveQueue) for e in decision.effects)


def test_voicemail_records_with_configured_limits_and_callback():
    decision = next_step(route("voicemail", lang="ne"), CallerInput(),
                         ctx(Line("+661800000104", ("ne",), "ne"), voicemail_max_seconds=120))
    record = next(step for step in decision.steps if isinstance(step, Record))
    assert record.max_length_seconds == 120 and record.finish_on_key == "#"
    assert record.status_callback == route("recording_status", kind="voicemail", lang="ne")
    assert prompts_of(decision)[0] == ("voicemail_prompt", "ne")


@pytest.mark.parametrize(("seconds", "outcome"), [(0.0, None), (0.6, None), (None, None),
                                                   (1.0, "voicemail"), (42.0, "voicemail")])
def test_short_or_empty_recordings_are_not_voicemails(seconds, outcome):
    decision = next_step(route("voicemail_done", lang="km"), CallerInput(),
                         ctx(KHMER, recording_seconds=seconds))
    if outcome:
        assert SetOutcome("voicemail") in decision.effects
        assert isinstance(decision.steps[-1], Hangup)
    else:
        assert prompts_of(decision)[0] == ("voicemail_empty", "km")
        assert gather_of(decision).action.name == "offer"


def test_callback_with_the_calling_number():
    start = next_step(route("main", lang="km"), CallerInput("3"), ctx(KHMER))
    confirm = gather_of(start).prompts[0]
    assert (confirm.id, dict(confirm.params)) == ("callback_confirm_number",
                                                  {"last_digits": "678"})
    saved = next_step(route("callback_choice", lang="km"), CallerInput("1"), ctx(KHMER))
    assert SaveCallback(entered=False) in saved.effects
    assert JoinQueue(callback=True) in saved.effects
    assert SetOutcome("callback_requested") in saved.effects


def test_withheld_number_must_key_in_another():
    start = next_step(route("main", lang="km"), CallerInput("3"),
                      ctx(KHMER, caller_number_last_digits=None))
    assert gather_of(start).prompts[0].id == "callback_enter_number"
    assert gather_of(start).finish_on_key == "#" and gather_of(start).num_digits is None


def test_keyed_in_number_valid_invalid_and_three_strikes():
    ok = next_step(route("callback_entered", lang="km", tries=0), CallerInput("0812345678"),
                   ctx(KHMER, entered_number_valid=True))
    assert SaveCallback(entered=True) in ok.effects
    bad = next_step(route("callback_entered", lang="km", tries=0), CallerInput("12"),
                    ctx(KHMER, entered_number_valid=False))
    assert prompts_of(bad)[:2] == [("callback_invalid_number", "km"),
                                   ("callback_enter_number", "km")]
    out = next_step(route("callback_entered", lang="km", tries=2), CallerInput("12"),
                    ctx(KHMER, entered_number_valid=False))
    assert any(isinstance(step, Record) for step in out.steps)


def test_offer_defaults_to_voicemail_after_three_failures():
    decision = next_step(route("offer", lang="th", tries=2), CallerInput(None),
                         ctx(Line("+661800000103", ("th", "lo"), "th")))
    assert any(isinstance(step, Record) for step in decision.steps)


def test_unknown_state_apologises_and_offers_voicemail():
    decision = next_step(route("nowhere"), CallerInput(), ctx(KHMER))
    assert prompts_of(decision)[0] == ("technical_problem", "km")
    record = next(step for step in decision.steps if isinstance(step, Record))
    assert record.status_callback == route("recording_status", kind="voicemail", lang="km")
    # The call ends after the message on a step that needs no database: no second apology.
    assert record.action == route("voicemail_saved", lang="km")
    assert decision.steps[-1] == Redirect(route("voicemail_saved", lang="km"))


@pytest.mark.parametrize(("recorded", "expected"), [
    (True, ["voicemail_thanks", "goodbye"]), (False, ["goodbye"])])
def test_after_the_fallback_voicemail_the_call_ends(recorded, expected):
    decision = voicemail_saved("km", recorded=recorded)
    assert [prompt_id for prompt_id, _ in prompts_of(decision)] == expected
    assert isinstance(decision.steps[-1], Hangup) and decision.effects == ()


@pytest.mark.parametrize(("language", "expected"), [
    ("shn", ("my", "shn")), ("my", ("my", None)), ("km", ("km", None))])
def test_routing_language_for_dialects(language, expected):
    assert routing_language(language, PARENTS) == expected


def test_a_silent_caller_after_an_empty_message_hears_goodbye_not_a_loop():
    empty = next_step(route("voicemail_done", lang="km"), CallerInput(),
                      ctx(KHMER, recording_seconds=0.0))
    action = gather_of(empty).action
    assert action.param("after_empty") == "1"
    state = action
    for _ in range(2):
        state = gather_of(next_step(state, CallerInput(None), ctx(KHMER))).action
    final = next_step(state, CallerInput(None), ctx(KHMER))
    assert isinstance(final.steps[-1], Hangup)
    assert prompts_of(final) == [("goodbye", "km")]


# "We are finding an advisor" only when one may come: the first wait pass says it, with
# the live staffing figure in hand, and only if the caller stays to wait.

def test_first_wait_pass_says_we_are_finding_an_advisor_when_one_may_come():
    decision = next_step(route("wait", lang="km", joined=1), CallerInput(),
                         ctx(KHMER, queue=waiting()))
    gather = gather_of(decision)
    assert gather.prompts[0] == Prompt("queue_joined", "km")      # keys work from the start
    assert [p.id for p in gather.prompts[1:] if isinstance(p, Prompt)] == [
        "queue_position", "queue_wait", "queue_options"]
    # later passes don't repeat it
    assert decision.steps[-1] == Redirect(route("wait", lang="km"))
    later = next_step(route("wait", lang="km"), CallerInput(), ctx(KHMER, queue=waiting()))
    assert "queue_joined" not in [prompt_id for prompt_id, _ in prompts_of(later)]


@pytest.mark.parametrize("queue", [waiting(agents_logged_in=0), waiting(waiting_seconds=600),
                                   None])
def test_no_finding_an_advisor_when_the_caller_cannot_wait_for_one(queue):
    decision = next_step(route("wait", lang="km", joined=1), CallerInput(),
                         ctx(KHMER, queue=queue))
    assert "queue_joined" not in [prompt_id for prompt_id, _ in prompts_of(decision)]
