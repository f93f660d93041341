"""Tickets (cases): open one for a call, edit it, list them — within the viewer's languages."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from agent_console import access, audit, interpreter_access, store
from agent_console.agent_views import ANY_STAFF, served_languages
from agent_console.auth import current_staff, roles_required
from agent_console.callers import caller_summary
from cases.models import Ticket
from cases.taxonomy import PRIORITY_LABELS, STATUS_LABELS, groups
from cases.ticket_form import TicketInput, parse_ticket_form
from helpline.services import services
from ivr.models import Call
from recordings.tickets import attach_call_recordings

bp = Blueprint("tickets", __name__, template_folder="templates")

PROBLEM_MESSAGES = {
    "unknown_language": "Choose a language.",
    "unknown_category": "Choose a category from the list.",
    "unknown_status": "Choose a status from the list.",
    "unknown_priority": "Choose an urgency from the list.",
    "too_long": "This is too long.",
}


def _parents() -> dict[str, str | None]:
    return {code: lang.parent for code, lang in services().config.languages.items()}


def _may_open(ticket_language: str, assignee_id: int | None) -> bool:
    staff = current_staff()
    return access.can_open_ticket(role=staff.role, user_id=staff.id, skills=staff.languages,
                                  ticket_language=ticket_language, assignee_id=assignee_id,
                                  parents=_parents())


def _render_form(ticket: Ticket | None, values: TicketInput, *,  # type: ignore[no-untyped-def]
                 call: Call | None = None, status: int = 200, saved: bool = False):
    db = services().db.scoped()
    embed = bool(request.headers.get("HX-Request") or request.args.get("embed"))
    recordings = store.ticket_recordings(db, ticket) if ticket is not None else []
    transcripts = _finished_transcripts(db, recordings) if not embed else {}
    caller_id = ticket.caller_id if ticket is not None else (call.caller_id if call else None)
    return render_template(
        "console/_ticket_embed.html" if embed else "console/ticket.html", embed=embed,
        saved=saved, ticket=ticket, values=values, call=call,
        caller=caller_summary(db, caller_id), recordings=recordings, transcripts=transcripts,
        category_groups=groups(), status_labels=STATUS_LABELS, priority_labels=PRIORITY_LABELS,
        languages=services().config.languages,
        problems={field: _(PROBLEM_MESSAGES[code]) for field, code in values.problems.items()},
    ), status


def _finished_transcripts(db, recordings):  # type: ignore[no-untyped-def]
    """recording id → its finished transcripts: a person's correction of a machine draft,
    never the draft itself. Showing them is audited like opening the recording."""
    shown = {}
    for recording in recordings:
        done = [t for t in store.transcripts_of(db, recording.id)
                if t.status == "done" and t.text]
        if done:
            shown[recording.id] = done
            audit.record(db, actor_id=current_staff().id, action="transcript_viewed",
                         subject_type="recording", subject_id=recording.id,
                         transcripts=[t.id for t in done], where="ticket")
    if shown:
        db.commit()
    return shown


@bp.get("/console/tickets")
@roles_required(*ANY_STAFF)
def ticket_list():  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    staff = current_staff()
    query = select(Ticket).order_by(Ticket.updated_at.desc()).limit(200)
    if not access.can_supervise(staff.role):
        query = query.where(Ticket.language.in_(served_languages())
                            | (Ticket.assignee_id == staff.id))
    status = request.args.get("status")
    if status:
        query = query.where(Ticket.status == status)
    return render_template("console/tickets.html", tickets=list(db.scalars(query)),
                           status_labels=STATUS_LABELS, priority_labels=PRIORITY_LABELS,
                           languages=services().config.languages, status=status)


@bp.get("/console/tickets/new")
@roles_required(*ANY_STAFF)
def new_ticket():  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    call = db.get(Call, request.args.get("call_id", type=int) or 0)
    if call is None and request.args.get("call_sid"):
        call = db.scalar(select(Call).where(Call.call_sid == request.args["call_sid"]))
    language = call.language if call and call.language else request.args.get("language", "")
    if call is not None and not _may_open(call.language or "", call.agent_id):
        abort(403)
    if call is not None and (existing := store.ticket_for_call(db, call.id)) is not None:
        if request.headers.get("HX-Request") or request.args.get("embed"):
            return _render_form(existing, _input_from(existing))
        return redirect(url_for("tickets.ticket", ticket_id=existing.id))
    return _render_form(None, TicketInput(language=language), call=call)


@bp.post("/console/tickets")
@roles_required(*ANY_STAFF)
def create_ticket():  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    call = db.get(Call, request.form.get("call_id", type=int) or 0)
    form = dict(request.form)
    if call is not None and call.language:
        form["language"] = call.language
    values = parse_ticket_form(form, languages=services().config.languages)
    if not values.valid:
        return _render_form(None, values, call=call, status=422)
    if not _may_open(values.language, call.agent_id if call else None):
        abort(403)
    ticket = Ticket(
        language=values.language, category=values.category, status=values.status,
        priority=values.priority, notes=values.notes, employer=values.employer,
        recruitment_agency=values.recruitment_agency, location=values.location,
        assignee_id=current_staff().id, source="call" if call else "manual",
        caller_id=call.caller_id if call else None)
    if call is not None:
        ticket.calls.append(call)
    db.add(ticket)
    db.flush()
    # A recording of this call that arrived before the ticket existed joins it now.
    attach_call_recordings(db, ticket)
    audit.record(db, actor_id=current_staff().id, action="ticket_created", subject_type="ticket",
                 subject_id=ticket.id, call_id=call.id if call else None)
    db.commit()
    return _after_save(ticket)


@bp.get("/console/tickets/<int:ticket_id>")
@roles_required(*ANY_STAFF)
def ticket(ticket_id: int):  # type: ignore[no-untyped-def]
    svc = services()
    db = svc.db.scoped()
    found = db.get(Ticket, ticket_id)
    if found is None:
        abort(404)
    staff = current_staff()
    interpreted = interpreter_access.call_interpreted_in(svc, staff.id, found)
    if interpreted is not None:
        # Read only, and only while they interpret in one of its calls.
        interpreter_access.record_view(db, staff_id=staff.id, call=interpreted, ticket=found,
                                       what=interpreter_access.VIEWED_TICKET)
        db.commit()
        return render_template(
            "console/ticket_read.html", ticket=found, call=interpreted,
            caller=caller_summary(db, found.caller_id), languages=svc.config.languages,
            status_labels=STATUS_LABELS, priority_labels=PRIORITY_LABELS)
    found = _ticket_this_staff_may_open(ticket_id)
    return _render_form(found, _input_from(found))


@bp.post("/console/tickets/<int:ticket_id>")
@roles_required(*ANY_STAFF)
def update_ticket(ticket_id: int):  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    found = _ticket_this_staff_may_open(ticket_id)
    form = dict(request.form)
    form["language"] = found.language  # a case keeps its language; transfer it instead
    values = parse_ticket_form(form, languages=services().config.languages)
    if not values.valid:
        return _render_form(found, values, status=422)
    changed = {}
    for name in ("category", "status", "priority", "notes", "employer", "recruitment_agency",
                 "location"):
        if getattr(found, name) != getattr(values, name):
            changed[name] = True
            setattr(found, name, getattr(values, name))
    if request.form.get("assign_to_me") and found.assignee_id != current_staff().id:
        found.assignee_id = current_staff().id
        changed["assignee"] = True
    audit.record(db, actor_id=current_staff().id, action="ticket_updated", subject_type="ticket",
                 subject_id=found.id, fields=sorted(changed))
    db.commit()
    return _after_save(found)


def _after_save(ticket: Ticket):  # type: ignore[no-untyped-def]
    if request.headers.get("HX-Request"):
        # Inside the agent's call screen: stay on the call, keep editing the saved ticket.
        return _render_form(ticket, _input_from(ticket), saved=True)
    return redirect(url_for("tickets.ticket", ticket_id=ticket.id, saved=1))


def _input_from(ticket: Ticket) -> TicketInput:
    return TicketInput(language=ticket.language, category=ticket.category, status=ticket.status,
                       priority=ticket.priority, notes=ticket.notes or "",
                       employer=ticket.employer, recruitment_agency=ticket.recruitment_agency,
                       location=ticket.location)


def _ticket_this_staff_may_open(ticket_id: int) -> Ticket:
    """The ticket, or 404; 403 when it is outside the viewer's languages and not theirs."""
    found = services().db.scoped().get(Ticket, ticket_id)
    if found is None:
        abort(404)
    if not _may_open(found.language, found.assignee_id):
        abort(403)
    return found
