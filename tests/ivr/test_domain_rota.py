"""The IVR when nobody for the caller's language is on shift (pure): the caller hears
when the next advisor is on, and a callback asked for then is saved for that shift."""

from __future__ import annotations

from ivr.domain import next_step
from ivr.steps import (
    CallerInput,
    Context,
    Gather,
    JoinQueue,
    Line,
    NextShift,
    Prompt,
    QueueView,
    SaveCallback,
    SetOutcome,
    route,
)

KHMER = Line("+661800000102", ("km",), "km")
MAIN_MENU = (("1", "agent"), ("2", "voicemail"), ("3", "callback"), ("4", "information"),
             ("*", "repeat"))
TOMORROW_EIGHT = NextShift(starts_at=1_767_312_000.0, day="tomorrow", time="0800")


def ctx(**overrides) -> Context:
    base = dict(line=KHMER, main_menu=MAIN_MENU, caller_number_last_digits="78")
    base.update(overrides)
    return Context(**base)


def heard(decision) -> list[tuple[str, dict[str, str]]]:
    said = []
    for step in decision.steps:
        for item in step.prompts if isinstance(step, Gather) else (step,):
            if isinstance(item, Prompt):
                said.append((item.id, dict(item.params)))
    return said


def nobody(**kw) -> QueueView:
    return QueueView(position=1, waiting_seconds=5, estimated_wait_seconds=None,
                     agents_logged_in=0, **kw)


def test_nobody_on_shift_the_caller_hears_when_the_next_advisor_is_on():
    decision = next_step(route("wait", lang="km"), CallerInput(),
                         ctx(queue=nobody(), next_shift=TOMORROW_EIGHT))
    assert [prompt_id for prompt_id, _ in heard(decision)] == [
        "no_agents", "next_advisor_at", "offer_voicemail_or_callback"]
    assert heard(decision)[1][1] == {"day": "tomorrow", "time": "0800"}


def test_without_a_next_shift_known_the_offer_is_as_before():
    decision = next_step(route("wait", lang="km"), CallerInput(), ctx(queue=nobody()))
    assert [prompt_id for prompt_id, _ in heard(decision)] == [
        "no_agents", "offer_voicemail_or_callback"]


def test_a_callback_asked_for_then_is_saved_for_that_shift_and_the_caller_told():
    decision = next_step(route("callback_choice", lang="km"), CallerInput("1"),
                         ctx(next_shift=TOMORROW_EIGHT))
    assert SaveCallback(entered=False, not_before=TOMORROW_EIGHT.starts_at) in decision.effects
    assert JoinQueue(callback=True) in decision.effects
    assert SetOutcome("callback_requested") in decision.effects
    assert [prompt_id for prompt_id, _ in heard(decision)] == [
        "callback_confirmed", "callback_from", "goodbye"]
    assert heard(decision)[1][1] == {"day": "tomorrow", "time": "0800"}


def test_a_keyed_in_number_is_scheduled_the_same_way():
    decision = next_step(route("callback_entered", lang="km", tries=0),
                         CallerInput("0812345678"),
                         ctx(entered_number_valid=True, next_shift=TOMORROW_EIGHT))
    assert SaveCallback(entered=True, not_before=TOMORROW_EIGHT.starts_at) in decision.effects


def test_with_someone_on_shift_a_callback_is_not_delayed():
    decision = next_step(route("callback_choice", lang="km"), CallerInput("1"), ctx())
    assert SaveCallback(entered=False, not_before=None) in decision.effects
    assert "callback_from" not in [prompt_id for prompt_id, _ in heard(decision)]
