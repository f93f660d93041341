"""Voicemails through faults in the queue and the workers, against the real stack.

The stack runs with shortened reliability intervals (CHAOS_RELIABILITY: intake sweep
5 s instead of 30, recovery sweep 10 s instead of 60, job lease 10 s instead of 15)
so a test waits for the repair, not for a timer; the figures asserted are the issue's.
"""

from __future__ import annotations

import json

import pytest

from helpline.chaos.scenarios import run_on
from tests.chaos.conftest import BOTH, backend_id, start_stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=BOTH, ids=backend_id)
def stack(request, tmp_path_factory):
    yield from start_stack(tmp_path_factory, "voicemail", request.param)


def shown(figures: dict) -> str:
    return json.dumps(figures, indent=1, ensure_ascii=False)


def test_redis_killed_for_45_s_during_20_voicemails_loses_none(stack):
    # On PostgreSQL 5 of the 20 are Korean (machine-transcribed) and 15 wait for people:
    # the same 20/20, without 20 more Vosk decodes in CI's time budget.
    korean = 20 if stack.database.backend == "sqlite" else 5
    figures = run_on(stack, "redis_outage", calls=20, korean=korean, outage_seconds=45.0,
                     settle_timeout=300.0)
    assert figures["outage_seconds"] >= 45.0
    assert figures["outcomes"] == {"voicemail": 20}, shown(figures)
    assert figures["voicemails_left"] == 20, shown(figures)
    # Stored and transcribed (or waiting for people) within 5 minutes of Redis returning.
    assert figures["seconds_to_settle_after_redis_returned"] is not None, shown(figures)
    assert figures["voicemails_stored"] == 20, shown(figures)
    assert figures["voicemails_transcribed"] == 20, shown(figures)
    assert figures["voicemails_lost"] == 0
    assert figures["duplicates"] == 0, shown(figures)
    assert figures["all_children_running"], shown(figures)


def test_transcriber_killed_mid_job_three_times_transcribes_each_voicemail_once(stack):
    if stack.database.backend != "sqlite":
        pytest.skip("SQLite only: CI runs the database and Redis scenarios on PostgreSQL")
    figures = run_on(stack, "transcriber_kill", kills=3, voicemails=3, settle_timeout=240.0)
    assert figures["kills"] == 3
    assert figures["voicemails_recorded"] == 3, shown(figures)
    # Exactly once, or handed to people / failed with the reason shown to staff.
    assert figures["unaccounted"] == [], shown(figures)
    assert (figures["transcribed_once"] + figures["handed_over_with_reason"]
            + figures["failed_with_reason"]) == 3, shown(figures)
    assert figures["duplicate_transcripts"] == 0, shown(figures)
    assert figures["processes_restarted"].get("transcriber", 0) >= 3, shown(figures)
    assert figures["all_children_running"], shown(figures)
