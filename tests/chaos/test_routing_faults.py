"""Routing through faults, against the real stack: a ghost left in a queue by a lost
`completed` status callback, and a recording download stalled at Twilio."""

from __future__ import annotations

import json

import pytest

from helpline.chaos.scenarios import run_on
from tests.chaos.conftest import SQLITE_ONLY, start_stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=SQLITE_ONLY)
def stack(request, tmp_path_factory):
    yield from start_stack(tmp_path_factory, "routing", request.param)


def shown(figures: dict) -> str:
    return json.dumps(figures, indent=1, ensure_ascii=False)


def test_a_ghost_in_the_queue_never_blocks_the_next_caller(stack):
    figures = run_on(stack, "ghost_in_queue")
    offered = figures["offered_after_seconds"]
    assert offered is not None and offered <= 10.0, shown(figures)
    assert figures["caller_outcome"] == "bridged", shown(figures)
    assert not figures["agent_reserved_after"], shown(figures)
    # Removed, not offered forever: free again with nobody waiting, nothing is offered.
    assert figures["ghost_offers_after_caller"] == 0, shown(figures)
    assert figures["all_children_running"], shown(figures)


def test_offers_go_out_on_time_while_a_download_is_stalled(stack):
    figures = run_on(stack, "download_stalled", stall_seconds=120.0)
    assert figures["measured_during_stall"], shown(figures)
    for key in ("offer_when_caller_joined_seconds", "offer_when_agent_freed_seconds"):
        assert figures[key] is not None and figures[key] <= 2.0, shown(figures)
    assert figures["failed_bridges"] == 0, shown(figures)
    assert figures["outcomes"] == ["bridged", "bridged"], shown(figures)
    assert figures["all_children_running"], shown(figures)
