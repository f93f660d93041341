"""The shift rota as pure functions over plain values.

Shifts are written in the helpline's local time (`HELPLINE_TIMEZONE`), as staff and
supervisors think of them: a weekly pattern (Nok, Mondays 08:00-16:00) plus
exceptions on a local date — a day off, which cancels that person's pattern shifts
starting that day, or an extra shift. A shift whose end is not after its start runs
past midnight (22:00-06:00); an end of 24:00 is midnight at the end of the day.

Questions are asked about instants (epoch seconds, as `helpline.clock` gives them).
Local wall times become instants through the zone, so a shift across a
daylight-saving change lasts what the clock says; a wall time the change skips is
read with the offset before it (Python's `fold=0`).

Who serves a language follows routing (`call_routing.policy`): an advisor with the
language itself, or, for a dialect caller, with its parent language — routing widens
a Shan caller to Burmese speakers, so a Burmese speaker on shift covers Shan. A
proficiency counts from the lowest level routing ever accepts (`min_proficiency`).

No database, Flask or Redis here; the zone database is read through `zoneinfo`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")   # index = date.weekday()
MINUTES_PER_DAY = 24 * 60
# How far ahead "when is the next shift" looks: a weekly rota repeats within it.
HORIZON_DAYS = 8
# A weekday name is unambiguous for a start at most six local days ahead.
SPOKEN_DAYS_AHEAD = 6
TODAY, TOMORROW = "today", "tomorrow"
SPOKEN_DAYS = (TODAY, TOMORROW, *WEEKDAYS)


@dataclass(frozen=True)
class WeeklyShift:
    staff_id: int
    weekday: int          # 0 = Monday, as `date.weekday()`
    start_minute: int     # minutes after local midnight, 0-1439
    end_minute: int       # 1-1440; not after the start: the shift ends the next day


@dataclass(frozen=True)
class DayOff:
    """No pattern shift of this person starts on this local date (extra shifts still do)."""

    staff_id: int
    day: date


@dataclass(frozen=True)
class ExtraShift:
    staff_id: int
    day: date             # the local date the shift starts on
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class Rota:
    timezone: str
    weekly: tuple[WeeklyShift, ...] = ()
    days_off: tuple[DayOff, ...] = ()
    extras: tuple[ExtraShift, ...] = ()
    # Active staff only: staff id → language or dialect → proficiency 1-5.
    skills: Mapping[int, Mapping[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Shift:
    """One occurrence of a shift, as instants."""

    staff_id: int
    starts_at: float
    ends_at: float

    def covers(self, at: float) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class Gap:
    """A stretch nobody serving the language is on shift; `ends_at` None: not within
    the horizon looked at."""

    starts_at: float
    ends_at: float | None


@dataclass(frozen=True)
class Coverage:
    language: str
    on_shift: tuple[int, ...]        # staff ids, on shift now and serving the language
    next_gap: Gap | None             # None: covered throughout the horizon
    next_start: float | None         # the next shift start after now, if any


@dataclass(frozen=True)
class SpokenWhen:
    """A shift start as the IVR says it: `day` is today / tomorrow / mon..sun, `time`
    the local clock time as HHMM."""

    day: str
    time: str


# ---------------------------------------------------------------- local time


def local_instant(day: date, minute: int, zone: ZoneInfo) -> float:
    """The instant of `minute` after local midnight on `day` (1440: the next midnight)."""
    extra_days, minute = divmod(minute, MINUTES_PER_DAY)
    wall = datetime.combine(day + timedelta(days=extra_days), datetime.min.time(), tzinfo=zone)
    return (wall + timedelta(minutes=minute)).timestamp()


def local_date(at: float, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(at, zone).date()


def _occurrence(staff_id: int, day: date, start_minute: int, end_minute: int,
                zone: ZoneInfo) -> Shift:
    end_day_minute = end_minute if end_minute > start_minute else end_minute + MINUTES_PER_DAY
    # Wall-clock arithmetic on each end, not start + duration: across a change of
    # offset the shift still ends when the rota says, local time.
    return Shift(staff_id, local_instant(day, start_minute, zone),
                 local_instant(day, end_day_minute, zone))


# ---------------------------------------------------------------- occurrences


def shifts_between(rota: Rota, start: float, end: float) -> list[Shift]:
    """Every shift that overlaps [start, end), by start time."""
    zone = ZoneInfo(rota.timezone)
    # From the day before: last night's 22:00-06:00 shift may still be on.
    first = local_date(start, zone) - timedelta(days=1)
    last = local_date(end, zone)
    off = {(entry.staff_id, entry.day) for entry in rota.days_off}
    found: list[Shift] = []
    day = first
    while day <= last:
        for pattern in rota.weekly:
            if pattern.weekday == day.weekday() and (pattern.staff_id, day) not in off:
                found.append(_occurrence(pattern.staff_id, day, pattern.start_minute,
                                         pattern.end_minute, zone))
        day += timedelta(days=1)
    for extra in rota.extras:
        if first <= extra.day <= last:
            found.append(_occurrence(extra.staff_id, extra.day, extra.start_minute,
                                     extra.end_minute, zone))
    return sorted((shift for shift in found if shift.starts_at < end and shift.ends_at > start),
                  key=lambda shift: (shift.starts_at, shift.ends_at, shift.staff_id))


def serving_skills(language: str, dialect_parents: Mapping[str, str]) -> tuple[str, ...]:
    """The skills that can serve a caller of `language`: itself, and for a dialect its
    parent language (routing's widening)."""
    parent = dialect_parents.get(language)
    return (language, parent) if parent else (language,)


def serves(skills: Mapping[str, int], language: str, dialect_parents: Mapping[str, str],
           min_proficiency: int = 1) -> bool:
    return any(skills.get(code, 0) >= min_proficiency
               for code in serving_skills(language, dialect_parents))


def _serving(rota: Rota, shifts: Iterable[Shift], language: str,
             dialect_parents: Mapping[str, str], min_proficiency: int) -> list[Shift]:
    return [shift for shift in shifts
            if serves(rota.skills.get(shift.staff_id, {}), language, dialect_parents,
                      min_proficiency)]


# ---------------------------------------------------------------- the questions


def on_shift(rota: Rota, language: str, at: float, *, dialect_parents: Mapping[str, str],
             min_proficiency: int = 1) -> tuple[int, ...]:
    """Staff on shift at `at` who serve `language` (ids, ascending)."""
    shifts = _serving(rota, shifts_between(rota, at, at + 1), language, dialect_parents,
                      min_proficiency)
    return tuple(sorted({shift.staff_id for shift in shifts if shift.covers(at)}))


def next_shift_start(rota: Rota, language: str, at: float, *,
                     dialect_parents: Mapping[str, str], min_proficiency: int = 1,
                     horizon_days: int = HORIZON_DAYS) -> float | None:
    """When the next shift serving `language` starts after `at` (None: none in the
    horizon)."""
    shifts = _serving(rota, shifts_between(rota, at, at + horizon_days * 86400.0), language,
                      dialect_parents, min_proficiency)
    return next((shift.starts_at for shift in shifts if shift.starts_at > at), None)


def next_gap(rota: Rota, language: str, at: float, *, dialect_parents: Mapping[str, str],
             min_proficiency: int = 1, horizon_days: int = HORIZON_DAYS) -> Gap | None:
    """The first stretch from `at` on with nobody serving `language` on shift; it starts
    at `at` when nobody is on now. None when the language is covered throughout."""
    horizon = at + horizon_days * 86400.0
    shifts = _serving(rota, shifts_between(rota, at, horizon), language, dialect_parents,
                      min_proficiency)
    return _first_gap(shifts, at, horizon)


def _first_gap(shifts: list[Shift], at: float, horizon: float) -> Gap | None:
    covered_until = at
    for shift in shifts:                      # by start time
        if shift.starts_at > covered_until:
            return Gap(covered_until, shift.starts_at)
        covered_until = max(covered_until, shift.ends_at)
    return Gap(covered_until, None) if covered_until < horizon else None


def coverage(rota: Rota, languages: Iterable[str], at: float, *,
             dialect_parents: Mapping[str, str], min_proficiency: int = 1,
             horizon_days: int = HORIZON_DAYS) -> list[Coverage]:
    """Per language: who is on shift now, the next gap, and the next shift start."""
    horizon = at + horizon_days * 86400.0
    every = shifts_between(rota, at, horizon)
    result = []
    for language in languages:
        shifts = _serving(rota, every, language, dialect_parents, min_proficiency)
        result.append(Coverage(
            language=language,
            on_shift=tuple(sorted({shift.staff_id for shift in shifts if shift.covers(at)})),
            next_gap=_first_gap(shifts, at, horizon),
            next_start=next((shift.starts_at for shift in shifts if shift.starts_at > at),
                            None)))
    return result


def spoken_when(starts_at: float, now: float, timezone: str) -> SpokenWhen | None:
    """How the IVR names a coming shift start: "tomorrow" and 0800, or "fri" and 1330.
    None when it is more than six local days ahead (a weekday would be ambiguous)."""
    zone = ZoneInfo(timezone)
    start = datetime.fromtimestamp(starts_at, zone)
    days_ahead = (start.date() - local_date(now, zone)).days
    if not 0 <= days_ahead <= SPOKEN_DAYS_AHEAD:
        return None
    day = TODAY if days_ahead == 0 else TOMORROW if days_ahead == 1 else (
        WEEKDAYS[start.weekday()])
    return SpokenWhen(day, f"{start.hour:02d}{start.minute:02d}")


# ---------------------------------------------------------------- writing times


def minute_of_day(text: str, *, allow_end_of_day: bool = False) -> int | None:
    """"08:30" → 510; "24:00" only as an end. None if it is not a clock time."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2 \
            or not 1 <= len(hours) <= 2:
        return None
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60:
        return None
    if value == MINUTES_PER_DAY and allow_end_of_day:
        return value
    return value if value < MINUTES_PER_DAY else None


def clock_text(minute: int) -> str:
    """510 → "08:30"; 1440 → "24:00"."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def weekday_index(text: str) -> int | None:
    """"mon", "Monday", "MON" → 0."""
    word = text.strip().lower()
    for index, name in enumerate(WEEKDAYS):
        if word == name or (len(word) > 3 and word == _FULL_WEEKDAYS[index]):
            return index
    return None


_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
