"""An interpreter's read access to the call they are in: the call panel and the call's
ticket open for them while routing has them in the call (each view audited), read only,
and close (403) the moment the call is over for them. The routing engine and Redis are
real; the Burmese-only interpreter is outside the Khmer call's language."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from agent_console import routing_link
from agent_console.models import AuditEntry
from call_routing.service import routing_service
from cases.models import Ticket
from ivr.models import Call
from tests.agent_console.records import add_call, add_caller

CALL_SID = "CA" + "1f" * 16


def audits(services, action: str) -> list[AuditEntry]:
    with services.db.session() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                               .order_by(AuditEntry.id)).all()
        session.expunge_all()
        return list(rows)


def connect(routing, agent_id: int, call_sid: str = CALL_SID) -> None:
    """The caller waits in the Khmer queue; the Khmer agent is offered it and accepts."""
    routing.set_state(agent_id, "available")
    routing.engine.join(call_sid, "km")
    offer = routing.engine.offer_for(agent_id)
    assert offer is not None and offer.call_sid == call_sid
    routing.engine.accept(agent_id, call_sid)


def join_as_interpreter(routing, call_sid: str, interpreter_id: int) -> None:
    """The owner adds the interpreter; where routing offers them the call, they accept."""
    routing.set_state(interpreter_id, "available")
    routing.engine.add_interpreter(call_sid, interpreter_id)
    if routing.engine.agent(interpreter_id)["state"] == "reserved":   # offered: accept
        routing.engine.accept_interpreter(interpreter_id, call_sid)
    assert routing.engine.agent(interpreter_id)["state"] == "on_call"


@pytest.fixture
def three_way(csrf_app, staff):
    """A Khmer caller on a call with Sokha; Aye (Burmese only) interprets; a ticket."""
    services = csrf_app.extensions["helpline"]
    caller = add_caller(services, call_count=2)
    call_id = add_call(services, call_sid=CALL_SID, caller_id=caller,
                       agent_id=staff["km_agent"].id, answered_after=5)
    with services.db.session() as session:
        ticket = Ticket(language="km", caller_id=caller, category="ilo.withholding_of_wages",
                        notes="Wages kept for three months", employer="Ocean Catch Co",
                        assignee_id=staff["km_agent"].id)
        ticket.calls.append(session.get(Call, call_id))
        session.add(ticket)
        session.flush()
        ticket_id = ticket.id
    routing = routing_service(services)
    connect(routing, staff["km_agent"].id)
    join_as_interpreter(routing, CALL_SID, staff["my_agent"].id)
    return services, routing, ticket_id


def test_the_interpreter_reads_the_call_and_its_ticket_while_in_it(three_way, as_role, staff):
    services, _routing, ticket_id = three_way
    interpreter = as_role("my_agent")

    panel = interpreter.get(f"/console/calls/{CALL_SID}/panel")
    assert panel.status_code == 200
    html = panel.get_data(as_text=True)
    assert "Khmer" in html and 'id="caller-reference">C-' in html
    assert "Ocean Catch Co" in html and "Wages kept for three months" in html
    assert "••" not in html                  # not even the masked number
    assert 'id="caller-history"' not in html  # nor the caller's earlier contact
    interpreter.get(f"/console/calls/{CALL_SID}/panel")
    [first, second] = audits(services, "interpreter_viewed_call")
    assert first.actor_id == staff["my_agent"].id and first.subject_type == "call"
    assert first.detail["ticket_id"] == ticket_id and second.id > first.id

    page = interpreter.get(f"/console/tickets/{ticket_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="ticket-read"' in html and 'id="ticket-form"' not in html
    [viewed] = audits(services, "interpreter_viewed_ticket")
    assert (viewed.actor_id, viewed.subject_id) == (staff["my_agent"].id, str(ticket_id))

    # Read access only: the ticket cannot be changed, nor a second one opened.
    refused = interpreter.post(f"/console/tickets/{ticket_id}",
                               {"category": "work.wages", "status": "closed",
                                "priority": "normal"})
    assert refused.status_code == 403
    with services.db.session() as session:
        assert session.get(Ticket, ticket_id).status == "open"


def test_access_ends_when_the_call_ends(three_way, as_role):
    services, routing, ticket_id = three_way
    interpreter = as_role("my_agent")
    assert interpreter.get(f"/console/calls/{CALL_SID}/panel").status_code == 200
    routing.engine.finish_call(CALL_SID)
    assert interpreter.get(f"/console/calls/{CALL_SID}/panel").status_code == 403
    assert interpreter.get(f"/console/tickets/{ticket_id}").status_code == 403
    with services.db.session() as session:
        counted = session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action.in_(("interpreter_viewed_call", "interpreter_viewed_ticket"))))
    assert counted == 1                      # refused views show nothing, so audit nothing


def test_an_agent_who_is_not_the_interpreter_is_still_refused(three_way, csrf_app,
                                                              password_hash):
    from tests.console_fixtures import ConsoleClient, add_staff

    other = add_staff(csrf_app, password_hash, email="nok@example.org", role="agent",
                      skills={"th": 5}, display_name="Nok")
    _services, _routing, ticket_id = three_way
    client = ConsoleClient(csrf_app, other)
    assert client.get(f"/console/calls/{CALL_SID}/panel").status_code == 403
    assert client.get(f"/console/tickets/{ticket_id}").status_code == 403


def test_the_owner_sees_the_interpreter_join_and_the_interpreter_sees_whom_they_help(
        three_way, csrf_app, staff):
    services, _routing, _ticket_id = three_way
    with csrf_app.test_request_context():
        owner = routing_link.agent_view(services, staff["km_agent"].id)
        helper = routing_link.agent_view(services, staff["my_agent"].id)
    assert owner["call_role"] == "owner"
    assert owner["interpreter"]["name"] == "Aye" and owner["interpreter"]["where"] == "joined"
    assert helper["call_role"] == "interpreter" and helper["owner_name"] == "Sokha"
    assert helper["call_sid"] == CALL_SID


def test_an_invited_interpreter_is_offered_the_call_and_reads_nothing_before_joining(
        csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    caller = add_caller(services)
    add_call(services, call_sid=CALL_SID, caller_id=caller, agent_id=staff["km_agent"].id,
             answered_after=5)
    routing = routing_service(services)
    connect(routing, staff["km_agent"].id)
    routing.set_state(staff["my_agent"].id, "available")
    routing.add_interpreter(CALL_SID, staff["km_agent"].id, staff["my_agent"].id,
                            "http://127.0.0.1")

    interpreter = as_role("my_agent")
    offer = interpreter.get("/console/agent/state").get_json()["offer"]
    assert (offer["kind"], offer["call_sid"], offer["language"]) == ("interpreter", CALL_SID,
                                                                      "km")
    assert offer["owner_name"] == "Sokha" and offer["caller_reference"].startswith("C-")
    owner = as_role("km_agent").get("/console/agent/state").get_json()
    assert owner["interpreter"]["where"] == "invited"
    # Offered is not joined: nothing of the call opens yet.
    assert interpreter.get(f"/console/calls/{CALL_SID}/panel").status_code == 403

    routing.engine.decline(staff["my_agent"].id, CALL_SID)
    owner = as_role("km_agent").get("/console/agent/state").get_json()
    assert owner["interpreter"]["where"] == "gone"          # shown as "did not join"
    assert owner["interpreter"]["joined_once"] is False
