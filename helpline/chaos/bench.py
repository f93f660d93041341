"""`helpline bench chaos [--scenarios a,b] [--database-url URL] [--keep] --json`

Runs fault scenarios against real stacks (`helpline run` started in a temporary
folder with its own redis-server and database, one stack per scenario, always torn
down) and prints one JSON document: each scenario's figures, and a headline of the
ones the reliability issue is judged by — voicemails lost, duplicates, p95 hang-up
to stored, longest webhook under fault, apologies per call, ghost offers and failed
bridges, processes restarted, processes left behind.

`--database-url postgresql://...` runs them on PostgreSQL, in a database of the
benchmark's own on that server (created, then dropped). Default: SQLite.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from helpline.chaos.scenarios import CHAOS_RELIABILITY, SCENARIOS, run_scenario

DEFAULT = ("redis_outage", "transcriber_kill", "database_locked", "database_read_only",
           "ghost_in_queue", "download_stalled", "voicemail_burst")


def bench_chaos(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="helpline bench chaos")
    parser.add_argument("--scenarios", default=",".join(DEFAULT),
                        help=f"comma-separated, from: {', '.join(SCENARIOS)}")
    parser.add_argument("--database-url", default="sqlite",
                        help="sqlite (default) or a postgresql:// server URL")
    parser.add_argument("--callers", type=int, default=50,
                        help="callers in voicemail_burst (default 50)")
    parser.add_argument("--keep", action="store_true",
                        help="keep each stack's folder (logs, database) and print where")
    parser.add_argument("--json", action="store_true", help="(the output is always JSON)")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; "
                     f"known: {', '.join(SCENARIOS)}")

    folder = Path(tempfile.mkdtemp(prefix="helpline-chaos-"))
    started = time.monotonic()
    results: dict[str, Any] = {}
    try:
        for name in names:
            print(f"helpline bench chaos: {name} ({SCENARIOS[name].summary})…",
                  file=sys.stderr, flush=True)
            options = {"callers": args.callers} if name == "voicemail_burst" else {}
            try:
                results[name] = run_scenario(name, folder, args.database_url, **options)
            except Exception as exc:  # noqa: BLE001 - one scenario's failure is a figure
                results[name] = {"scenario": name, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        if args.keep:
            print(f"helpline bench chaos: stacks kept in {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return {"benchmark": "chaos", "database": "sqlite" if args.database_url == "sqlite"
            else "postgresql", "reliability": CHAOS_RELIABILITY,
            "seconds": round(time.monotonic() - started, 1),
            "headline": headline(results), "scenarios": results}


def headline(results: dict[str, Any]) -> dict[str, Any]:
    """The figures the reliability issue is judged by, across scenarios."""
    def pick(scenario: str, key: str) -> Any:
        return results.get(scenario, {}).get(key)

    def across(key: str) -> dict[str, Any]:
        return {name: figures[key] for name, figures in results.items() if key in figures}

    restarted: dict[str, int] = {}
    for figures in results.values():
        for child, count in (figures.get("processes_restarted") or {}).items():
            restarted[child] = restarted.get(child, 0) + count
    return {
        "voicemails_lost": across("voicemails_lost"),
        "duplicates": across("duplicates"),
        "p95_hangup_to_stored_seconds": across("p95_hangup_to_stored_seconds"),
        "longest_webhook_ms_under_fault": {
            name: pick(name, "longest_webhook_ms") for name in (
                "redis_outage", "database_locked", "database_read_only")
            if name in results},
        "apologies_max_per_call": across("apologies_max_per_call"),
        "ghost_offers": pick("ghost_in_queue", "ghost_offers"),
        "ghost_offers_after_caller": pick("ghost_in_queue", "ghost_offers_after_caller"),
        "next_caller_offered_after_seconds": pick("ghost_in_queue", "offered_after_seconds"),
        "failed_bridges": across("failed_bridges"),
        "offer_seconds_during_stalled_download": [
            pick("download_stalled", "offer_when_caller_joined_seconds"),
            pick("download_stalled", "offer_when_agent_freed_seconds")]
        if "download_stalled" in results else None,
        "processes_restarted": restarted,
        "all_children_running": across("all_children_running"),
        "leftover_processes": sum(len(figures.get("leftover_processes") or [])
                                  for figures in results.values()),
        "errors": {name: figures["error"] for name, figures in results.items()
                   if "error" in figures},
    }
