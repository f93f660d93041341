"""Supervisors' JSON API: force an agent's state, see and reassign waiting work.

Errors are `{error: <stable code>, message}` like the rest of routing's API
(`call_routing.errors`). Supervisors and admins only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from agent_console.auth import current_staff, roles_required
from call_routing.errors import BAD_REQUEST, INVALID_STATE, RoutingError
from call_routing.service import routing_service
from call_routing.supervision import Supervision
from helpline.services import services

bp = Blueprint("supervision", __name__)

SUPERVISORS = ("supervisor", "admin")
FORCEABLE = ("available", "break", "offline")


@bp.errorhandler(RoutingError)
def _routing_error(error: RoutingError) -> tuple[Response, int]:
    return jsonify(error=error.code, message=error.message), error.http_status


def _json() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RoutingError(BAD_REQUEST, "expected a JSON object")
    return body


def _staff_id(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise RoutingError(BAD_REQUEST, f"{name} must be a staff id")
    return value


def supervision() -> Supervision:
    return Supervision(routing_service(services()))


@bp.post("/api/agents/<int:agent_id>/state")
@roles_required(*SUPERVISORS)
def force_state(agent_id: int) -> Response:
    """{state: available|break|offline, reason}: the agent's screen says a supervisor
    set it, and why. 409 agent_busy while they talk to a caller."""
    body = _json()
    state = body.get("state")
    if state not in FORCEABLE:
        raise RoutingError(INVALID_STATE, "state must be available, break or offline")
    return jsonify(supervision().force_state(current_staff().id, agent_id, state,
                                             body.get("reason") or ""))


@bp.get("/api/supervision/work")
@roles_required(*SUPERVISORS)
def waiting_work() -> Response:
    response = jsonify(supervision().work())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/supervision/work/<sid>/reassign")
@roles_required(*SUPERVISORS)
def reassign(sid: str) -> Response:
    """{agent_id}: the next offer of this waiting caller, callback (both by CallSid) or
    voicemail (by RecordingSid) goes to that agent. 403 not_your_language if they do not
    serve its language, 409 agent_not_available if they are offline."""
    agent_id = _staff_id(_json().get("agent_id"), "agent_id")
    return jsonify(supervision().reassign(current_staff().id, sid, agent_id))
