"""Live figures per language for supervisors, read from the routing state in Redis.

Service level = answered within 20 s ÷ (answered + abandoned after 5 s); callers
who hung up sooner are not held against the service. "Today" is the UTC day.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from call_routing.engine import (
    SERVICE_LEVEL_SECONDS,
    SHORT_ABANDON_SECONDS,
    RoutingEngine,
    _s,
)

LIVE_CHANNEL = "helpline:live"
AGENT_COUNTED_STATES = ("available", "reserved", "on_call", "wrap_up", "break")
SERVING_STATES = ("available", "reserved", "on_call", "wrap_up")


def live_figures(engine: RoutingEngine) -> dict[str, Any]:
    now = engine.clock.now()
    day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
    redis, key = engine.redis, engine.key
    offered_now = _offered_calls_by_skill(engine)

    pipe = redis.pipeline(transaction=False)
    for skill in engine.languages:
        pipe.zcard(key("q", skill))
        pipe.hgetall(key("stats", day, skill))
        pipe.smembers(key("online", skill))
        pipe.zcard(key("dq", skill))
    replies = iter(pipe.execute())
    per_skill = []
    deferred: dict[str, int] = {}
    for skill in engine.languages:
        queued, stats, members = next(replies), next(replies), next(replies)
        deferred[skill] = int(next(replies))
        per_skill.append((skill, int(queued), {_s(k): float(_s(v)) for k, v in stats.items()},
                          sorted(int(m) for m in members)))

    every_agent = sorted({agent for *_, members in per_skill for agent in members})
    pipe = redis.pipeline(transaction=False)
    for agent_id in every_agent:
        pipe.hget(key("agent", agent_id), "state")
    states = {agent_id: _s(state or b"offline")
              for agent_id, state in zip(every_agent, pipe.execute(), strict=True)}

    languages = []
    for skill, queued, stats, members in per_skill:
        reserved = offered_now.get(skill, [])
        oldest = [call.joined_at for call in engine.queue_heads(skill)] + reserved
        agents = Counter(states.get(agent_id, "offline") for agent_id in members)
        row = _language_row(skill, queued + len(reserved),
                            max(0.0, now - min(oldest)) if oldest else 0.0, agents, stats)
        # Callbacks and voicemails due to be offered (not counted in `waiting`: nobody
        # is holding on the line), and the agents who can answer now or soon.
        row["deferred_waiting"] = deferred[skill]
        row["agents_serving"] = sum(agents.get(state, 0) for state in SERVING_STATES)
        languages.append(row)
    return {
        "at": now, "day": day,
        "service_level_seconds": SERVICE_LEVEL_SECONDS,
        "short_abandon_seconds": SHORT_ABANDON_SECONDS,
        "languages": languages,
        "totals": _totals(languages),
    }


def agents_by_state(engine: RoutingEngine) -> Counter[str]:
    """Every agent signed in to any language, counted once, by state."""
    redis, key = engine.redis, engine.key
    members = redis.sunion([key("online", skill) for skill in engine.languages]) \
        if engine.languages else set()
    pipe = redis.pipeline(transaction=False)
    for agent_id in members:
        pipe.hget(key("agent", _s(agent_id)), "state")
    return Counter(_s(state or b"offline") for state in pipe.execute())


def _language_row(skill: str, waiting: int, longest: float, agents: Counter[str],
                  stats: dict[str, float]) -> dict[str, Any]:
    answered = int(stats.get("answered", 0))
    abandoned_late = int(stats.get("abandoned_after_short", 0))
    denominator = answered + abandoned_late
    return {
        "language": skill,
        "waiting": waiting,
        "longest_wait_seconds": round(longest, 1),
        "agents": {state: agents.get(state, 0) for state in AGENT_COUNTED_STATES},
        "offered": int(stats.get("offered", 0)),
        "answered": answered,
        "abandoned": int(stats.get("abandoned", 0)),
        "abandoned_after_short": abandoned_late,
        "diverted": int(stats.get("diverted", 0)),
        "answered_in_service_level": int(stats.get("answered_in_sl", 0)),
        "service_level": (round(stats.get("answered_in_sl", 0) / denominator, 3)
                          if denominator else None),
        "average_speed_of_answer_seconds": (round(stats.get("answer_wait_total", 0) / answered, 1)
                                            if answered else None),
    }


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    summed = {field: sum(row[field] for row in rows)
              for field in ("waiting", "offered", "answered", "abandoned",
                            "abandoned_after_short", "diverted", "answered_in_service_level")}
    denominator = summed["answered"] + summed["abandoned_after_short"]
    summed["service_level"] = (round(summed["answered_in_service_level"] / denominator, 3)
                               if denominator else None)
    summed["longest_wait_seconds"] = max((row["longest_wait_seconds"] for row in rows),
                                         default=0.0)
    return summed


def _offered_calls_by_skill(engine: RoutingEngine) -> dict[str, list[float]]:
    """Calls being offered right now, or waiting for the agent a supervisor named (both
    out of the queue zset, still waiting): joined_at by skill."""
    pipe = engine.redis.pipeline(transaction=False)
    pipe.zrange(engine.key("reservations"), 0, -1)
    pipe.zrange(engine.key("directed"), 0, -1)
    agents, directed = pipe.execute()
    for agent_id in agents:
        pipe.hget(engine.key("agent", _s(agent_id)), "call")
    sids = [_s(sid) for sid in pipe.execute() if sid]
    sids += [_s(sid) for sid in directed]
    pipe = engine.redis.pipeline(transaction=False)
    for sid in sids:
        pipe.hmget(engine.key("call", sid), "skill", "joined_at", "state", "kind", "callback",
                   "directed")
    found: dict[str, list[float]] = {}
    for skill, joined, state, kind, callback, named in pipe.execute():
        # Only live callers being offered; not deferred work, nor an interpreter's offer of
        # a call already being answered.
        live = (kind in (None, b"", b"call")) and callback != b"1"
        held = state == b"reserved" or (state == b"waiting" and bool(named))
        if skill is not None and joined is not None and held and live:
            found.setdefault(_s(skill), []).append(float(_s(joined)))
    return found


def live_event(event: Any, engine: RoutingEngine) -> dict[str, Any]:
    """The small JSON published on `helpline:live` for each change."""
    from call_routing.engine import Transition

    if isinstance(event, Transition):
        return {"type": "agent", "agent_id": event.agent_id, "state": event.state,
                "reason": event.reason, "at": event.at}
    return {"type": "queue", "language": event.skill,
            "waiting": int(engine.redis.zcard(engine.key("q", event.skill))), "at": event.at}
