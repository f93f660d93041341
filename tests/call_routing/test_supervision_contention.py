"""Supervisors racing routing on one real Redis: processes forcing agents' states and
reassigning waiting work to named agents, among processes of ordinary routing events.
No agent ever holds two offers, no work goes to two agents, and all waiting work is
somewhere it will be offered from."""

from __future__ import annotations

import multiprocessing
from collections import Counter

import redis

from call_routing.journal import check_journal
from tests.call_routing.chaos import make_engine, run_events
from tests.call_routing.supervision_chaos import run_supervisor_events

ROUTING_PROCESSES = 4
SUPERVISOR_PROCESSES = 2
EVENTS = 600
AGENTS = 16
PREFIX = "supervision-contention:"


def test_forced_states_and_reassignments_racing_routing_keep_every_invariant(
        redis_url, redis_client):
    context = multiprocessing.get_context("spawn")
    with context.Pool(ROUTING_PROCESSES + SUPERVISOR_PROCESSES) as pool:
        routing = [pool.apply_async(run_events, (redis_url, PREFIX, seed, EVENTS, AGENTS))
                   for seed in range(1, ROUTING_PROCESSES + 1)]
        supervising = [pool.apply_async(run_supervisor_events,
                                        (redis_url, PREFIX, 100 + seed, EVENTS, AGENTS))
                       for seed in range(SUPERVISOR_PROCESSES)]
        results = [r.get(300) for r in routing]
        supervised = sum((Counter(r.get(300)["done"]) for r in supervising), Counter())
    engine = make_engine(redis_url, PREFIX)
    engine.tick()   # reassigned work whose wait is over goes back to its queue

    # The controls really raced: states forced (offers withdrawn among them), work
    # reassigned both to free agents and to busy ones who were waited for.
    for kind in ("forced", "withdrawn", "directed_offered", "directed_waiting"):
        assert supervised[kind] > 0, (kind, supervised)

    report = check_journal(engine.journal())
    assert report.counts["direct"] > 0
    assert report.double_reservations == 0, report.problems
    assert report.calls_given_twice == 0, report.problems
    assert report.ok, report.problems

    client: redis.Redis = redis_client
    calls = [sid for r in results for sid in r["calls"]]
    for sid in calls:
        call = {k.decode(): v.decode() for k, v in client.hgetall(f"{PREFIX}call:{sid}").items()}
        if call["state"] == "waiting":
            queue = "dq" if call.get("kind") in ("callback", "voicemail") else "q"
            named = call.get("directed")
            assert (client.zscore(f"{PREFIX}{queue}:{call['skill']}", sid) is not None
                    or client.zscore(f"{PREFIX}later", sid) is not None
                    or (named and client.zscore(f"{PREFIX}directed:{named}", sid)
                        is not None)), call
        elif call["state"] == "reserved":
            agent = engine.agent(int(call["agent"]))
            assert (agent["state"], agent["call_sid"]) == ("reserved", sid), (call, agent)
    for agent_id in range(1, AGENTS + 1):
        agent = engine.agent(agent_id)
        holds = report.holding.get(str(agent_id))
        if agent["state"] in ("reserved", "on_call"):
            assert holds == agent["call_sid"], agent
        else:
            assert holds is None and agent["call_sid"] is None, agent
