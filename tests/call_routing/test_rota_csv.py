"""The rota file: a good file becomes plain values; every bad row gets one line naming
its row and field, and a file with any bad row yields nothing to import."""

from __future__ import annotations

from datetime import date

import pytest

from call_routing.rota.csv_import import parse_rota_csv, rota_csv
from call_routing.rota.domain import DayOff, ExtraShift, WeeklyShift

STAFF = {"nok@helpline.example": 1, "sokha@helpline.example": 2}
HEADER = "email,kind,day,start,end,note\n"


def test_a_good_file():
    parsed = parse_rota_csv(
        "\ufeffEmail, Kind ,Day,Start,End,Note\n"            # a spreadsheet's BOM and spacing
        "nok@helpline.example,weekly,mon,08:00,16:00,\n"
        "NOK@helpline.example,Weekly,Tuesday,8:00,16:00,\n"
        "\n"                                                   # blank lines are skipped
        "sokha@helpline.example,weekly,sun,22:00,06:00,night\n"
        "nok@helpline.example,off,2026-01-07,,,public holiday\n"
        "nok@helpline.example,extra,2026-01-10,10:00,24:00,\n", STAFF)
    assert parsed.ok, parsed.errors
    assert parsed.staff_ids == {1, 2}
    assert parsed.weekly == (WeeklyShift(1, 0, 480, 960), WeeklyShift(1, 1, 480, 960),
                             WeeklyShift(2, 6, 1320, 360))
    assert parsed.days_off == (DayOff(1, date(2026, 1, 7)),)
    assert parsed.extras == (ExtraShift(1, date(2026, 1, 10), 600, 1440),)
    assert parsed.notes == {("off", 1, date(2026, 1, 7)): "public holiday"}


def test_columns_may_come_in_any_order_and_note_is_optional():
    parsed = parse_rota_csv("day,start,end,email,kind\nfri,09:00,17:00,nok@helpline.example,"
                            "weekly\n", STAFF)
    assert parsed.weekly == (WeeklyShift(1, 4, 540, 1020),)


@pytest.mark.parametrize(("row", "error"), [
    ("ghost@helpline.example,weekly,mon,08:00,16:00,",
     "row 2, email: no active staff member 'ghost@helpline.example'"),
    (",weekly,mon,08:00,16:00,", "row 2, email: empty; give the staff member's login email"),
    ("nok@helpline.example,holiday,mon,08:00,16:00,",
     "row 2, kind: 'holiday' is not weekly, off or extra"),
    ("nok@helpline.example,weekly,mond,08:00,16:00,",
     "row 2, day: 'mond' is not a weekday (mon, tue, wed, thu, fri, sat, sun)"),
    ("nok@helpline.example,weekly,mon,25:00,16:00,",
     "row 2, start: '25:00' is not a time (HH:MM, 00:00-23:59)"),
    ("nok@helpline.example,weekly,mon,08:00,16:60,",
     "row 2, end: '16:60' is not a time (HH:MM, 00:00-24:00)"),
    ("nok@helpline.example,weekly,mon,24:00,08:00,",
     "row 2, start: '24:00' is not a time (HH:MM, 00:00-23:59)"),
    ("nok@helpline.example,weekly,mon,8,16,", "row 2, start: '8' is not a time (HH:MM, "
                                             "00:00-23:59)"),
    ("nok@helpline.example,weekly,mon,08:00,08:00,",
     "row 2, end: the same as the start (08:00)"),
    ("nok@helpline.example,off,07/01/2026,,,", "row 2, day: '07/01/2026' is not a date "
                                               "(YYYY-MM-DD)"),
    ("nok@helpline.example,off,2026-02-30,,,", "row 2, day: '2026-02-30' is not a date "
                                               "(YYYY-MM-DD)"),
    ("nok@helpline.example,off,2026-01-07,08:00,,",
     "row 2, start: a day off has no times; leave it empty"),
    ("nok@helpline.example,extra,2026-01-07,,12:00,",
     "row 2, start: '' is not a time (HH:MM, 00:00-23:59)"),
    ("nok@helpline.example,weekly,mon,08:00,16:00," + "x" * 201,
     "row 2, note: longer than 200 characters"),
])
def test_each_bad_row_is_named_with_its_field(row, error):
    parsed = parse_rota_csv(HEADER + row + "\n", STAFF)
    assert not parsed.ok
    assert [str(e) for e in parsed.errors] == [error]
    assert parsed.weekly == () and parsed.staff_ids == frozenset()


def test_one_line_per_bad_row_and_nothing_imported_when_any_row_is_bad():
    parsed = parse_rota_csv(
        HEADER
        + "nok@helpline.example,weekly,mon,08:00,16:00,\n"       # row 2: good
        + "nok@helpline.example,weekly,xyz,99:00,16:00,\n"       # row 3: two faults, one line
        + "sokha@helpline.example,weekly,tue,09:00,17:00,\n"     # row 4: good
        + "\n"                                                   # row 5: blank
        + "ghost@helpline.example,off,2026-01-07,,,\n", STAFF)   # row 6
    assert [str(e) for e in parsed.errors] == [
        "row 3, day: 'xyz' is not a weekday (mon, tue, wed, thu, fri, sat, sun)",
        "row 6, email: no active staff member 'ghost@helpline.example'",
    ]
    assert parsed.weekly == () and parsed.days_off == ()


def test_overlapping_weekly_shifts_of_one_person_are_refused_across_the_weeks_wrap():
    parsed = parse_rota_csv(HEADER
                            + "nok@helpline.example,weekly,sun,22:00,06:00,\n"
                            + "sokha@helpline.example,weekly,mon,05:00,09:00,\n"  # other person
                            + "nok@helpline.example,weekly,mon,05:00,09:00,\n", STAFF)
    assert [str(e) for e in parsed.errors] == [
        "row 4, start: overlaps row 2 (the same person's weekly shift)"]


def test_a_quoted_field_across_lines_keeps_the_spreadsheets_row_numbers():
    parsed = parse_rota_csv(HEADER
                            + 'nok@helpline.example,off,2026-01-07,,,"two\nlines"\n'
                            + "nok@helpline.example,weekly,mon,08:00,xx,\n", STAFF)
    assert [str(e) for e in parsed.errors] == [
        "row 4, end: 'xx' is not a time (HH:MM, 00:00-24:00)"]


@pytest.mark.parametrize(("text", "error"), [
    ("", "row 1, header: the first row names the columns: email,kind,day,start,end,note"),
    ("email,kind,day\nnok@helpline.example,weekly,mon\n",
     "row 1, header: missing start, end; the first row names the columns: "
     "email,kind,day,start,end,note"),
    ("email,kind,day,start,end,shift\n",
     "row 1, header: unknown column shift; the first row names the columns: "
     "email,kind,day,start,end,note"),
])
def test_a_bad_header_is_one_line(text, error):
    assert [str(e) for e in parse_rota_csv(text, STAFF).errors] == [error]


def test_too_many_rows():
    rows = "".join(f"nok@helpline.example,off,2026-01-{1 + i % 28:02d},,,\n"
                   for i in range(5001))
    errors = parse_rota_csv(HEADER + rows, STAFF).errors
    assert [str(e) for e in errors] == ["row 5002, row: a rota file has at most 5000 rows; "
                                        "split it"]


def test_the_export_reads_back_as_it_was():
    rows = [("nok@helpline.example", "weekly", "mon", "08:00", "16:00", ""),
            ("nok@helpline.example", "off", "2026-01-07", "", "", "sick, then holiday"),
            ("sokha@helpline.example", "extra", "2026-01-10", "22:00", "02:00", "")]
    parsed = parse_rota_csv(rota_csv(rows), STAFF)
    assert parsed.ok
    assert parsed.weekly == (WeeklyShift(1, 0, 480, 960),)
    assert parsed.extras == (ExtraShift(2, date(2026, 1, 10), 1320, 120),)
    assert parsed.notes[("off", 1, date(2026, 1, 7))] == "sick, then holiday"
