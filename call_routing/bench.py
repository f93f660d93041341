"""`helpline bench routing --json`: routing decisions against a real Redis.

1,000 agents over 12 languages and 5,000 waiting items: live calls, callback
requests (10%) and voicemails (5%). A *decision* is one agent becoming free and
being reserved what they are scarcest for across their queues (read the agent,
the head of each class of every live and deferred queue they serve and the free
agents per skill and level, run the policy with its scarcity rule, commit with the
reserve script, retrying lost races). Measured alone for latency, then with 8
processes racing on the same queues for throughput; afterwards the journal is
replayed to count double reservations (must be 0).

Options: --agents N --calls N --languages N --decisions N (single process)
--processes N --per-process N --callbacks F --voicemails F --seed N.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import redis

from call_routing import policy
from call_routing.engine import RoutingEngine
from call_routing.journal import check_journal
from helpline.clock import SystemClock

LANGUAGES = ("my", "shn", "kac", "ksw", "mnw", "km", "th", "lo", "ne", "id", "en", "ms")
PARENTS = {"shn": "my", "kac": "my", "ksw": "my", "mnw": "my"}


def _engine(url: str, prefix: str, languages: tuple[str, ...]) -> RoutingEngine:
    client = redis.Redis.from_url(url)
    return RoutingEngine(client, rules=policy.Rules(), dialect_parents=PARENTS,
                         languages=languages, clock=SystemClock(), reservation_timeout=3600,
                         wrap_up_seconds=0, prefix=prefix, journal_limit=0)


def _skills(rng: random.Random, languages: tuple[str, ...]) -> dict[str, int]:
    chosen = rng.sample(languages, k=rng.choice((1, 1, 2, 2, 3)))
    return {lang: rng.randint(3, 5) for lang in chosen}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _populate(engine: RoutingEngine, *, agents: int, calls: int, seed: int,
              callbacks: float, voicemails: float) -> None:
    rng = random.Random(seed)
    for agent_id in range(1, agents + 1):
        engine.set_presence(agent_id, "break", "bench", skills=_skills(rng, engine.languages))
    for n in range(calls):
        language = engine.languages[n % len(engine.languages)]
        roll = rng.random()
        kind = ("callback" if roll < callbacks else
                "voicemail" if roll < callbacks + voicemails else "call")
        prefix = "RE" if kind == "voicemail" else "CA"
        # Spread over the last hour, so some wait past the widening and some not.
        engine.join(f"{prefix}bench{n:08d}", language, None, urgent=rng.random() < 0.05,
                    callback=kind == "callback", voicemail=kind == "voicemail",
                    since=engine.clock.now() - rng.uniform(0, 3600))


def _decide(engine: RoutingEngine, agent_id: int, replacement_sid: str
            ) -> tuple[float, bool, float | None]:
    """Time one decision, then put things back so the load stays the same (timing the
    replacement call's `join` too: every caller's first queue step)."""
    engine.set_presence(agent_id, "available", route=False)
    started = time.perf_counter()
    engine.route_agent(agent_id)     # read candidates, choose, reserve (retrying lost races)
    elapsed = time.perf_counter() - started
    offer = engine.offer_for(agent_id)
    if offer is None:
        engine.set_presence(agent_id, "break", "bench")
        return elapsed, False, None
    engine.accept(agent_id, offer.call_sid)
    engine.finish_call(offer.call_sid)               # agent → wrap-up
    engine.set_presence(agent_id, "break", "bench")
    joined = time.perf_counter()
    engine.join(replacement_sid, offer.language, offer.dialect,
                callback=offer.kind == "callback", voicemail=offer.kind == "voicemail")
    return elapsed, True, time.perf_counter() - joined


def _worker(url: str, prefix: str, languages: tuple[str, ...], agent_ids: list[int],
            decisions: int, tag: str, start_at: float) -> dict[str, Any]:
    engine = _engine(url, prefix, languages)
    while time.time() < start_at:          # start together, after every process is up
        time.sleep(0.001)
    latencies, joins, matched = [], [], 0
    began = time.perf_counter()
    for n in range(decisions):
        agent_id = agent_ids[n % len(agent_ids)]
        elapsed, ok, join_seconds = _decide(engine, agent_id, f"CA{tag}{n:08d}")
        latencies.append(elapsed)
        matched += ok
        if join_seconds is not None:
            joins.append(join_seconds)
    return {"latencies": latencies, "joins": joins, "matched": matched,
            "seconds": time.perf_counter() - began}


def _summary(latencies: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(latencies) * 1000, 3),
            "p99_ms": round(_percentile(latencies, 0.99) * 1000, 3),
            "max_ms": round(max(latencies) * 1000, 3)}


def bench_routing(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="helpline bench routing")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--languages", type=int, default=12)
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--per-process", type=int, default=500)
    parser.add_argument("--callbacks", type=float, default=0.10)
    parser.add_argument("--voicemails", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="(always JSON)")
    args = parser.parse_args(argv)
    languages = LANGUAGES[:max(1, min(args.languages, len(LANGUAGES)))]

    server = None
    url = os.environ.get("REDIS_URL")
    tmp = None
    if not url:
        from helpline.embedded_redis import EmbeddedRedis

        tmp = tempfile.TemporaryDirectory(prefix="bench-redis-")
        server = EmbeddedRedis(Path(tmp.name), persist=False).start()
        url = server.url
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    try:
        engine = _engine(url, prefix, languages)
        began = time.perf_counter()
        _populate(engine, agents=args.agents, calls=args.calls, seed=args.seed,
                  callbacks=args.callbacks, voicemails=args.voicemails)
        setup_seconds = time.perf_counter() - began
        waiting = sum(int(engine.redis.zcard(engine.key("q", lang))) for lang in languages)
        deferred = sum(int(engine.redis.zcard(engine.key("dq", lang))) for lang in languages)

        rng = random.Random(args.seed)
        agent_ids = list(range(1, args.agents + 1))
        single = _worker(url, prefix, languages, rng.sample(agent_ids, len(agent_ids)),
                         args.decisions, "single", 0)

        slices = [agent_ids[i::args.processes] for i in range(args.processes)]
        start_at = time.time() + 1.0
        context = multiprocessing.get_context("spawn")
        with context.Pool(args.processes) as pool:
            results = pool.starmap(_worker, [
                (url, prefix, languages, slices[i], args.per_process, f"p{i}x", start_at)
                for i in range(args.processes)])
        wall = max(r["seconds"] for r in results)
        concurrent = [lat for r in results for lat in r["latencies"]]

        report = check_journal(engine.journal())
        return {
            "benchmark": "routing",
            "agents": args.agents, "languages": len(languages), "waiting_calls": waiting,
            "waiting_callbacks_and_voicemails": deferred,
            "setup_seconds": round(setup_seconds, 2),
            "single_process": {"decisions": args.decisions, "matched": single["matched"],
                               **_summary(single["latencies"]),
                               "decisions_per_second": round(args.decisions / single["seconds"],
                                                             1),
                               "join": _summary(single["joins"]) if single["joins"] else {}},
            "concurrent": {"processes": args.processes,
                           "decisions": len(concurrent),
                           "matched": sum(r["matched"] for r in results),
                           **_summary(concurrent),
                           "decisions_per_second": round(len(concurrent) / wall, 1)},
            "target_p99_ms": 2.0,
            "target_join_p99_ms": 1.0,
            "double_reservations": report.double_reservations,
            "calls_given_twice": report.calls_given_twice,
            "journal_entries": report.entries,
            "journal_problems": report.problems[:5],
            "cpu_count": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "note": "a decision = engine.route_agent: one read script (the agent's state and "
                    "skills, the head of each priority class of every live and deferred "
                    "queue they serve, the free agents per skill and level for the "
                    "scarcity rule), the policy in Python, and the reserve script — 2 Redis "
                    "round trips, "
                    "more when a race is lost and retried. decisions_per_second counts whole "
                    "cycles: "
                    "each decision is followed by accept, hang-up, a break and a "
                    "replacement call joining (6 more engine operations), so the engine "
                    "does about 7x that many atomic operations per second",
        }
    finally:
        try:
            client = redis.Redis.from_url(url)
            for key in client.scan_iter(match=f"{prefix}*", count=1000):
                client.delete(key)
            client.close()
        finally:
            if server is not None:
                server.stop()
            if tmp is not None:
                tmp.cleanup()
