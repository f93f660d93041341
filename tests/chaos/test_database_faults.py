"""Callers while the database is locked for 45 s, or read-only, against the real stack.

Every webhook must answer well-formed TwiML within 2 s (Twilio gives up at 15 s): the
stand-in parses each document and reports what it could not parse or carry out as a
notice, so no notice and a 2xx status is what "well-formed" is checked as. Callers can
leave a voicemail, hear the apology at most once, and each voicemail is taken in (a
stored recording with its ticket) once the database is back. The recovery sweep runs
every 10 s here instead of 60 (CHAOS_RELIABILITY).
"""

from __future__ import annotations

import json

import pytest

from helpline.chaos.database import freeze_unsupported
from helpline.chaos.scenarios import run_on
from tests.chaos.conftest import BOTH, backend_id, start_stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=BOTH, ids=backend_id)
def stack(request, tmp_path_factory):
    yield from start_stack(tmp_path_factory, "database", request.param)


def shown(figures: dict) -> str:
    return json.dumps(figures, indent=1, ensure_ascii=False)


def assert_callers_served(figures: dict, callers: int) -> None:
    assert figures["webhooks_over_2s"] == 0, shown(figures)
    assert figures["longest_webhook_ms"] <= 2000, shown(figures)
    assert figures["webhooks_failed"] == 0, shown(figures)
    assert figures["notices"] == {}, shown(figures)
    assert figures["callers_with_voicemail"] == callers, shown(figures)
    assert figures["apologies_max_per_call"] <= 1, shown(figures)
    # Taken in afterwards: nothing a caller left is lost.
    assert figures["voicemails_left"] == callers, shown(figures)
    assert figures["voicemails_stored"] == callers, shown(figures)
    assert figures["voicemails_with_ticket"] == callers, shown(figures)
    assert figures["duplicates"] == 0, shown(figures)
    assert figures["all_children_running"], shown(figures)


def test_database_locked_for_45_s_callers_still_served_and_voicemails_taken_in(stack):
    figures = run_on(stack, "database_locked", seconds=45.0, callers=6, intake_timeout=120.0)
    assert figures["fault_seconds"] >= 45.0 and not figures["fault_problems"]
    assert_callers_served(figures, 6)


def test_database_read_only_apology_at_most_once_per_call(stack):
    if stack.database.backend == "sqlite" and (why := freeze_unsupported(stack.folder)):
        pytest.skip(f"cannot make a SQLite file read-only for root here: {why}")
    figures = run_on(stack, "database_read_only", seconds=15.0, callers=3,
                     intake_timeout=120.0)
    assert not figures["fault_problems"]
    assert figures["apologies_max_per_call"] <= 1, shown(figures)
    assert_callers_served(figures, 3)
