"""`helpline bench idle --json`: how much memory `helpline run` holds, process by
process — just started and idle, then after 1,000 calls.

A real stack (`helpline run` in a temporary folder with its own redis-server and
SQLite, as the fault-injection suite starts it) and real calls: signed webhooks
straight to its web server (the load generator of `helpline bench webhooks`, callers
following the TwiML without listening), each ended with its status callback. RSS is
what each process has resident; USS (memory only it uses, where the kernel says) shows
what the forked gunicorn workers share with their master.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from helpline.chaos.database import SqliteDatabase
from helpline.chaos.stack import child_name, new_stack
from helpline.config import load_config
from helpline.settings import load_settings
from simulator.load_drivers import Signer, paced_callers, run_loop

MB = 1024 * 1024


def bench_idle(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="helpline bench idle")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--callers", type=int, default=50, help="calls in progress at once")
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds to let the stack settle before each reading")
    parser.add_argument("--json", action="store_true", help="(the output is always JSON)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="helpline-idle-") as folder:
        stack = new_stack(Path(folder), SqliteDatabase(Path(folder) / "helpline.sqlite3"))
        try:
            stack.start()
            started = time.monotonic()
            time.sleep(args.settle)
            idle = _readings(stack.process.pid if stack.process else 0)
            settings = load_settings({**os.environ,
                                      "HELPLINE_INSTANCE_DIR": str(Path(folder) / "instance"),
                                      "HELPLINE_CONFIG": str(Path(folder) / "config.yaml")})
            config = load_config(Path(folder) / "config.yaml")
            results = run_loop(paced_callers(
                stack.app_url, Signer(settings.twilio_auth_token, settings.twilio_account_sid),
                lines=[(n.number, len(n.languages)) for n in config.numbers],
                menu_keys=[o.key for o in config.main_menu] or ["1"], callers=args.callers,
                pace=0.0, ramp=0.0, duration=600.0, seed=1, max_calls=args.calls))
            time.sleep(args.settle)
            after = _readings(stack.process.pid if stack.process else 0)
            errors = sum(results.errors.values())
            return {
                "benchmark": "idle", "calls": results.calls, "webhook_errors": errors,
                "error_kinds": dict(results.errors),
                "seconds_to_ready": round(stack.ready_at - stack.started_at, 1),
                "seconds_of_calls": round(time.monotonic() - started - 2 * args.settle, 1),
                "idle": idle, "after_calls": after,
                "idle_total_rss_mb": round(sum(p["rss_mb"] for p in idle.values()), 1),
                "after_calls_total_rss_mb": round(sum(p["rss_mb"] for p in after.values()), 1),
                "target_idle_total_rss_mb": 1024,
                "machine": {"cpu_count": os.cpu_count(), "load_average": list(os.getloadavg())},
                "note": "RSS counts pages shared between gunicorn's master and workers once "
                        "per process, so the total overstates what the stack really holds; "
                        "uss_mb (where given) is each process's own",
            }
        finally:
            stack.stop()


def _readings(run_pid: int) -> dict[str, dict[str, float]]:
    """Each process of the stack by role: helpline run itself, its children (gunicorn's
    workers as web-1, web-2), and the redis-server it was given."""
    found: dict[str, dict[str, float]] = {}
    with contextlib.suppress(psutil.Error):
        run = psutil.Process(run_pid)
        found["helpline-run"] = _memory(run)
        for child in run.children():
            name = child_name(_cmdline(child)) or "task"
            found[name] = _memory(child)
            for n, grandchild in enumerate(child.children(recursive=True), start=1):
                found[f"{name}-{n}"] = _memory(grandchild)
    return found


def _memory(proc: psutil.Process) -> dict[str, float]:
    reading: dict[str, float] = {"pid": proc.pid,
                                 "rss_mb": round(proc.memory_info().rss / MB, 1)}
    with contextlib.suppress(psutil.Error, AttributeError):
        reading["uss_mb"] = round(proc.memory_full_info().uss / MB, 1)
    return reading


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []
