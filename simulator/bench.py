"""`helpline bench webhooks --callers N [--duration S] [--app-url URL] --json`

N simulated callers, each in its own thread, call the configured lines one after
another for `--duration` seconds, choosing languages and main-menu options at
random, and hang up after a random (simulated) while. Every webhook's latency is
collected; the result gives p50/p95/p99/max per endpoint (URL path) and the errors.
With `--pace 0` (default) caller audio takes no real time, so the app sees webhook
traffic as fast as N callers can make it; `--pace 1` makes every caller listen in
real time, as on a phone, which is the load N live calls really put on the app.
Traffic goes only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import threading
import time
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlsplit

import requests

from helpline.clock import SimulatedClock
from helpline.config import load_config
from helpline.settings import load_settings
from simulator.engine import NumberRoute, VoiceEngine
from simulator.report import outcome

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_DOCUMENTS_PER_CALL = 80


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


def caller_script(rng: random.Random, languages: int, menu_keys: list[str]) -> dict[str, Any]:
    press = []
    if languages > 1:
        press.append(str(rng.randint(1, languages)))
    press += [rng.choice(menu_keys) for _ in range(3)]
    return {"press": press, "hangup_after": rng.uniform(20, 240),
            "say": rng.choice([None, "I was not paid for two months"])}


def bench_webhooks(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="helpline bench webhooks")
    parser.add_argument("--callers", type=int, default=10)
    parser.add_argument("--duration", type=float, default=15.0,
                        help="Seconds to keep placing calls (calls in progress then finish).")
    parser.add_argument("--app-url", default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pace", type=float, default=0.0,
                        help="Real seconds per second of caller audio: 1 = callers listen in "
                             "real time as on a phone; 0 (default) = no listening, the "
                             "heaviest load N callers can make.")
    parser.add_argument("--ramp", type=float, default=0.0,
                        help="Seconds over which the callers' first calls are spread.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = load_settings()
    app_url = (args.app_url or settings.public_base_url or "http://127.0.0.1:5000").rstrip("/")
    if urlsplit(app_url).hostname not in LOCAL_HOSTS:
        return {"error": f"{app_url} is not on this machine; the benchmark only calls 127.0.0.1"}
    try:
        requests.get(app_url + "/healthz", timeout=3)
    except requests.RequestException as exc:
        return {"error": f"no helpline app at {app_url}: {type(exc).__name__}"}
    if args.callers < 1 or args.duration <= 0:
        return {"error": "--callers must be at least 1 and --duration positive"}

    config = load_config(settings.config_path)
    lines = [(number.number, len(number.languages)) for number in config.numbers]
    menu_keys = [option.key for option in config.main_menu] or ["1"]
    route = NumberRoute(f"{app_url}/twilio/voice/incoming",
                        status_callback=f"{app_url}/twilio/voice/status")

    def new_engine() -> VoiceEngine:
        # One engine and clock per caller: a shared simulated clock would let every
        # caller's hold music age every other caller.
        engine = VoiceEngine(account_sid=settings.twilio_account_sid,
                             auth_token=settings.twilio_auth_token, clock=SimulatedClock(),
                             routes=lambda _number: route)
        engine.MAX_DOCUMENTS = MAX_DOCUMENTS_PER_CALL
        engine.pace = args.pace
        return engine

    stop_at = time.monotonic() + args.duration
    lock = threading.Lock()
    hooks: list[tuple[str, float, bool]] = []
    outcomes: Counter[str] = Counter()
    notices: Counter[int] = Counter()

    def caller(index: int) -> None:
        rng = random.Random(args.seed * 1000 + index)
        engine = new_engine()
        # Callers dial in over the ramp, as a burst of real calls would, not all in
        # the same millisecond.
        time.sleep(args.ramp * index / max(args.callers, 1))
        turn = index
        while time.monotonic() < stop_at:
            number, languages = lines[turn % len(lines)]
            turn += 1
            script = caller_script(rng, languages, menu_keys)
            if args.pace > 0:
                # Listening in real time: hang up around the end of the run, not minutes
                # later — spread over 30 s, as real callers do not all hang up at once.
                remaining = (stop_at - time.monotonic()) / args.pace + rng.uniform(0, 30)
                script["hangup_after"] = max(1.0, min(script["hangup_after"], remaining))
            call = engine.call(to=number, from_=f"+9591{index:03d}{turn:05d}", **script)
            engine.forget(call.sid)
            with lock:
                for hook in call.webhooks:
                    ok = hook.status is not None and 200 <= hook.status < 300
                    hooks.append((urlsplit(hook.url).path, hook.latency_ms, ok))
                outcomes[outcome(call)["kind"]] += 1
                notices.update(notice.code for notice in call.notices)

    started = time.monotonic()
    threads = [threading.Thread(target=caller, args=(i,), daemon=True)
               for i in range(args.callers)]
    for thread in threads:
        thread.start()
    give_up_at = time.monotonic() + args.duration + 120
    for thread in threads:
        thread.join(timeout=max(0.0, give_up_at - time.monotonic()))
    elapsed = time.monotonic() - started

    by_path: dict[str, list[float]] = defaultdict(list)
    errors_by_path: Counter[str] = Counter()
    for path, latency, ok in hooks:
        by_path[path].append(latency)
        if not ok:
            errors_by_path[path] += 1
    all_latencies = [latency for _path, latency, _ok in hooks]
    return {
        "benchmark": "webhooks", "app_url": app_url, "callers": args.callers,
        "pace": args.pace, "ramp_seconds": args.ramp,
        "duration_seconds": round(elapsed, 2), "calls": sum(outcomes.values()),
        "requests": len(hooks), "errors": sum(errors_by_path.values()),
        "requests_per_second": round(len(hooks) / elapsed, 1) if elapsed else 0.0,
        "overall": summarise(all_latencies, sum(errors_by_path.values())),
        "endpoints": {path: summarise(values, errors_by_path[path])
                      for path, values in sorted(by_path.items())},
        "outcomes": dict(outcomes), "notices": {str(code): n for code, n in notices.items()},
        "still_running": sum(thread.is_alive() for thread in threads),
    }
