"""The agent's screen: presence, offers, the active call, wrap-up, work lists.

Presence, offers, accept/decline, hang-up and transfers are the routing engine's
JSON API (`/api/agents/me/...`, `/api/calls/...`); this module renders the page,
its htmx fragments, and the facts about a caller an agent is allowed to see.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from agent_console import access, interpreter_access, presence, routing_link, store
from agent_console.access import languages_served
from agent_console.auth import current_staff, roles_required
from agent_console.callers import caller_summary
from agent_console.softphone import SoftphoneNotConfigured, simulated_phone, softphone_setup
from cases.taxonomy import PRIORITY_LABELS, STATUS_LABELS, groups
from helpline.services import services
from ivr.models import Call

bp = Blueprint("agent", __name__)

ANY_STAFF = ("agent", "supervisor", "admin")


def ticket_labels() -> dict[str, object]:
    return {"status_labels": STATUS_LABELS, "priority_labels": PRIORITY_LABELS}


def served_languages() -> set[str]:
    parents = {code: lang.parent for code, lang in services().config.languages.items()}
    return languages_served(current_staff().languages, parents)


@bp.get("/console/agent")
@roles_required(*ANY_STAFF)
def agent_home():  # type: ignore[no-untyped-def]
    config = services().config
    db = services().db.scoped()
    agents = [user for user in store.staff_list(db)
              if user.active and user.role == "agent" and user.id != current_staff().id]
    return render_template(
        "console/agent.html", languages=config.languages,
        chosen_breaks=presence.CHOSEN_BREAKS, offer_breaks=presence.OFFER_BREAKS,
        reason_labels=presence.REASON_LABELS,
        state_labels_shown={state: _(label) for state, label in presence.STATE_LABELS.items()},
        reason_labels_shown={why: _(label) for why, label in presence.REASON_LABELS.items()},
        transfer_agents=agents, wrap_up_seconds=config.queue.wrap_up_seconds,
        offer_seconds=config.queue.reservation_timeout_seconds, category_groups=groups(),
        languages_json={code: f"{lang.name} · {lang.native_name}"
                        for code, lang in config.languages.items()})


@bp.get("/console/agent/lists/<which>")
@roles_required(*ANY_STAFF)
def work_list(which: str):  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    languages = served_languages()
    rows: Sequence[object]
    if which == "tickets":
        rows = store.my_tickets(db, current_staff().id)
    elif which == "voicemails":
        rows = store.voicemails_for(db, languages)
    elif which == "callbacks":
        rows = store.open_callbacks_for(db, languages)
    elif which == "transcription":
        rows = store.awaiting_transcription(db, languages)
    else:
        abort(404)
    return render_template(f"console/_list_{which}.html", rows=rows,
                           languages=services().config.languages,
                           reference=lambda caller_id: caller_summary(db, caller_id),
                           call_back_now=call_back_now_url, local_time=_local_time)


def _local_time(moment: datetime | None) -> str:
    """A time as the helpline's staff read it: in its configured time zone."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(services().settings.timezone)).strftime("%Y-%m-%d %H:%M")


# Routing's "call this request back now" action: the button shows once it exists.
CALL_BACK_NOW_ENDPOINT = "call_routing.call_back_now"


def call_back_now_url(request_id: int) -> str | None:
    if CALL_BACK_NOW_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(CALL_BACK_NOW_ENDPOINT, request_id=request_id)


@bp.get("/console/calls/<call_sid>/panel")
@roles_required(*ANY_STAFF)
def call_panel(call_sid: str):  # type: ignore[no-untyped-def]
    """The active-call panel: who (masked), in which language, and their history; for the
    call's interpreter, while they are in it, the call's language, caller and ticket only."""
    svc = services()
    db = svc.db.scoped()
    call = db.scalar(select(Call).where(Call.call_sid == call_sid))
    if call is None:
        abort(404)
    staff = current_staff()
    ticket = store.ticket_for_call(db, call.id)
    if interpreter_access.interpreting(svc, staff.id, call):
        interpreter_access.record_view(db, staff_id=staff.id, call=call, ticket=ticket,
                                       what=interpreter_access.VIEWED_CALL)
        db.commit()
        return render_template(
            "console/_call_panel_interpreter.html", call=call,
            caller=caller_summary(db, call.caller_id), languages=svc.config.languages,
            ticket=ticket, **ticket_labels())
    parents = {code: lang.parent for code, lang in svc.config.languages.items()}
    if not access.can_open_ticket(role=staff.role, user_id=staff.id, skills=staff.languages,
                                  ticket_language=call.language or "",
                                  assignee_id=call.agent_id, parents=parents):
        abort(403)
    calls, tickets = (store.caller_history(db, call.caller_id, excluding_call=call.id)
                      if call.caller_id else ([], []))
    return render_template(
        "console/_call_panel.html", call=call, caller=caller_summary(db, call.caller_id),
        earlier_calls=calls, earlier_tickets=tickets, languages=svc.config.languages,
        ticket=ticket)


@bp.get("/console/agent/state")
@roles_required(*ANY_STAFF)
def agent_state():  # type: ignore[no-untyped-def]
    """Presence and offer for the agent's screen, times relative to the engine's clock."""
    return jsonify(routing_link.agent_view(services(), current_staff().id))


@bp.get("/console/softphone")
@roles_required(*ANY_STAFF)
def softphone():  # type: ignore[no-untyped-def]
    try:
        setup = softphone_setup(services().settings, current_staff().id)
    except SoftphoneNotConfigured as exc:
        return jsonify(error=exc.code, message=str(exc)), 503
    return jsonify(setup.as_dict())


@bp.post("/console/softphone/<action>")
@roles_required(*ANY_STAFF)
def simulated_softphone(action: str):  # type: ignore[no-untyped-def]
    """Local development and tests: register, answer or hang up the stand-in's phone."""
    if action not in ("register", "answer", "hangup"):
        abort(404)
    try:
        done, reason = simulated_phone(services().settings, current_staff().id, action)
    except SoftphoneNotConfigured as exc:
        return jsonify(error=exc.code, message=str(exc)), 409
    return jsonify(done=done, reason=reason, answered=done and action == "answer")
