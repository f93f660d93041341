"""The supervisor's wallboard: tiles per language, agents table, calls-per-hour chart.

Live by polling: the page fetches `/wallboard/live.json` every `POLL_SECONDS` (the
whole picture each time, so a missed poll is healed by the next). A poll is a short
request: no open wallboard holds one of the web process's threads, which Twilio's
webhooks need (a Server-Sent Events stream held one for as long as it was watched,
and 16 watching supervisors would have stopped every call). The price is up to
`POLL_SECONDS` of delay, against a push's fraction of a second.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import gettext as _

from agent_console import presence, routing_link
from agent_console.auth import roles_required
from agent_console.live import agent_records, snapshot
from call_routing.rota.lookup import coverage_panel
from helpline.services import Services, services

bp = Blueprint("wallboard", __name__)

SUPERVISORS = ("supervisor", "admin")
# How often an open wallboard asks for the picture. One poll costs one short request
# (a few database and Redis reads, measured in the README's Observability section).
POLL_SECONDS = 2.0


def _timezone() -> str:
    # The helpline's HELPLINE_TIMEZONE setting, unless a test's app config overrides it.
    return str(current_app.config.get("HELPLINE_TIMEZONE") or services().settings.timezone)


def current_snapshot(svc: Services, timezone: str) -> dict[str, object]:
    # The services' clock, not the wall clock: with the stand-in's simulated clock the
    # calls' timestamps are simulated too.
    now = datetime.fromtimestamp(svc.clock.now(), UTC)
    with svc.db.session() as session:
        agent_ids = [agent.agent_id for agent in agent_records(session)]
        live = snapshot(session, svc.config, now=now, timezone=timezone,
                        routing_rows=routing_link.live_languages(svc),
                        routing_states=routing_link.agent_states(svc, agent_ids) or None)
        # Who is on shift per language and the next gap (the rota, call_routing.rota).
        live["rota"] = coverage_panel(session, svc.config, timezone, now.timestamp())
        return live


@bp.get("/wallboard")
@roles_required(*SUPERVISORS)
def wallboard():  # type: ignore[no-untyped-def]
    svc = services()
    return render_template("console/wallboard.html",
                           live=current_snapshot(svc, _timezone()),
                           poll_ms=int(1000 * float(current_app.config.get(
                               "CONSOLE_WALLBOARD_POLL_SECONDS", POLL_SECONDS))),
                           languages=svc.config.languages,
                           state_labels={state: _(label)
                                         for state, label in presence.STATE_LABELS.items()},
                           reason_labels={why: _(label)
                                          for why, label in presence.REASON_LABELS.items()})


@bp.get("/wallboard/live.json")
@roles_required(*SUPERVISORS)
def live_json():  # type: ignore[no-untyped-def]
    response = jsonify(current_snapshot(services(), _timezone()))
    response.headers["Cache-Control"] = "no-store"
    return response
