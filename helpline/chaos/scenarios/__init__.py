"""Each fault as a function of a running stack that returns a dict of figures.

`SCENARIOS` names them; `run_scenario` starts a stack for one, runs it and tears
the stack down; `run_on(stack, name)` runs one on a stack that is already up (tests
share a stack between scenarios that leave it as they found it).

Reliability intervals are shortened from the configuration's defaults (intake sweep
30 s, recovery sweep 60 s, job lease 15 s) so the scenarios fit CI's time budget;
`CHAOS_RELIABILITY` says by how much, and every result reports what was in force.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpline.chaos.database import database_for
from helpline.chaos.scenarios.base import Run
from helpline.chaos.scenarios.database_faults import database_locked, database_read_only
from helpline.chaos.scenarios.routing_faults import download_stalled, ghost_in_queue
from helpline.chaos.scenarios.voicemail_faults import (
    redis_outage,
    transcriber_kill,
    voicemail_burst,
)
from helpline.chaos.stack import Stack, StackError, new_stack

# Shorter than the defaults, so that a sweep's interval is not what a test waits for.
CHAOS_RELIABILITY = {"intake_sweep_seconds": 5, "recovery_sweep_seconds": 10,
                     "job_lease_seconds": 10}


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[..., dict[str, Any]]
    summary: str
    # Part of the PostgreSQL subset (CI's time budget runs only these there).
    on_postgres: bool = False
    in_tests: bool = True


SCENARIOS = {scenario.name: scenario for scenario in (
    Scenario("redis_outage", redis_outage,
             "Redis killed for 45 s during 20 voicemails", on_postgres=True),
    Scenario("transcriber_kill", transcriber_kill,
             "the transcriber killed with SIGKILL mid-job, three times"),
    Scenario("database_locked", database_locked,
             "the database locked for 45 s while callers call", on_postgres=True),
    Scenario("database_read_only", database_read_only,
             "the database read-only while callers call", on_postgres=True),
    Scenario("ghost_in_queue", ghost_in_queue,
             "a waiting caller's `completed` status callback lost"),
    Scenario("download_stalled", download_stalled,
             "a recording download stalled 120 s while callers wait for agents"),
    Scenario("voicemail_burst", voicemail_burst,
             "50 callers leaving voicemails at once", in_tests=False),
)}


def run_on(stack: Stack, name: str, **options: Any) -> dict[str, Any]:
    scenario = SCENARIOS[name]
    run = Run(stack)
    try:
        figures = scenario.run(run, **options)
    except Exception as exc:
        if not stack.run_alive():
            # The likeliest reason the stand-in stopped answering: the whole stack went.
            raise StackError(f"helpline run exited (code {stack.exit_code()}) during {name}: "
                             + " / ".join(stack.said()[-5:])) from exc
        raise
    finally:
        run.close()
    return {"scenario": name, "database": stack.database.backend,
            "reliability": stack.reliability, "seconds": run.seconds(), **figures,
            "timeline": run.timeline}


def run_scenario(name: str, folder: Path, database: str = "sqlite",
                 **options: Any) -> dict[str, Any]:
    """A fresh stack for one scenario, always torn down; the figures include any
    process left behind (the stack's teardown kills it and says so)."""
    started = time.monotonic()
    stack_folder = folder / name
    stack = new_stack(stack_folder, database_for(database, stack_folder), CHAOS_RELIABILITY)
    try:
        stack.start()
        result = run_on(stack, name, **options)
    finally:
        leftovers = stack.stop()
    result["stack_start_seconds"] = round(stack.ready_at - started, 1)
    result["leftover_processes"] = leftovers
    result["total_seconds"] = round(time.monotonic() - started, 1)
    return result
