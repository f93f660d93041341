"""A rota file, checked row by row into plain values. Pure.

The file an admin keeps in a spreadsheet, one shift or exception a row:

    email,kind,day,start,end,note
    nok@helpline.example,weekly,mon,08:00,16:00,
    nok@helpline.example,off,2026-01-08,,,public holiday
    nok@helpline.example,extra,2026-01-10,18:00,22:00,

`kind` is weekly (day: mon..sun), off (day: a date; no times) or extra (a date and
times), all in the helpline's local time. Every bad row gets one line naming its row
(as the spreadsheet numbers it: the header is row 1) and the field at fault; a file
with any bad row imports nothing, so a rota is never half replaced. Importing
replaces the rota of each staff member the file names; others keep theirs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from call_routing.rota.domain import (
    MINUTES_PER_DAY,
    WEEKDAYS,
    DayOff,
    ExtraShift,
    WeeklyShift,
    clock_text,
    minute_of_day,
    weekday_index,
)

COLUMNS = ("email", "kind", "day", "start", "end")
OPTIONAL_COLUMNS = ("note",)
KINDS = ("weekly", "off", "extra")
MAX_ROWS = 5000
MAX_NOTE = 200
WEEK_MINUTES = 7 * MINUTES_PER_DAY


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


@dataclass(frozen=True)
class ParsedRota:
    """What a file holds, for the staff it names (ids); `errors` empty when it is good."""

    staff_ids: frozenset[int] = frozenset()
    weekly: tuple[WeeklyShift, ...] = ()
    days_off: tuple[DayOff, ...] = ()
    extras: tuple[ExtraShift, ...] = ()
    notes: Mapping[tuple[str, int, date], str] = field(default_factory=dict)
    errors: tuple[RowError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


class _Bad(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def parse_rota_csv(text: str, staff_by_email: Mapping[str, int]) -> ParsedRota:
    """`staff_by_email`: active staff, emails lower-cased."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        return ParsedRota(errors=(RowError(1, "header", _header_help()),))
    except csv.Error as exc:
        return ParsedRota(errors=(RowError(1, "header", f"not CSV ({exc})"),))
    names = [name.strip().lower() for name in header]
    missing = [column for column in COLUMNS if column not in names]
    unknown = [name for name in names if name and name not in COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        problem = (f"missing {', '.join(missing)}" if missing
                   else f"unknown column {', '.join(unknown)}")
        return ParsedRota(errors=(RowError(1, "header", f"{problem}; {_header_help()}"),))
    position = {name: names.index(name) for name in COLUMNS + OPTIONAL_COLUMNS if name in names}

    errors: list[RowError] = []
    staff: set[int] = set()
    weekly: list[tuple[int, WeeklyShift]] = []
    days_off: list[DayOff] = []
    extras: list[ExtraShift] = []
    notes: dict[tuple[str, int, date], str] = {}
    row_number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(reader.line_num, "row", f"not CSV ({exc})"))
            break
        row_number = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if row_number > MAX_ROWS + 1:
            errors.append(RowError(row_number, "row", f"a rota file has at most {MAX_ROWS} "
                                                      "rows; split it"))
            break
        values = {name: (cells[index].strip() if index < len(cells) else "")
                  for name, index in position.items()}
        try:
            entry, note = _row(values, staff_by_email)
        except _Bad as bad:
            errors.append(RowError(row_number, bad.column, bad.message))
            continue
        staff.add(entry.staff_id)
        if isinstance(entry, WeeklyShift):
            clash = next((row for row, other in weekly if _overlap(entry, other)), None)
            if clash is not None:
                errors.append(RowError(row_number, "start", f"overlaps row {clash} (the same "
                                                            "person's weekly shift)"))
                continue
            weekly.append((row_number, entry))
        elif isinstance(entry, DayOff):
            days_off.append(entry)
            if note:
                notes[("off", entry.staff_id, entry.day)] = note
        else:
            extras.append(entry)
            if note:
                notes[("extra", entry.staff_id, entry.day)] = note
    if errors:
        return ParsedRota(errors=tuple(errors))
    return ParsedRota(staff_ids=frozenset(staff), weekly=tuple(shift for _, shift in weekly),
                      days_off=tuple(dict.fromkeys(days_off)), extras=tuple(extras),
                      notes=notes)


def _row(values: Mapping[str, str], staff_by_email: Mapping[str, int]
         ) -> tuple[WeeklyShift | DayOff | ExtraShift, str]:
    email = values["email"].lower()
    if not email:
        raise _Bad("email", "empty; give the staff member's login email")
    staff_id = staff_by_email.get(email)
    if staff_id is None:
        raise _Bad("email", f"no active staff member {values['email']!r}")
    kind = values["kind"].lower()
    if kind not in KINDS:
        raise _Bad("kind", f"{values['kind']!r} is not weekly, off or extra")
    note = values.get("note", "")
    if len(note) > MAX_NOTE:
        raise _Bad("note", f"longer than {MAX_NOTE} characters")
    if kind == "weekly":
        weekday = weekday_index(values["day"])
        if weekday is None:
            raise _Bad("day", f"{values['day']!r} is not a weekday ({', '.join(WEEKDAYS)})")
        start, end = shift_times(values["start"], values["end"])
        return WeeklyShift(staff_id, weekday, start, end), note
    day = parse_day(values["day"])
    if kind == "off":
        for column in ("start", "end"):
            if values[column]:
                raise _Bad(column, "a day off has no times; leave it empty")
        return DayOff(staff_id, day), note
    start, end = shift_times(values["start"], values["end"])
    return ExtraShift(staff_id, day, start, end), note


def parse_day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _Bad("day", f"{text!r} is not a date (YYYY-MM-DD)") from None
    if len(text) != 10:
        raise _Bad("day", f"{text!r} is not a date (YYYY-MM-DD)")
    return day


def shift_times(start_text: str, end_text: str) -> tuple[int, int]:
    """(start, end) minutes of a shift, or _Bad naming the field at fault."""
    start = minute_of_day(start_text)
    if start is None:
        raise _Bad("start", f"{start_text!r} is not a time (HH:MM, 00:00-23:59)")
    end = minute_of_day(end_text, allow_end_of_day=True)
    if end is None:
        raise _Bad("end", f"{end_text!r} is not a time (HH:MM, 00:00-24:00)")
    if end == start:
        # Not read as 24 hours: far more often a slip (00:00-24:00 says a whole day).
        raise _Bad("end", f"the same as the start ({clock_text(start)})")
    return start, end


def check_shift_times(start_text: str, end_text: str) -> tuple[int, int] | RowError:
    """`shift_times` for a form: the minutes, or the error (row 0) naming the field."""
    try:
        return shift_times(start_text, end_text)
    except _Bad as bad:
        return RowError(0, bad.column, bad.message)


def check_day(text: str) -> date | RowError:
    try:
        return parse_day(text)
    except _Bad as bad:
        return RowError(0, bad.column, bad.message)


def _span(shift: WeeklyShift) -> tuple[int, int]:
    start = shift.weekday * MINUTES_PER_DAY + shift.start_minute
    length = (shift.end_minute - shift.start_minute) % MINUTES_PER_DAY or MINUTES_PER_DAY
    return start, start + length


def _overlap(one: WeeklyShift, other: WeeklyShift) -> bool:
    if one.staff_id != other.staff_id:
        return False
    a_start, a_end = _span(one)
    b_start, b_end = _span(other)
    # The week wraps: Sunday 22:00-06:00 meets Monday 05:00.
    return any(a_start < b_end + shift and b_start + shift < a_end
               for shift in (-WEEK_MINUTES, 0, WEEK_MINUTES))


def rota_csv(rows: list[tuple[str, str, str, str, str, str]]) -> str:
    """Rows (email, kind, day, start, end, note) as a file `parse_rota_csv` reads back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, *OPTIONAL_COLUMNS))
    writer.writerows(rows)
    return out.getvalue()


def _header_help() -> str:
    return f"the first row names the columns: {','.join(COLUMNS + OPTIONAL_COLUMNS)}"
