"""Twilio webhooks of a callback: the agent's leg answers, then dials the caller."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from call_routing import callbacks
from call_routing import twiml as render
from call_routing.service import routing_service
from helpline.services import services
from helpline.twilio_auth import public_base, twilio_request
from helpline.webhook_input import call_sid as call_sid_of
from helpline.webhook_input import field

bp = Blueprint("callbacks", __name__)
log = logging.getLogger(__name__)

CALLER_RING_SECONDS = 30
ANSWERED = {"completed", "answered"}
AGENT_LEG_FAILED = {"busy", "no-answer", "failed", "canceled"}


def _xml(twiml: str) -> Response:
    return Response(twiml, mimetype="text/xml")


@bp.post(callbacks.AGENT_LEG_PATH)
@twilio_request
def agent_answered() -> Response:
    """The agent picked up: dial the caller from the number they called."""
    svc = services()
    call_sid = call_sid_of(request.args.get("call"))
    if not call_sid:
        return _xml(render.hangup())
    try:
        dial = callbacks.dial_for(svc, call_sid)
    except Exception:  # noqa: BLE001 - Twilio routes never fail loudly
        log.exception("callback %s could not be prepared", call_sid)
        dial = None
    if dial is None:
        return _xml(render.hangup())
    base = public_base(request, svc.settings.public_base_url)
    action = f"{base}{callbacks.ENDED_PATH}?call={call_sid}"
    return _xml(render.callback_dial(dial.number, caller_id=dial.caller_id,
                                     ring_seconds=CALLER_RING_SECONDS, action_url=action))


@bp.post(callbacks.ENDED_PATH)
@twilio_request
def caller_leg_ended() -> Response:
    """The caller's leg ended: reached (and talked) or not; the agent wraps up either way."""
    svc = services()
    call_sid = call_sid_of(request.args.get("call"))
    reached = field(request.form, "DialCallStatus") in ANSWERED
    _settle(svc, call_sid, reached=reached, how="callback_completed" if reached
            else "callback_unanswered")
    return _xml(render.hangup())


@bp.post(callbacks.AGENT_LEG_STATUS_PATH)
@twilio_request
def agent_leg_status() -> tuple[str, int]:
    """The agent's leg is over. Normally the caller's leg settled the attempt already;
    if the agent never answered, or that report was lost, the request goes back on the
    list rather than being lost (a second call beats a forgotten one)."""
    status = field(request.form, "CallStatus")
    if status in AGENT_LEG_FAILED or status == "completed":
        _settle(services(), call_sid_of(request.args.get("call")), reached=False,
                how="callback_agent_unanswered" if status != "completed"
                else "callback_unconfirmed")
    return "", 204


def _settle(svc, call_sid: str, *, reached: bool, how: str) -> None:
    try:
        if callbacks.finish(svc, call_sid, reached=reached):
            # Reached: done. Not: back in line for another attempt, or stopped after the
            # configured number of them.
            routing_service(svc).callback_attempt_ended(call_sid, reached=reached, how=how)
    except Exception:  # noqa: BLE001
        log.exception("callback %s could not be settled", call_sid)
