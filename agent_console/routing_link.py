"""The console's read-only view of the routing engine (`call_routing`): an agent's
presence and offer with times made relative (the engine's clock may be simulated,
the browser's never is), who is interpreting in a call, and the live per-language
figures for the wallboard. Every state change still goes through routing's own
JSON API."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from agent_console import offer_card, store
from agent_console.callers import caller_summary
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
    """{state, reason, seconds_in_state, call_sid, call_role, wrap_up_seconds_left, offer,
    interpreter, owner_name, forced_by}: `offer` is the offer card (see `offer_card.card`);
    `call_role` says whether the agent owns their call or interprets in it; `interpreter`
    tells the owner who they invited and whether that person has joined or gone;
    `forced_by` names the supervisor who set the agent's present state, and why."""
    routing = _routing(svc)
    if routing is None:
        return {"state": "offline", "reason": None, "seconds_in_state": None,
                "call_sid": None, "call_role": None, "wrap_up_seconds_left": None,
                "offer": None, "interpreter": None, "owner_name": None, "forced_by": None,
                "routing": False}
    now = svc.clock.now()
    agent = routing.engine.agent(agent_id)
    offer = routing.engine.offer_for(agent_id)
    call_sid = agent["call_sid"]
    status = routing.engine.status(call_sid) if call_sid and agent["state"] == "on_call" \
        else None
    call_role = None
    if status is not None:
        call_role = "interpreter" if status.interpreter_id == agent_id else "owner"
    with svc.db.session() as session:
        card = None if offer is None else _offer_card(session, routing, agent_id, offer, now)
        interpreter = (_interpreter_seen_by_owner(session, routing, call_sid)
                       if call_role == "owner" else None)
        owner_name = (store.display_name(session, status.agent_id)
                      if status is not None and call_role == "interpreter" else None)
        # A supervisor set the agent's present state: say who, and their reason.
        forced = routing.engine.forced_by(agent_id)
        forced_by = (None if forced is None else
                     {"name": store.display_name(session, forced[0]), "note": forced[1]})
    return {
        "state": agent["state"],
        "reason": agent["reason"],
        "seconds_in_state": round(now - agent["since"], 1) if agent["since"] else None,
        "call_sid": call_sid,
        "call_role": call_role,
        "wrap_up_seconds_left": (round(max(0.0, agent["wrap_up_until"] - now), 1)
                                 if agent["wrap_up_until"] else None),
        "offer": card,
        "interpreter": interpreter,
        "owner_name": owner_name,
        "forced_by": forced_by,
        "routing": True,
    }


def _offer_card(session: Session, routing: Any, agent_id: int, offer: Any,
                now: float) -> dict[str, object]:
    """The offer as routing gives it, with what the database knows about its caller.

    Routing's newer fields (`kind`, `owner_agent_id`) are read when the offer carries
    them; without them the card still says what it can (a callback, a transfer to this
    agent, an ordinary call). A voicemail is offered by its RecordingSid."""
    declared_kind = getattr(offer, "kind", None)
    recording = (store.recording_by_sid(session, offer.call_sid)
                 if declared_kind == "voicemail" else None)
    call = (store.call_by_id(session, recording.call_id) if recording is not None
            else store.call_by_sid(session, offer.call_sid))
    facts = offer_card.OfferFacts(recording_id=recording.id if recording else None)
    if call is not None:
        caller = caller_summary(session, call.caller_id)
        transfer = store.newest_event(session, call.id, ("transferred",))
        owner = None
        if declared_kind == "interpreter":
            owner_id = getattr(offer, "owner_agent_id", None)
            if owner_id is None:
                status = routing.engine.status(offer.call_sid)
                owner_id = status.agent_id if status else call.agent_id
            owner = store.display_name(session, owner_id)
        facts = offer_card.OfferFacts(
            caller_reference=caller.reference if caller else None,
            calls_so_far=caller.call_count if caller else 0,
            urgent=bool(call.urgent),
            transferred_to_agent=(transfer.detail or {}).get("to_agent_id") if transfer
            else None,
            owner_name=owner, recording_id=facts.recording_id)
    return offer_card.card(
        agent_id=agent_id, call_sid=offer.call_sid, language=offer.language,
        dialect=offer.dialect, seconds_left=offer.deadline - now,
        waited_seconds=now - offer.joined_at, urgent=bool(offer.urgent),
        callback=bool(offer.callback), facts=facts, declared_kind=declared_kind,
        declared_repeat=getattr(offer, "repeat_caller", None))


INTERPRETER_EVENTS = ("interpreter_added", "interpreter_invited", "interpreter_offered")


def _interpreter_seen_by_owner(session: Session, routing: Any,
                               call_sid: str) -> dict[str, object] | None:
    """Whom the owner of `call_sid` asked to interpret, and where that person is now:
    `invited` (being offered the call), `joined` (in it), or `gone` (left, or never
    came). None when nobody was asked."""
    status = routing.engine.status(call_sid)
    call = store.call_by_sid(session, call_sid)
    invited = store.newest_event(session, call.id, INTERPRETER_EVENTS) if call else None
    interpreter_id = None
    if status is not None:
        interpreter_id = status.interpreter_id or getattr(status, "interpreter_offered_to",
                                                          None)
    if interpreter_id is None and invited is not None:
        interpreter_id = (invited.detail or {}).get("interpreter_id")
    if interpreter_id is None:
        return None
    them = routing.engine.agent(int(interpreter_id))
    in_this_call = them["call_sid"] == call_sid
    if in_this_call and them["state"] == "reserved":
        where = "invited"
    elif in_this_call and them["state"] == "on_call":
        where = "joined"
    else:
        where = "gone"
    joined_once = where == "joined" or (
        invited is not None and store.went_on_call_since(session, int(interpreter_id),
                                                         invited.at))
    return {"agent_id": int(interpreter_id), "where": where, "joined_once": joined_once,
            "name": store.display_name(session, int(interpreter_id))}


def interpreting(svc: Services, agent_id: int, call_sid: str) -> bool:
    """Is this agent the interpreter of `call_sid` right now (joined, the call going on)?"""
    routing = _routing(svc)
    if routing is None:
        return False
    status = routing.engine.status(call_sid)
    if status is None or status.state != "connected" or status.interpreter_id != agent_id:
        return False
    agent = routing.engine.agent(agent_id)
    return bool(agent["state"] == "on_call" and agent["call_sid"] == call_sid)


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
