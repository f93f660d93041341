"""A fictional caller number for each helpline line, for the demo phone and
`helpline call`.

The helpline links repeat callers by number: demo calls that all came from one
number would merge every language's voicemails into one caller's tickets. Each line
gets its own caller instead: a mobile number of the line's country (its callers
phone the free number from a local SIM), ending in the line's last four digits so
that a demo user can tell which line a masked number (`+66 •••••••02`) came from.
"""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers

FALLBACK_REGION = "TH"      # a line number whose country phonenumbers can't tell
TAIL_DIGITS = 4


def demo_callers(lines: Iterable[str]) -> dict[str, str]:
    """{line number: caller number}, a different caller for every line."""
    callers: dict[str, str] = {}
    taken: set[str] = set()
    for line in lines:
        if line in callers:
            continue
        caller = demo_caller(line)
        bump = 0
        while caller in taken and bump < 10 ** TAIL_DIGITS:   # lines ending alike
            bump += 1
            caller = demo_caller(line, bump=bump)
        taken.add(caller)
        callers[line] = caller
    return callers


def demo_caller(line: str, *, bump: int = 0) -> str:
    """A valid mobile number of `line`'s country ending in `line`'s last digits."""
    region = _region(line) or FALLBACK_REGION
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        region = FALLBACK_REGION
        example = phonenumbers.example_number_for_type(region,
                                                       phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None
    national = str(example.national_number)
    digits = "".join(char for char in line if char.isdigit()) or "0"
    tail = (int(digits[-TAIL_DIGITS:]) + bump) % 10 ** TAIL_DIGITS
    number = f"+{example.country_code}{national[:-TAIL_DIGITS]}{tail:0{TAIL_DIGITS}d}"
    parsed = phonenumbers.parse(number)
    if not phonenumbers.is_valid_number(parsed):
        # The country's mobile range doesn't allow this tail: its example number then.
        return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    return number


def _region(number: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or None
    except phonenumbers.NumberParseException:
        return None
