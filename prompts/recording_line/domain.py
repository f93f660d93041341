"""Where each key on the recording line leads, as plain values: no Flask, Twilio,
database or Redis. The views gather the facts (what was pressed, the list to record,
how many wrong PINs this call has had) and render what these functions return.

A `Next` names the step the call goes to: `menu`, `prompt` (with the item's key),
`record` (ditto), `languages`, `ask_number` (a prompt by its number), `take_again`
(play the take back again), `keep`, `end` (say goodbye and hang up); `idle` counts
menus in a row nobody answered, `say` is a sentence said on the way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

IDLE_MENUS = 2             # menus in a row without a key before the line hangs up


@dataclass(frozen=True)
class Next:
    step: str
    key: str | None = None
    idle: int = 0
    say: str | None = None


def after_pin(*, signed_in: bool, locked: bool, failures: int, attempts: int,
              languages: Sequence[str]) -> Next:
    """`failures`: wrong PINs on this call so far, this one included."""
    if not signed_in:
        if locked or failures >= attempts:
            return Next("end", say="That PIN is locked or was entered wrongly too often. "
                                   "Set a new one in the console, or try again later.")
        return Next("incoming", say="That staff number and PIN do not match.")
    if not languages:
        return Next("end", say="You are not set up to record any language.")
    if len(languages) == 1:
        return Next("menu", key=languages[0])
    return Next("languages")


def language_key(digit: str, codes: Sequence[str], idle: int) -> Next:
    if digit.isdigit() and 1 <= int(digit) <= len(codes):
        return Next("menu", key=codes[int(digit) - 1])
    return Next("end") if idle + 1 >= IDLE_MENUS else Next("languages", idle=idle + 1)


def menu_key(digit: str, keys: Sequence[str], next_unrecorded: str | None,
             idle: int) -> Next:
    """The language menu: 1 the next unrecorded, 2 all in order, 3 by number, * another
    language, 0 end; nothing (or another key) counts towards hanging up."""
    if digit == "1":
        if next_unrecorded is None:
            return Next("menu", say="Every prompt is recorded.")
        return Next("prompt", key=next_unrecorded)
    if digit == "2" and keys:
        return Next("prompt", key=keys[0])
    if digit == "3":
        return Next("ask_number")
    if digit == "*":
        return Next("languages")
    if digit == "0" or idle + 1 >= IDLE_MENUS:
        return Next("end")
    return Next("menu", idle=idle + 1)


def prompt_number(digits: str, keys: Sequence[str]) -> Next:
    if digits.isdigit() and 1 <= int(digits) <= len(keys):
        return Next("prompt", key=keys[int(digits) - 1])
    return Next("menu", say="There is no prompt with that number.")


def prompt_key(digit: str, keys: Sequence[str], current: str) -> Next:
    """On a prompt: 1 record it, 2 hear it again, 3 the next one (round to the first),
    * the menu; nothing pressed: the menu, counted as unanswered."""
    if digit == "1":
        return Next("record", key=current)
    if digit == "2":
        return Next("prompt", key=current)
    if digit == "3" and current in keys:
        return Next("prompt", key=keys[(keys.index(current) + 1) % len(keys)])
    if digit == "*":
        return Next("menu")
    return Next("menu", idle=1)


def take_key(digit: str, current: str) -> Next:
    """The take of prompt `current` played back: 1 keep, 2 record again, 3 hear it
    again; nothing: it is not kept (Keep is a choice) and the call goes to the menu."""
    if digit == "1":
        return Next("keep")
    if digit == "2":
        return Next("record", key=current)
    if digit == "3":
        return Next("take_again")
    return Next("menu", idle=1)
