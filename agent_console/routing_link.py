"""The console's read-only view of the routing engine (`call_routing`): an agent's
presence and offer with times made relative (the engine's clock may be simulated,
the browser's never is), and the live per-language figures for the wallboard.
Every state change still goes through routing's own JSON API."""

from __future__ import annotations

from typing import Any

from helpline.services import Services


def _routing(svc: Services) -> Any | None:
    if svc.redis is None:
        return None
    try:
        from call_routing.service import routing_service
    except ImportError:
        return None
    return routing_service(svc)


def agent_view(svc: Services, agent_id: int) -> dict[str, Any]:
    """{state, reason, seconds_in_state, call_sid, wrap_up_seconds_left, offer}."""
    routing = _routing(svc)
    if routing is None:
        return {"state": "offline", "reason": None, "seconds_in_state": None,
                "call_sid": None, "wrap_up_seconds_left": None, "offer": None,
                "routing": False}
    now = svc.clock.now()
    agent = routing.engine.agent(agent_id)
    offer = routing.engine.offer_for(agent_id)
    return {
        "state": agent["state"],
        "reason": agent["reason"],
        "seconds_in_state": round(now - agent["since"], 1) if agent["since"] else None,
        "call_sid": agent["call_sid"],
        "wrap_up_seconds_left": (round(max(0.0, agent["wrap_up_until"] - now), 1)
                                 if agent["wrap_up_until"] else None),
        "offer": None if offer is None else {
            "call_sid": offer.call_sid,
            "language": offer.language,
            "dialect": offer.dialect,
            "seconds_left": round(max(0.0, offer.deadline - now), 1),
            "waited_seconds": round(max(0.0, now - offer.joined_at), 1),
        },
        "routing": True,
    }


def live_languages(svc: Services) -> dict[str, dict[str, Any]] | None:
    """Routing's live figures by language, or None when routing is not running."""
    routing = _routing(svc)
    if routing is None:
        return None
    from call_routing.live import live_figures

    return {row["language"]: row for row in live_figures(routing.engine)["languages"]}


def agent_states(svc: Services, agent_ids: list[int]) -> dict[int, tuple[str, str | None,
                                                                         float | None]]:
    """agent id → (state, reason, seconds in state) from the routing engine."""
    routing = _routing(svc)
    if routing is None:
        return {}
    now = svc.clock.now()
    states = {}
    for agent_id in agent_ids:
        agent = routing.engine.agent(agent_id)
        since = agent["since"]
        states[agent_id] = (agent["state"], agent["reason"],
                            round(now - since) if since else None)
    return states
