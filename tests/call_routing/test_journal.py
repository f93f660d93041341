"""The journal replay catches exactly the double bookings it exists to catch."""

from __future__ import annotations

import pytest

from call_routing.journal import check_journal


@pytest.mark.parametrize(("entries", "double", "twice", "ok"), [
    (["join CA1", "reserve 1 CA1", "accept 1 CA1", "end 1 CA1", "leave CA1 completed"],
     0, 0, True),
    (["reserve 1 CA1", "release 1 CA1 missed", "reserve 2 CA1", "accept 2 CA1"], 0, 0, True),
    (["reserve 1 CA1", "reserve 1 CA2"], 1, 0, False),
    (["reserve 1 CA1", "reserve 2 CA1"], 0, 1, False),
    (["reserve 1 CA1", "accept 2 CA1"], 0, 0, False),
    (["reserve 1 CA1", "accept 1 CA1", "interpret 1 CA2"], 1, 0, False),
    (["reserve 1 CA1", "accept 1 CA1", "end 1 CA1", "reserve 1 CA2"], 0, 0, True),
    (["release 1 CA1 declined"], 0, 0, False),
])
def test_check_journal(entries, double, twice, ok):
    report = check_journal(entries)
    assert (report.double_reservations, report.calls_given_twice, report.ok) == (double, twice, ok)
