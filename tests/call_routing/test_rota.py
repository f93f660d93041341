"""The rota's pure questions as tables: who is on shift for a language, when the next
shift starts, the next gap — across time zones, the week's wrap, days off, extra
shifts, dialects and daylight-saving changes."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from call_routing.rota.domain import (
    DayOff,
    ExtraShift,
    Gap,
    Rota,
    SpokenWhen,
    WeeklyShift,
    coverage,
    next_gap,
    next_shift_start,
    on_shift,
    shifts_between,
    spoken_when,
)

PARENTS = {"shn": "my", "kac": "my", "ksw": "my", "mnw": "my"}
BKK = "Asia/Bangkok"
NOK, SOKHA, AYE, SENG, NIGHT = 1, 2, 3, 4, 5
SKILLS = {NOK: {"th": 5, "lo": 4}, SOKHA: {"km": 5}, AYE: {"my": 5, "shn": 4},
          SENG: {"kac": 5}, NIGHT: {"th": 4}}


def at(year: int, month: int, day: int, hour: int, minute: int = 0, zone: str = BKK) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).timestamp()


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def weekly(staff: int, weekday: str, start: str, end: str) -> WeeklyShift:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return WeeklyShift(staff, days.index(weekday), minutes(start), minutes(end))


# Mon 2026-01-05 .. Sun 2026-01-11 (Thursday 2026-01-01 starts the year).
ROTA = Rota(
    timezone=BKK,
    weekly=(
        *(weekly(NOK, day, "08:00", "16:00") for day in ("mon", "tue", "wed", "thu", "fri")),
        weekly(NIGHT, "sun", "22:00", "06:00"),               # runs into Monday
        weekly(SOKHA, "mon", "09:00", "17:00"),
        weekly(AYE, "sat", "12:00", "24:00"),
        weekly(SENG, "wed", "10:00", "14:00"),
    ),
    days_off=(DayOff(NOK, date(2026, 1, 7)),),                # Wednesday off
    extras=(ExtraShift(NOK, date(2026, 1, 10), minutes("10:00"), minutes("14:00")),
            ExtraShift(NOK, date(2026, 1, 7), minutes("18:00"), minutes("20:00"))),
    skills=SKILLS,
)


@pytest.mark.parametrize(("language", "when", "expected"), [
    ("th", at(2026, 1, 5, 7, 59), ()),
    ("th", at(2026, 1, 5, 8, 0), (NOK,)),
    ("th", at(2026, 1, 5, 15, 59), (NOK,)),
    ("th", at(2026, 1, 5, 16, 0), ()),                 # the end is not part of the shift
    ("th", at(2026, 1, 5, 5, 0), (NIGHT,)),           # Sunday's night shift, Monday morning
    ("th", at(2026, 1, 11, 23, 0), (NIGHT,)),
    ("th", at(2026, 1, 12, 6, 0), ()),
    ("th", at(2026, 1, 7, 9, 0), ()),                 # Nok's day off
    ("th", at(2026, 1, 7, 19, 0), (NOK,)),            # ...and her extra shift that evening
    ("th", at(2026, 1, 10, 11, 0), (NOK,)),           # an extra Saturday
    ("lo", at(2026, 1, 5, 9, 0), (NOK,)),
    ("km", at(2026, 1, 5, 9, 0), (SOKHA,)),
    ("my", at(2026, 1, 10, 23, 59), (AYE,)),          # 12:00-24:00
    ("my", at(2026, 1, 11, 0, 0), ()),
    ("shn", at(2026, 1, 10, 13, 0), (AYE,)),          # a Burmese speaker serves Shan
    ("kac", at(2026, 1, 10, 13, 0), (AYE,)),          # ...and Kachin (widened to Burmese)
    ("kac", at(2026, 1, 7, 11, 0), (SENG,)),
    ("my", at(2026, 1, 7, 11, 0), ()),                # a Kachin speaker does not serve Burmese
    ("ne", at(2026, 1, 5, 9, 0), ()),
])
def test_who_is_on_shift(language, when, expected):
    assert on_shift(ROTA, language, when, dialect_parents=PARENTS) == expected


def test_proficiency_below_what_routing_accepts_does_not_count():
    monday = at(2026, 1, 5, 10, 0)
    sokha_only = Rota(BKK, weekly=(weekly(SOKHA, "mon", "09:00", "17:00"),),
                      skills={SOKHA: {"km": 5, "th": 2}})
    assert on_shift(sokha_only, "th", monday, dialect_parents=PARENTS) == (SOKHA,)
    assert on_shift(sokha_only, "th", monday, dialect_parents=PARENTS,
                    min_proficiency=3) == ()


def test_staff_without_skills_are_not_on_shift():
    # Deactivated staff are left out of `skills` by the store: their shifts don't count.
    rota = Rota(BKK, weekly=(weekly(99, "mon", "08:00", "16:00"),), skills=SKILLS)
    assert on_shift(rota, "th", at(2026, 1, 5, 9), dialect_parents=PARENTS) == ()


@pytest.mark.parametrize(("language", "when", "expected"), [
    ("th", at(2026, 1, 5, 7, 0), at(2026, 1, 5, 8, 0)),
    ("th", at(2026, 1, 5, 8, 0), at(2026, 1, 6, 8, 0)),    # strictly after: the next one
    ("th", at(2026, 1, 6, 17, 0), at(2026, 1, 7, 18, 0)),  # Wednesday off: her extra shift
    ("th", at(2026, 1, 10, 15, 0), at(2026, 1, 11, 22, 0)),  # Saturday → Sunday night
    ("km", at(2026, 1, 5, 18, 0), at(2026, 1, 12, 9, 0)),  # a week on, Monday again
    ("ne", at(2026, 1, 5, 18, 0), None),
    ("mnw", at(2026, 1, 9, 12, 0), at(2026, 1, 10, 12, 0)),
])
def test_when_the_next_shift_starts(language, when, expected):
    assert next_shift_start(ROTA, language, when, dialect_parents=PARENTS) == expected


def test_the_week_wraps_from_sunday_night_to_monday():
    rota = Rota(BKK, weekly=(weekly(NIGHT, "sun", "22:00", "06:00"),), skills=SKILLS)
    monday_noon = at(2026, 1, 5, 12)
    assert next_shift_start(rota, "th", monday_noon, dialect_parents=PARENTS) == (
        at(2026, 1, 11, 22))
    assert on_shift(rota, "th", at(2026, 1, 12, 5, 59), dialect_parents=PARENTS) == (NIGHT,)


def test_a_day_off_on_sunday_cancels_the_night_into_monday():
    rota = Rota(BKK, weekly=(weekly(NIGHT, "sun", "22:00", "06:00"),),
                days_off=(DayOff(NIGHT, date(2026, 1, 11)),), skills=SKILLS)
    assert on_shift(rota, "th", at(2026, 1, 12, 2), dialect_parents=PARENTS) == ()
    assert on_shift(rota, "th", at(2026, 1, 19, 2), dialect_parents=PARENTS) == (NIGHT,)


@pytest.mark.parametrize(("zone", "local_hour"), [
    ("Asia/Bangkok", 8), ("Asia/Kuala_Lumpur", 8), ("Asia/Yangon", 8), ("UTC", 8)])
def test_shifts_are_in_the_helplines_time_zone(zone, local_hour):
    rota = Rota(zone, weekly=(weekly(NOK, "mon", "08:00", "16:00"),), skills=SKILLS)
    start = at(2026, 1, 5, local_hour, 0, zone)
    assert on_shift(rota, "th", start, dialect_parents=PARENTS) == (NOK,)
    assert on_shift(rota, "th", start - 1, dialect_parents=PARENTS) == ()
    [shift] = shifts_between(rota, start, start + 1)
    assert shift.ends_at - shift.starts_at == 8 * 3600


def test_the_same_rota_in_another_zone_is_another_instant():
    bangkok = Rota("Asia/Bangkok", weekly=(weekly(NOK, "mon", "08:00", "16:00"),),
                   skills=SKILLS)
    kuala_lumpur = Rota("Asia/Kuala_Lumpur", weekly=bangkok.weekly, skills=SKILLS)
    when = at(2026, 1, 5, 7, 30)            # 07:30 in Bangkok is 08:30 in Kuala Lumpur
    assert on_shift(bangkok, "th", when, dialect_parents=PARENTS) == ()
    assert on_shift(kuala_lumpur, "th", when, dialect_parents=PARENTS) == (NOK,)


def test_a_shift_across_a_daylight_saving_change_lasts_what_the_clock_says():
    # London: 2026-03-29 01:00 GMT becomes 02:00 BST. A Sunday 00:00-06:00 shift is 5 h.
    rota = Rota("Europe/London", weekly=(weekly(NOK, "sun", "00:00", "06:00"),),
                skills=SKILLS)
    sunday = at(2026, 3, 29, 0, 0, "Europe/London")
    [shift] = shifts_between(rota, sunday, sunday + 1)
    assert shift.ends_at - shift.starts_at == 5 * 3600
    assert shift.ends_at == datetime(2026, 3, 29, 5, 0, tzinfo=ZoneInfo("UTC")).timestamp()
    # And a week later, summer time: 08:00 local is 07:00 UTC.
    week_later = Rota("Europe/London", weekly=(weekly(NOK, "sun", "08:00", "09:00"),),
                      skills=SKILLS)
    assert next_shift_start(week_later, "th", sunday + 86400, dialect_parents=PARENTS) == (
        datetime(2026, 4, 5, 7, 0, tzinfo=ZoneInfo("UTC")).timestamp())


@pytest.mark.parametrize(("language", "when", "expected"), [
    # Covered by Nok until 16:00 Monday; nobody until Tuesday 08:00.
    ("th", at(2026, 1, 5, 9), Gap(at(2026, 1, 5, 16), at(2026, 1, 6, 8))),
    # Nobody now: the gap starts now.
    ("th", at(2026, 1, 5, 17), Gap(at(2026, 1, 5, 17), at(2026, 1, 6, 8))),
    # Sunday night runs into Monday's day shift? No: 06:00 to 08:00 is a gap.
    ("th", at(2026, 1, 11, 23), Gap(at(2026, 1, 12, 6), at(2026, 1, 12, 8))),
    # Nepali: nobody all week.
    ("ne", at(2026, 1, 5, 9), Gap(at(2026, 1, 5, 9), None)),
])
def test_the_next_gap_in_coverage(language, when, expected):
    assert next_gap(ROTA, language, when, dialect_parents=PARENTS) == expected


def test_back_to_back_and_overlapping_shifts_leave_no_gap_between_them():
    rota = Rota(BKK, weekly=(weekly(NOK, "mon", "08:00", "16:00"),
                             weekly(NIGHT, "mon", "16:00", "23:00"),
                             weekly(NOK, "mon", "10:00", "12:00")), skills=SKILLS)
    assert next_gap(rota, "th", at(2026, 1, 5, 9), dialect_parents=PARENTS) == (
        Gap(at(2026, 1, 5, 23), at(2026, 1, 12, 8)))


def test_round_the_clock_cover_has_no_gap():
    rota = Rota(BKK, weekly=tuple(weekly(NIGHT, day, "00:00", "24:00")
                                  for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
                skills=SKILLS)
    assert next_gap(rota, "th", at(2026, 1, 5, 9), dialect_parents=PARENTS) is None


def test_coverage_per_language():
    rows = {row.language: row for row in coverage(ROTA, ("th", "km", "ne"), at(2026, 1, 5, 9, 30),
                                                  dialect_parents=PARENTS)}
    assert rows["th"].on_shift == (NOK,)
    assert rows["km"].on_shift == (SOKHA,)
    assert rows["km"].next_gap == Gap(at(2026, 1, 5, 17), at(2026, 1, 12, 9))
    assert rows["ne"].on_shift == () and rows["ne"].next_start is None


@pytest.mark.parametrize(("start", "now", "expected"), [
    (at(2026, 1, 5, 8), at(2026, 1, 5, 2), SpokenWhen("today", "0800")),
    (at(2026, 1, 6, 8), at(2026, 1, 5, 23, 59), SpokenWhen("tomorrow", "0800")),
    (at(2026, 1, 6, 8), at(2026, 1, 6, 0, 0), SpokenWhen("today", "0800")),   # local midnight
    (at(2026, 1, 9, 13, 30), at(2026, 1, 5, 20), SpokenWhen("fri", "1330")),
    (at(2026, 1, 11, 22), at(2026, 1, 5, 20), SpokenWhen("sun", "2200")),
    (at(2026, 1, 12, 8), at(2026, 1, 5, 20), None),   # a week on: "Monday" would mislead
])
def test_how_a_shift_start_is_said(start, now, expected):
    assert spoken_when(start, now, BKK) == expected


def test_tomorrow_is_tomorrow_in_the_helplines_zone_not_utc():
    # 2026-01-05 23:30 in Bangkok is 16:30 UTC on the same date; 2026-01-06 00:30 in
    # Bangkok is still 2026-01-05 in UTC — yet "today" for the caller.
    start = at(2026, 1, 6, 8)
    assert spoken_when(start, at(2026, 1, 5, 23, 30), BKK).day == "tomorrow"
    assert spoken_when(start, at(2026, 1, 6, 0, 30), BKK).day == "today"
