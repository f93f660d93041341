"""Random routing events from one process, for the contention test (run under spawn)."""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import Any

import redis

from call_routing import policy
from call_routing.engine import RoutingEngine
from call_routing.errors import RoutingError
from helpline.clock import SystemClock

PARENTS = {"shn": "my", "kac": "my"}
LANGUAGES = ("my", "shn", "kac", "km", "th")


def agent_skills(agent_id: int) -> dict[str, int]:
    """The same skills for an agent in every process."""
    rng = random.Random(agent_id)
    chosen = rng.sample(LANGUAGES, k=rng.choice((1, 2, 3)))
    return {lang: rng.randint(1, 5) for lang in chosen}


def make_engine(url: str, prefix: str) -> RoutingEngine:
    # Short offers and wrap-ups so expiries and returns happen within the run;
    # widening after a fraction of a second so every branch of the policy is used.
    rules = policy.Rules(proficiency_threshold=3, widen_proficiency_after_seconds=0.2,
                         widened_proficiency_threshold=1, widen_dialect_after_seconds=0.4)
    return RoutingEngine(redis.Redis.from_url(url), rules=rules, dialect_parents=PARENTS,
                         languages=LANGUAGES, clock=SystemClock(), reservation_timeout=0.03,
                         wrap_up_seconds=0.02, prefix=prefix, journal_limit=0)


def run_events(url: str, prefix: str, seed: int, events: int, agents: int) -> dict[str, Any]:
    engine = make_engine(url, prefix)
    rng = random.Random(seed)
    mine: list[str] = []
    done: Counter[str] = Counter()

    def some_agent() -> int:
        return rng.randint(1, agents)

    def talking_call() -> str | None:
        state = engine.agent(some_agent())
        return state["call_sid"] if state["state"] == "on_call" else None

    for n in range(events):
        roll = rng.random()
        try:
            if roll < 0.20:
                sid = f"CA{seed:04d}{n:06d}"
                language = rng.choice(LANGUAGES)
                kind = rng.random()
                # callbacks and voicemails in the mix: deferred work a live caller may
                # take an agent from while it is being offered
                engine.join(sid, language, None, urgent=rng.random() < 0.05,
                            callback=kind < 0.08, voicemail=0.08 <= kind < 0.14)
                mine.append(sid)
                done["join"] += 1
            elif roll < 0.34:
                agent = some_agent()
                state = rng.choice(("available", "available", "available", "break", "offline"))
                engine.set_presence(agent, state, "lunch" if state == "break" else None,
                                    skills=agent_skills(agent))
                done["presence"] += 1
            elif roll < 0.50:
                agent = some_agent()
                offer = engine.offer_for(agent)
                if offer is not None:
                    engine.accept(agent, offer.call_sid)
                    done["accept"] += 1
            elif roll < 0.54:
                agent = some_agent()
                offer = engine.offer_for(agent)
                if offer is not None:
                    engine.decline(agent, offer.call_sid)
                    done["decline"] += 1
            elif roll < 0.64:
                sid = talking_call()
                if sid is not None and engine.finish_call(sid) == "connected":
                    done["hang_up"] += 1
            elif roll < 0.67:
                sid = talking_call()
                if sid is not None and engine.bridge_failed(sid) is not None:
                    done["bridge_failed"] += 1
            elif roll < 0.75 and mine:
                if engine.leave(rng.choice(mine), "hung_up") != "absent":
                    done["abandon"] += 1
            elif roll < 0.78 and mine:
                if engine.leave(rng.choice(mine), "voicemail") != "absent":
                    done["voicemail"] += 1
            elif roll < 0.88:
                swept = engine.sweep()
                done["expired"] += swept["expired"]
                done["sweep"] += 1
            elif roll < 0.905:
                engine.wrap_up_done(some_agent())
                done["wrap_up_done"] += 1
            elif roll < 0.91 and mine:
                engine.take_callback(some_agent(), rng.choice(mine))
                done["callback_taken"] += 1
            elif roll < 0.93:
                # a callback (or voicemail) someone is on, not answered: back in line
                for agent in range(1, agents + 1):
                    state = engine.agent(agent)
                    status = engine.status(state["call_sid"]) if state["call_sid"] else None
                    if (state["state"] == "on_call" and status is not None
                            and status.kind != "call"):
                        if engine.retry_callback(status.call_sid, time.time()) is not None:
                            done["callback_retried"] += 1
                        break
            elif roll < 0.97:
                sid = talking_call()
                if sid is not None:
                    engine.transfer_to_language(sid, rng.choice(LANGUAGES))
                    done["transfer_language"] += 1
            else:
                sid = talking_call()
                if sid is not None:
                    engine.transfer_to_agent(sid, some_agent())
                    done["transfer_agent"] += 1
        except RoutingError as refused:
            done[f"refused:{refused.code}"] += 1
    return {"calls": mine, "done": dict(done)}
