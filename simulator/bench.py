"""`helpline bench webhooks`: how many callers one machine holds, measured from outside.

Two kinds of load, both from one asyncio loop (its CPU is reported, so you can see
it did not starve the app):

* **Closed loop** (`--concurrency 1,10,50,200`): that many connections post signed
  `incoming` webhooks — a new call each — as fast as answers come back. With
  `--baseline` a bare Flask app that only checks the signature (simulator.baseline_app)
  is served by gunicorn with the same options, and the two are driven in interleaved
  rounds (app, baseline, app, …); the medians over `--rounds` give throughput,
  p50/p95/p99 and the app/baseline ratio per concurrency.
* **Paced callers** (`--callers 1000 --pace 1 --ramp 60 --duration 120`): each caller
  follows the TwiML it gets — listens to every prompt for its real length × pace,
  presses keys at menus, waits in the queue, hangs up — call after call. This is the
  load that many live calls put on the app.

Unless `--app-url` names a running app, the benchmark starts its own: gunicorn with
`helpline run`'s options, its own Redis, and SQLite in a temporary folder (or the
database at `--database-url`, which should be one of its own: the benchmark adds
calls to it). Traffic goes only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from helpline.config import load_config
from helpline.settings import load_settings
from simulator.bench_servers import BENCH_ACCOUNT_SID, BenchServer, start_app, start_baseline
from simulator.load_drivers import (
    Signer,
    closed_loop,
    incoming_requests,
    paced_callers,
    run_loop,
)

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
TARGET_RATIO = 0.5
TARGET_P99_MS = 150.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    # Nearest rank: the smallest value with at least `fraction` of values at or below it.
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return round(ordered[index], 2)


def summarise(latencies: list[float], errors: int) -> dict[str, Any]:
    return {"requests": len(latencies), "errors": errors,
            "p50_ms": percentile(latencies, 0.50), "p95_ms": percentile(latencies, 0.95),
            "p99_ms": percentile(latencies, 0.99),
            "max_ms": round(max(latencies), 2) if latencies else 0.0,
            "mean_ms": round(statistics.fmean(latencies), 2) if latencies else 0.0}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helpline bench webhooks")
    parser.add_argument("--concurrency", default=None,
                        help="Closed loop: comma-separated connection counts, e.g. 1,10,50,200.")
    parser.add_argument("--baseline", action="store_true",
                        help="Closed loop, side by side with a bare signature-checking app.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="Closed loop: seconds per round and concurrency.")
    parser.add_argument("--callers", type=int, default=10)
    parser.add_argument("--duration", type=float, default=15.0,
                        help="Paced callers: seconds to keep placing calls.")
    parser.add_argument("--pace", type=float, default=0.0,
                        help="Real seconds per second of caller audio: 1 = callers listen "
                             "in real time as on a phone; 0 = no listening at all.")
    parser.add_argument("--ramp", type=float, default=0.0,
                        help="Seconds over which the callers' first calls are spread.")
    parser.add_argument("--app-url", default=None,
                        help="A running app on this machine (its settings' auth token).")
    parser.add_argument("--database-url", default=None,
                        help="The started app's database (one of its own); SQLite if unset.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    return parser


def bench_webhooks(argv: list[str]) -> dict[str, Any]:
    args = _parser().parse_args(argv)
    if args.callers < 1 or args.duration <= 0 or args.rounds < 1 or args.seconds <= 0:
        return {"error": "--callers, --rounds must be at least 1; --duration, --seconds "
                         "positive"}
    concurrencies: list[int] = []
    if args.concurrency or args.baseline:
        try:
            concurrencies = [int(part) for part in (args.concurrency or "1,10,50,200")
                             .split(",")]
        except ValueError:
            return {"error": f"--concurrency must be numbers: {args.concurrency!r}"}
        if not concurrencies or min(concurrencies) < 1:
            return {"error": "--concurrency values must be at least 1"}
    settings = load_settings()
    config = load_config(settings.config_path)
    if args.app_url:
        app_url = args.app_url.rstrip("/")
        if urlsplit(app_url).hostname not in LOCAL_HOSTS:
            return {"error": f"{app_url} is not on this machine; the benchmark only calls "
                             "127.0.0.1"}
        if args.baseline:
            return {"error": "--baseline starts both servers itself; leave out --app-url"}
        try:
            requests.get(app_url + "/healthz", timeout=3)
        except requests.RequestException as exc:
            return {"error": f"no helpline app at {app_url}: {type(exc).__name__}"}
        signer = Signer(settings.twilio_auth_token or "", settings.twilio_account_sid or "")
        return _run(args, concurrencies, config, app_url, signer, servers={})

    auth_token = secrets.token_hex(16)
    signer = Signer(auth_token, BENCH_ACCOUNT_SID)
    with tempfile.TemporaryDirectory(prefix="helpline-bench-") as folder:
        servers: dict[str, BenchServer] = {}
        try:
            servers["app"] = start_app(Path(folder) / "app", auth_token=auth_token,
                                       database_url=args.database_url,
                                       config_path=settings.config_path)
            if args.baseline:
                servers["baseline"] = start_baseline(Path(folder) / "baseline",
                                                     auth_token=auth_token)
            return _run(args, concurrencies, config, servers["app"].url, signer, servers)
        finally:
            for server in servers.values():
                server.stop()


def _run(args: argparse.Namespace, concurrencies: list[int], config: Any, app_url: str,
         signer: Signer, servers: dict[str, BenchServer]) -> dict[str, Any]:
    lines = [(number.number, len(number.languages)) for number in config.numbers]
    cpu_before = time.process_time()
    wall_before = time.monotonic()
    server_cpu_before = {name: server.cpu_seconds() for name, server in servers.items()}
    if concurrencies:
        result = _closed_loop(args, concurrencies, lines, app_url, signer, servers)
    else:
        result = _paced(args, config, lines, app_url, signer)
    wall = time.monotonic() - wall_before
    loadgen_cpu = time.process_time() - cpu_before
    result.update({
        "loadgen_cpu_seconds": round(loadgen_cpu, 2),
        "loadgen_cpu_cores": round(loadgen_cpu / wall, 3) if wall else 0.0,
        "server_cpu_seconds": {name: round(server.cpu_seconds() - server_cpu_before[name], 2)
                               for name, server in servers.items()},
        "database": _database_kind(args.database_url, bool(servers)),
        "machine": {"cpu_count": os.cpu_count(), "load_average": list(os.getloadavg())},
    })
    return result


def _closed_loop(args: argparse.Namespace, concurrencies: list[int],
                 lines: list[tuple[str, int]], app_url: str, signer: Signer,
                 servers: dict[str, BenchServer]) -> dict[str, Any]:
    urls = {"app": app_url}
    if "baseline" in servers:
        urls["baseline"] = servers["baseline"].url
    numbers = [number for number, _ in lines]
    rounds: dict[tuple[str, int], list[dict[str, Any]]] = {}

    def one_round(name: str, concurrency: int, seconds: float) -> dict[str, Any]:
        # Signed before the clock starts: the generator then only writes and reads bytes.
        needed = int(concurrency * seconds * 3000) + concurrency
        feed = incoming_requests(signer, urls[name], numbers,
                                 seed=args.seed * 7919 + len(rounds) * 31 + concurrency)
        prebuilt = [next(feed) for _ in range(min(needed, 60_000))]
        outcome = run_loop(closed_loop(urls[name], prebuilt, concurrency=concurrency,
                                          seconds=seconds))
        figures = summarise(outcome.latencies_ms, sum(outcome.errors.values()))
        figures["requests_per_second"] = round(len(outcome.latencies_ms) /
                                               outcome.elapsed_seconds, 1)
        figures["error_kinds"] = dict(outcome.errors)
        return figures

    # Warm both up (imports, connection pools, prompt rendering) before measuring.
    for name in urls:
        one_round(name, max(concurrencies), 1.0)
    for repetition in range(args.rounds):
        for concurrency in concurrencies:
            for name in (urls if repetition % 2 == 0 else reversed(list(urls))):
                rounds.setdefault((name, concurrency), []).append(
                    one_round(name, concurrency, args.seconds))

    by_concurrency: dict[str, Any] = {}
    for concurrency in concurrencies:
        entry: dict[str, Any] = {}
        for name in urls:
            figures = rounds[(name, concurrency)]
            entry[name] = {
                "requests_per_second": statistics.median(f["requests_per_second"]
                                                         for f in figures),
                **{key: statistics.median(f[key] for f in figures)
                   for key in ("p50_ms", "p95_ms", "p99_ms")},
                "errors": sum(f["errors"] for f in figures),
                "rounds": [f["requests_per_second"] for f in figures],
            }
        if "baseline" in entry and entry["baseline"]["requests_per_second"]:
            entry["ratio"] = round(entry["app"]["requests_per_second"]
                                   / entry["baseline"]["requests_per_second"], 3)
        by_concurrency[str(concurrency)] = entry
    return {"benchmark": "webhooks", "mode": "closed_loop", "path": "/twilio/voice/incoming",
            "rounds": args.rounds, "seconds_per_round": args.seconds,
            "concurrency": by_concurrency, "target_ratio": TARGET_RATIO,
            "gunicorn": "helpline.web_server.GUNICORN_OPTIONS"}


def _paced(args: argparse.Namespace, config: Any, lines: list[tuple[str, int]],
           app_url: str, signer: Signer) -> dict[str, Any]:
    menu_keys = [option.key for option in config.main_menu] or ["1"]
    started = time.monotonic()
    outcome = run_loop(paced_callers(app_url, signer, lines=lines, menu_keys=menu_keys,
                                        callers=args.callers, pace=args.pace, ramp=args.ramp,
                                        duration=args.duration, seed=args.seed))
    elapsed = time.monotonic() - started
    errors_by_path: Counter[str] = Counter()
    for kind, count in outcome.errors.items():
        errors_by_path[kind.split(":")[0]] += count
    latencies = [value for values in outcome.latencies_by_path.values() for value in values]
    requests_made = len(latencies) + outcome.unanswered
    return {
        "benchmark": "webhooks", "mode": "paced", "app_url": app_url,
        "callers": args.callers, "pace": args.pace, "ramp_seconds": args.ramp,
        "duration_seconds": round(elapsed, 2), "calls": outcome.calls,
        "requests": requests_made, "errors": sum(outcome.errors.values()),
        "error_kinds": dict(outcome.errors),
        "requests_per_second": round(requests_made / elapsed, 1) if elapsed else 0.0,
        "overall": summarise(latencies, sum(outcome.errors.values())),
        "endpoints": {path: summarise(values, errors_by_path[path])
                      for path, values in sorted(outcome.latencies_by_path.items())},
        "outcomes": dict(outcome.outcomes), "apologies": outcome.apologies,
        "target_p99_ms": TARGET_P99_MS,
    }


def _database_kind(database_url: str | None, own_server: bool) -> str:
    if not own_server:
        return "the running app's"
    return "postgresql" if database_url and database_url.startswith("postgres") else "sqlite"
