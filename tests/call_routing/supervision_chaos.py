"""Random supervisor controls from one process, racing the contention test's routing
events (run under spawn): agents forced to a state, waiting work reassigned."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from call_routing.errors import RoutingError
from tests.call_routing.chaos import agent_skills, make_engine


def run_supervisor_events(url: str, prefix: str, seed: int, events: int,
                          agents: int) -> dict[str, Any]:
    engine = make_engine(url, prefix)
    rng = random.Random(seed)
    done: Counter[str] = Counter()
    for _ in range(events):
        roll = rng.random()
        try:
            if roll < 0.4:
                agent = rng.randint(1, agents)
                state = rng.choice(("available", "break", "offline"))
                forced = engine.force_presence(agent, state, by=999, note="chaos",
                                               skills=agent_skills(agent))
                done["forced"] += 1
                if forced.withdrawn_sid:
                    done["withdrawn"] += 1
            elif roll < 0.85:
                waiting = engine.work_waiting(limit=50)
                if waiting:
                    item = rng.choice(waiting)
                    directed = engine.direct(str(item["sid"]), rng.randint(1, agents),
                                             wait_seconds=rng.choice((0.01, 0.05, 0.5)))
                    done["directed_offered" if directed.offered else "directed_waiting"] += 1
            else:
                engine.tick()
                done["tick"] += 1
        except RoutingError as refused:
            done[f"refused:{refused.code}"] += 1
    return {"done": dict(done)}
