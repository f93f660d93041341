"""Routing's web edge: the agents' presence/offer JSON API, live figures, and the
Twilio bridge webhooks.

JSON errors are `{error: <stable code>, message}`. Twilio routes never fail
loudly: anything unexpected sends the caller back to the IVR's wait loop, where
they keep their place and hear their own language.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, jsonify, request

from agent_console.auth import current_staff, init_login, roles_required
from call_routing import callback_views, store, supervision_views
from call_routing import twiml as render
from call_routing.errors import BAD_REQUEST, INVALID_STATE, NO_OFFER, RoutingError
from call_routing.live import live_figures
from call_routing.service import (
    BRIDGE_ENDED_PATH,
    INTERPRETER_STATUS_PATH,
    RECORDING_STATUS_PATH,
    WAIT_LOOP_PATH,
    client_identity,
    routing_service,
)
from helpline.services import Services, services
from helpline.twilio_auth import public_base, twilio_request
from helpline.webhook_input import call_sid as call_sid_of
from helpline.webhook_input import field

log = logging.getLogger("helpline.routing")

bp = Blueprint("call_routing", __name__)
# Wired by create_app: the routing API and bridge webhooks, the callback webhooks, and
# supervisors' controls.
blueprints = [bp, callback_views.bp, supervision_views.bp]

STAFF = ("agent", "supervisor", "admin")
SUPERVISORS = ("supervisor", "admin")
ANSWERED = {"completed", "answered"}
BREAK_REASON_MAX = 64


def init_app(app: Flask) -> None:
    init_login(app)


@bp.errorhandler(RoutingError)
def _routing_error(error: RoutingError) -> tuple[Response, int]:
    return jsonify(error=error.code, message=error.message), error.http_status


def _fail(code: str, message: str) -> RoutingError:
    return RoutingError(code, message)


def _json() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise _fail(BAD_REQUEST, "expected a JSON object")
    return body


def _base_url(svc: Services) -> str:
    return public_base(request, svc.settings.public_base_url)


# ---------------------------------------------------------------- presence


@bp.get("/api/agents/me/state")
@roles_required(*STAFF)
def my_state() -> Response:
    routing = routing_service(services())
    me = current_staff()
    state = routing.engine.agent(me.id)
    state["offer"] = _offer_json(me.id)
    return jsonify(state)


@bp.post("/api/agents/me/state")
@roles_required(*STAFF)
def set_my_state() -> Response:
    body = _json()
    state, reason = body.get("state"), body.get("reason")
    if state not in ("available", "break", "offline"):
        raise _fail(INVALID_STATE, "state must be available, break or offline")
    if reason is not None and (not isinstance(reason, str) or len(reason) > BREAK_REASON_MAX):
        raise _fail(BAD_REQUEST, f"reason must be text of at most {BREAK_REASON_MAX} characters")
    if state == "break" and not reason:
        reason = "break"
    routing = routing_service(services())
    result = routing.set_state(current_staff().id, state, reason if state == "break" else None)
    result["offer"] = _offer_json(current_staff().id)
    return jsonify(result)


@bp.post("/api/agents/me/wrap-up/done")
@roles_required(*STAFF)
def wrap_up_done() -> Response:
    result = routing_service(services()).wrap_up_done(current_staff().id)
    result["offer"] = _offer_json(current_staff().id)
    return jsonify(result)


# ---------------------------------------------------------------- offers


def _offer_json(agent_id: int) -> dict[str, Any] | None:
    svc = services()
    routing = routing_service(svc)
    offer = routing.engine.offer_for(agent_id)
    if offer is None:
        return None
    ticket_id = None
    with svc.db.session() as session:
        if offer.kind == "voicemail":
            facts, ticket_id = store.voicemail_facts(session, offer.call_sid)
        else:
            facts = store.call_facts(session, offer.call_sid)
    now = svc.clock.now()
    spoken = offer.dialect or offer.language
    language = svc.config.languages.get(spoken)
    return {
        "call_sid": offer.call_sid,
        # call / callback / voicemail / transfer / interpreter: what accepting means
        "kind": offer.kind,
        "language": offer.language,
        "dialect": offer.dialect,
        "language_name": language.name if language else spoken,
        # Never the number: a reference that links repeat callers and reveals nothing.
        "caller_reference": facts.caller_reference,
        "repeat_caller": facts.repeat_caller,
        "seconds_left": max(0, round(offer.deadline - now, 1)),
        "waited_seconds": round(max(0.0, now - offer.joined_at), 1),
        "urgent": offer.urgent,
        # a callback request: nobody is on the line; the agent phones them back
        "callback": offer.callback,
        # a voicemail: its ticket (the agent's once accepted)
        "ticket_id": ticket_id,
        # an interpreter offer: the agent already on the call
        "owner_agent_id": offer.owner_agent_id,
    }


@bp.get("/api/agents/me/offer")
@roles_required(*STAFF)
def my_offer() -> Response:
    offer = _offer_json(current_staff().id)
    if offer is None:
        raise _fail(NO_OFFER, "nothing is being offered to you")
    return jsonify(offer)


@bp.post("/api/agents/me/offer/accept")
@roles_required(*STAFF)
def accept_offer() -> Response:
    svc = services()
    routing = routing_service(svc)
    me = current_staff()
    accepted = routing.accept(me.id, _base_url(svc))
    # A voicemail taken on leaves the agent wrapping up; anything else, on the call.
    return jsonify(call_sid=accepted.call_sid, kind=accepted.kind,
                   state=routing.engine.agent(me.id)["state"], callback=accepted.callback,
                   ticket_id=accepted.ticket_id, recording_id=accepted.recording_id,
                   client_identity=client_identity(me.id))


@bp.post("/api/agents/me/offer/decline")
@roles_required(*STAFF)
def decline_offer() -> Response:
    routing = routing_service(services())
    routing.decline(current_staff().id)
    return jsonify(routing.engine.agent(current_staff().id))


# ---------------------------------------------------------------- callbacks


@bp.post("/api/callbacks/<int:request_id>/call-now")
@roles_required(*STAFF)
def call_back_now(request_id: int) -> Response:
    """The agent takes this open callback request now, out of its turn: their phone
    rings, then the caller's. 409 callback_not_open if it is done, being made or
    stopped; 403 not_your_language; 409 agent_busy if they are on a call or an offer."""
    svc = services()
    result = routing_service(svc).call_back_now(current_staff().id, request_id, _base_url(svc))
    result["client_identity"] = client_identity(current_staff().id)
    return jsonify(result)


# ---------------------------------------------------------------- calls


@bp.post("/api/calls/<call_sid>/hangup")
@roles_required(*STAFF)
def hang_up(call_sid: str) -> Response:
    me = current_staff()
    routing_service(services()).hang_up(call_sid, me.id, supervisor=me.is_supervisor)
    return jsonify(call_sid=call_sid, ended=True)


@bp.post("/api/calls/<call_sid>/transfer")
@roles_required(*STAFF)
def transfer(call_sid: str) -> Response:
    body = _json()
    to_language, to_agent = body.get("to_language"), body.get("to_agent_id")
    if (to_language is None) == (to_agent is None):
        raise _fail(BAD_REQUEST, "give exactly one of to_language or to_agent_id")
    if to_agent is not None and (not isinstance(to_agent, int) or isinstance(to_agent, bool)):
        raise _fail(BAD_REQUEST, "to_agent_id must be a staff id")
    if to_language is not None and not isinstance(to_language, str):
        raise _fail(BAD_REQUEST, "to_language must be a language code")
    svc = services()
    me = current_staff()
    result = routing_service(svc).transfer(call_sid, me.id, _base_url(svc),
                                           to_language=to_language, to_agent_id=to_agent,
                                           supervisor=me.is_supervisor)
    return jsonify(result)


@bp.post("/api/calls/<call_sid>/interpreter")
@roles_required(*STAFF)
def add_interpreter(call_sid: str) -> Response:
    interpreter = _json().get("agent_id")
    if not isinstance(interpreter, int) or isinstance(interpreter, bool):
        raise _fail(BAD_REQUEST, "agent_id must be a staff id")
    svc = services()
    me = current_staff()
    result = routing_service(svc).add_interpreter(call_sid, me.id, interpreter, _base_url(svc),
                                                  supervisor=me.is_supervisor)
    return jsonify(result)


# ---------------------------------------------------------------- supervisors


@bp.get("/api/live")
@roles_required(*SUPERVISORS)
def live() -> Response:
    return jsonify(live_figures(routing_service(services()).engine))


@bp.get("/api/agents")
@roles_required(*SUPERVISORS)
def agents() -> Response:
    svc = services()
    engine = routing_service(svc).engine
    with svc.db.session() as session:
        staff = [(user.id, user.display_name, user.role,
                  {s.language: s.proficiency for s in user.skills})
                 for user in store.agents(session)]
    rows = []
    for agent_id, name, role, skills in staff:
        state = engine.agent(agent_id)
        rows.append({"agent_id": agent_id, "display_name": name, "role": role,
                     "skills": skills, "state": state["state"], "reason": state["reason"],
                     "since": state["since"], "call_sid": state["call_sid"]})
    return jsonify(agents=rows)


# ---------------------------------------------------------------- Twilio: the bridge


def _wait_loop(svc: Services, call_sid: str) -> Response:
    status = routing_service(svc).engine.status(call_sid)
    spoken = (status.dialect or status.language) if status else ""
    query = f"?lang={quote(spoken)}" if spoken else ""
    return _xml(render.redirect(f"{_base_url(svc)}{WAIT_LOOP_PATH}{query}"))


def _xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def connecting_prompt(svc: Services, language: str) -> list[Any]:
    """The "connecting you" prompt in the caller's language, from the prompt resolver."""
    resolver = svc.extras.get("prompts")
    if resolver is not None:
        try:
            return list(resolver.resolve("connecting", language))
        except Exception:  # noqa: BLE001 - a missing prompt must not stop the bridge
            log.exception("no 'connecting' prompt for %s", language)
    return []


@bp.post("/twilio/voice/bridge")
@twilio_request
def bridge() -> Response:
    svc = services()
    call_sid = field(request.form, "CallSid")
    if not call_sid:
        return _xml(render.hangup())
    try:
        status = routing_service(svc).engine.status(call_sid)
        if status is None or status.state != "connected" or status.agent_id is None:
            return _wait_loop(svc, call_sid)   # moved on meanwhile (e.g. the offer lapsed)
        with svc.db.session() as session:
            target = store.dial_target(session, status.agent_id)
            facts = store.call_facts(session, call_sid)
        number = None
        if target is not None and target.answer_mode == "number" and target.phone_encrypted:
            # Decrypted only here, for this one <Number>; never logged or stored.
            number = svc.pii.decrypt(target.phone_encrypted)
        base = _base_url(svc)
        return _xml(render.bridge(
            connecting_prompt(svc, status.dialect or status.language),
            client_identity=client_identity(status.agent_id), number=number,
            record=facts.consented_to_recording, action_url=base + BRIDGE_ENDED_PATH,
            recording_status_url=recording_status_url(base, call_sid)))
    except Exception:  # noqa: BLE001 - Twilio routes never fail loudly
        log.exception("bridge TwiML failed for call %s", call_sid)
        return _safe_return_to_queue(svc, call_sid)


@bp.post("/twilio/voice/bridge/ended")
@twilio_request
def bridge_ended() -> Response:
    svc = services()
    call_sid = field(request.form, "CallSid")
    dial_status = field(request.form, "DialCallStatus")
    caller_gone = field(request.form, "CallStatus") in ("completed", "canceled", "failed")
    if not call_sid:
        return _xml(render.hangup())
    try:
        routing = routing_service(svc)
        status = routing.engine.status(call_sid)
        in_conference = request.args.get("from") == "conference"
        # The interpreter may have left the room already (their own leg ended), but a
        # call that reached the conference ends as a conference call.
        if status is not None and status.state == "connected" and (
                status.interpreter_id or in_conference):
            if caller_gone:
                # The caller left the three-way: the call is over for both agents.
                routing.bridge_ended(call_sid, "caller_hung_up")
                return _xml(render.hangup())
            if in_conference:
                # The room ended (the agent who owns the call left): so does the call,
                # rather than the caller being sent into an empty room again.
                routing.bridge_ended(call_sid, "conference_ended")
                return _xml(render.hangup())
            # The agent's leg moved into the interpreter conference: the caller follows.
            return _xml(_conference_twiml(svc, call_sid))
        if dial_status in ANSWERED or caller_gone:
            routing.bridge_ended(call_sid, "completed" if dial_status in ANSWERED
                                 else "caller_hung_up")
            return _xml(render.hangup())
        # no-answer / busy / failed / canceled: the caller goes back to the front
        routing.bridge_failed(call_sid, why=f"dial_{dial_status or 'unknown'}")
        return _wait_loop(svc, call_sid)
    except Exception:  # noqa: BLE001
        log.exception("bridge end handling failed for call %s", call_sid)
        return _safe_return_to_queue(svc, call_sid)


def recording_status_url(base: str, call_sid: str) -> str:
    """Where a recorded conversation's status callbacks go: `kind=call` says it is a
    conversation (never a voicemail) and `call` names the caller's call — a
    conference's recording callback carries a ConferenceSid and no CallSid. Twilio
    signs the query too, so both can be trusted."""
    return f"{base}{RECORDING_STATUS_PATH}?kind=call&call={call_sid}"


def _conference_twiml(svc: Services, call_sid: str) -> str:
    base = _base_url(svc)
    with svc.db.session() as session:
        facts = store.call_facts(session, call_sid)
    return render.conference(call_sid, record=facts.consented_to_recording,
                             recording_status_url=recording_status_url(base, call_sid),
                             action_url=base + BRIDGE_ENDED_PATH + "?from=conference",
                             ends_when_leaving=True)


@bp.post("/twilio/voice/bridge/conference")
@twilio_request
def conference() -> Response:
    """The caller (no `call` parameter) or an agent dialled in (`?call=<caller's CallSid>`)."""
    svc = services()
    # The room is named by the caller's CallSid: only a well-formed one reaches TwiML.
    joining_agent = call_sid_of(request.args.get("call")) if "call" in request.args else None
    call_sid = joining_agent if joining_agent is not None else field(request.form, "CallSid")
    if not call_sid:
        return _xml(render.hangup())
    try:
        if joining_agent:
            return _xml(render.conference(call_sid, record=False, recording_status_url="",
                                          action_url=None,
                                          ends_when_leaving=request.args.get("ends") == "1"))
        return _xml(_conference_twiml(svc, call_sid))
    except Exception:  # noqa: BLE001
        log.exception("conference TwiML failed for call %s", call_sid)
        return _xml(render.hangup()) if joining_agent else _safe_return_to_queue(svc, call_sid)


LEG_ENDED = {"completed", "busy", "no-answer", "failed", "canceled"}


@bp.post(INTERPRETER_STATUS_PATH)
@twilio_request
def interpreter_leg_status() -> Response:
    """The interpreter's own call ended: they leave the call (which goes on)."""
    call_sid = call_sid_of(request.args.get("call"))
    agent = request.args.get("agent", "")
    status = field(request.form, "CallStatus")
    if call_sid and agent.isdigit() and status in LEG_ENDED:
        try:
            routing_service(services()).interpreter_left(call_sid, int(agent), status)
        except Exception:  # noqa: BLE001 - a status callback is acknowledged whatever
            log.exception("interpreter leg of %s: could not record their leaving", call_sid)
    return Response(status=204)


def _safe_return_to_queue(svc: Services, call_sid: str) -> Response:
    """Something broke mid-bridge: the caller goes back to the front, the agent is freed."""
    try:
        routing = routing_service(svc)
        status = routing.engine.status(call_sid)
        if status is not None and status.state == "connected" and not status.interpreter_id:
            routing.bridge_failed(call_sid, agent_missed=False, why="bridge_error")
        return _wait_loop(svc, call_sid)
    except Exception:  # noqa: BLE001
        return _xml(render.redirect(WAIT_LOOP_PATH))
