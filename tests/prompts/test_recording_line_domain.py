"""Where each key on the recording line leads (pure: tables of key → next step)."""

from __future__ import annotations

import pytest

from prompts.recording_line.domain import (
    Next,
    after_pin,
    language_key,
    menu_key,
    prompt_key,
    prompt_number,
    take_key,
)

KEYS = ["language_option.2", "welcome", "no_input"]


@pytest.mark.parametrize("signed_in, locked, failures, languages, step, key", [
    (True, False, 0, ["lo"], "menu", "lo"),
    (True, False, 0, ["km", "lo"], "languages", None),
    (True, False, 0, [], "end", None),
    (False, False, 1, [], "incoming", None),
    (False, False, 2, [], "incoming", None),
    (False, False, 3, [], "end", None),          # the third wrong PIN of 3 ends the call
    (False, True, 1, [], "end", None),           # a locked PIN ends it at once
])
def test_after_the_pin(signed_in, locked, failures, languages, step, key):
    nxt = after_pin(signed_in=signed_in, locked=locked, failures=failures, attempts=3,
                    languages=languages)
    assert (nxt.step, nxt.key) == (step, key)


@pytest.mark.parametrize("digit, idle, expected", [
    ("1", 0, Next("prompt", key="no_input")),
    ("2", 0, Next("prompt", key="language_option.2")),
    ("3", 0, Next("ask_number")),
    ("*", 0, Next("languages")),
    ("0", 0, Next("end")),
    ("", 0, Next("menu", idle=1)),
    ("9", 0, Next("menu", idle=1)),
    ("", 1, Next("end")),                        # two unanswered menus: goodbye
])
def test_the_language_menu(digit, idle, expected):
    assert menu_key(digit, KEYS, "no_input", idle) == expected


def test_the_menu_says_when_everything_is_recorded():
    assert menu_key("1", KEYS, None, 0) == Next("menu", say="Every prompt is recorded.")


@pytest.mark.parametrize("digits, expected", [
    ("2", Next("prompt", key="welcome")),
    ("0", Next("menu", say="There is no prompt with that number.")),
    ("4", Next("menu", say="There is no prompt with that number.")),
    ("", Next("menu", say="There is no prompt with that number.")),
])
def test_a_prompt_by_its_number(digits, expected):
    assert prompt_number(digits, KEYS) == expected


@pytest.mark.parametrize("digit, current, expected", [
    ("1", "welcome", Next("record", key="welcome")),
    ("2", "welcome", Next("prompt", key="welcome")),
    ("3", "welcome", Next("prompt", key="no_input")),
    ("3", "no_input", Next("prompt", key="language_option.2")),   # round to the first
    ("*", "welcome", Next("menu")),
    ("", "welcome", Next("menu", idle=1)),
])
def test_on_a_prompt(digit, current, expected):
    assert prompt_key(digit, KEYS, current) == expected


@pytest.mark.parametrize("digit, step", [("1", "keep"), ("2", "record"), ("3", "take_again"),
                                         ("", "menu"), ("7", "menu")])
def test_the_take_played_back(digit, step):
    assert take_key(digit, "welcome").step == step


@pytest.mark.parametrize("digit, idle, expected", [
    ("2", 0, Next("menu", key="lo")), ("3", 0, Next("languages", idle=1)),
    ("", 1, Next("end"))])
def test_choosing_a_language(digit, idle, expected):
    assert language_key(digit, ["km", "lo"], idle) == expected


def test_recording_again_records_the_same_prompt():
    assert take_key("2", "welcome") == Next("record", key="welcome")
