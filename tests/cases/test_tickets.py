"""Tickets from a call, the active-call panel, work lists — and no full phone number
anywhere an agent can see."""

from __future__ import annotations

from sqlalchemy import select

from agent_console.models import AuditEntry
from cases.models import Ticket
from tests.agent_console.records import CALLER_NUMBER, add_call, add_caller, add_recording


def national_digits(number: str) -> str:
    return number.lstrip("+")[2:]  # +66 812345678 → 812345678


def test_call_panel_shows_masked_caller_and_history(csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    caller = add_caller(services, call_count=3, flags=["repeat"])
    add_call(services, call_sid="CAold1", caller_id=caller, answered_after=10, ended_after=200,
             outcome="answered")
    with services.db.session() as session:
        session.add(Ticket(language="km", caller_id=caller, notes="earlier case"))
    add_call(services, call_sid="CAnow", caller_id=caller, agent_id=staff["km_agent"].id,
             answered_after=8, urgent=True)
    page = as_role("km_agent").get("/console/calls/CAnow/panel").get_data(as_text=True)
    assert "Khmer" in page
    assert "C-" in page                     # the caller reference
    assert "+66 •••••••78" in page          # masked: country and last two digits only
    assert national_digits(CALLER_NUMBER) not in page
    assert "Urgent" in page and "repeat" in page
    assert 'id="caller-history"' in page and "Ticket" in page


def test_call_panel_is_refused_outside_the_agents_languages(csrf_app, as_role):
    services = csrf_app.extensions["helpline"]
    add_call(services, call_sid="CAmy", language="my")
    assert as_role("km_agent").get("/console/calls/CAmy/panel").status_code == 403
    assert as_role("my_agent").get("/console/calls/CAmy/panel").status_code == 200


def test_ticket_from_a_call_is_linked_assigned_and_audited(csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    caller = add_caller(services)
    call_id = add_call(services, call_sid="CAt1", caller_id=caller,
                       agent_id=staff["km_agent"].id, answered_after=5)
    agent = as_role("km_agent")
    form = agent.get("/console/tickets/new?call_sid=CAt1").get_data(as_text=True)
    assert "ilo.debt_bondage" in form and "Debt bondage" in form
    response = agent.post("/console/tickets", {
        "call_id": call_id, "category": "ilo.retention_of_identity_documents",
        "status": "open", "priority": "urgent", "notes": "passport kept by employer",
        "employer": "Sea Foods Ltd", "recruitment_agency": "Golden Agency",
        "location": "Mahachai"})
    assert response.status_code == 302
    with services.db.session() as session:
        ticket = session.scalar(select(Ticket))
        assert ticket.language == "km" and ticket.caller_id == caller
        assert ticket.assignee_id == staff["km_agent"].id and ticket.priority == "urgent"
        assert [call.call_sid for call in ticket.calls] == ["CAt1"]
        assert ticket.recruitment_agency == "Golden Agency"
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions[-1] == "ticket_created"
    # The same call again opens the existing ticket instead of a second one.
    again = agent.get("/console/tickets/new?call_sid=CAt1")
    assert again.status_code == 302 and f"/console/tickets/{ticket.id}" in again.headers[
        "Location"]


def test_ticket_form_inside_the_call_screen_stays_in_place(csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    call_id = add_call(services, call_sid="CAt2", agent_id=staff["km_agent"].id)
    agent = as_role("km_agent")
    response = agent.post("/console/tickets", {"call_id": call_id, "category": "work.wages",
                                               "status": "open", "priority": "normal",
                                               "notes": "two months unpaid"},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="ticket-saved"' in html and "<html" not in html
    assert 'hx-post="/console/tickets/' in html  # further edits update the same ticket


def test_invalid_ticket_is_shown_again_with_its_problems(csrf_app, as_role):
    response = as_role("km_agent").post("/console/tickets", {
        "language": "km", "category": "not.a.category", "notes": "kept"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a category from the list." in html and "kept" in html


def test_update_ticket_records_which_fields_changed(csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    with services.db.session() as session:
        ticket = Ticket(language="km", notes="n", assignee_id=staff["km_agent"].id)
        session.add(ticket)
        session.flush()
        ticket_id = ticket.id
    response = as_role("km_agent").post(f"/console/tickets/{ticket_id}", {
        "category": "work.housing", "status": "referred", "priority": "normal", "notes": "n"})
    assert response.status_code == 302
    with services.db.session() as session:
        assert session.get(Ticket, ticket_id).status == "referred"
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "ticket_updated"))
        assert entry.detail["fields"] == ["category", "status"]


def test_work_lists_follow_the_agents_languages(csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    caller = add_caller(services)
    add_recording(services, sid="RE" + "1" * 32, language="km")
    add_recording(services, sid="RE" + "2" * 32, language="my")
    from ivr.models import CallbackRequest
    with services.db.session() as session:
        session.add(CallbackRequest(language="km", caller_id=caller,
                                    number_encrypted=services.pii.encrypt(CALLER_NUMBER)))
        session.add(Ticket(language="km", assignee_id=staff["km_agent"].id, notes="mine"))
    agent = as_role("km_agent")
    voicemails = agent.get("/console/agent/lists/voicemails").get_data(as_text=True)
    assert voicemails.count("Listen") == 1 and "Khmer" in voicemails
    callbacks = agent.get("/console/agent/lists/callbacks").get_data(as_text=True)
    assert "+66 •••••••78" in callbacks and national_digits(CALLER_NUMBER) not in callbacks
    assert "#1" in agent.get("/console/agent/lists/tickets").get_data(as_text=True)
    assert agent.get("/console/agent/lists/nonsense").status_code == 404
    burmese = as_role("my_agent").get("/console/agent/lists/callbacks").get_data(as_text=True)
    assert "No callbacks waiting" in burmese


def test_no_page_an_agent_opens_contains_the_full_number(csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    caller = add_caller(services)
    call_id = add_call(services, call_sid="CAp", caller_id=caller,
                       agent_id=staff["km_agent"].id, answered_after=3)
    agent = as_role("km_agent")
    agent.post("/console/tickets", {"call_id": call_id, "notes": "x"})
    pages = ["/console/agent", "/console/calls/CAp/panel", "/console/tickets",
             "/console/tickets/1", "/console/agent/lists/tickets",
             "/console/agent/lists/callbacks"]
    for path in pages:
        response = agent.get(path)
        assert response.status_code == 200, path
        assert national_digits(CALLER_NUMBER) not in response.get_data(as_text=True), path


def test_a_call_recording_that_arrived_first_joins_the_new_ticket(csrf_app, as_role, staff):
    """Twilio's recording callback can beat the agent's ticket: it must still attach."""
    from recordings.models import Recording

    services = csrf_app.extensions["helpline"]
    call_id = add_call(services, call_sid="CArec", agent_id=staff["km_agent"].id,
                       answered_after=5)
    recording_id = add_recording(services, sid="RE" + "c" * 32, call_id=call_id, kind="call")
    response = as_role("km_agent").post("/console/tickets", {
        "call_id": call_id, "category": "work.wages", "status": "open", "priority": "normal",
        "notes": "not paid for two months"})
    assert response.status_code == 302
    with services.db.session() as session:
        ticket = session.scalar(select(Ticket))
        assert session.get(Recording, recording_id).ticket_id == ticket.id
