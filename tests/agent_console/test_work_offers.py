"""What the agent's screen is told about routed work (the console's state JSON) and the
Callbacks list, through the Flask client against the real routing engine and Redis."""

from __future__ import annotations

from call_routing.service import routing_service
from call_routing.voicemails import queue_voicemails
from cases.models import Ticket
from ivr.models import CallbackRequest
from tests.agent_console.records import CALLER_NUMBER, add_call, add_caller, add_recording


def state_of(client) -> dict:
    response = client.get("/console/agent/state")
    assert response.status_code == 200
    return response.get_json()


def test_a_voicemail_offer_says_it_is_a_voicemail_and_whose(csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    caller = add_caller(services, call_count=2)
    call_id = add_call(services, call_sid="CA" + "3c" * 16, caller_id=caller,
                       outcome="voicemail")
    with services.db.session() as session:
        ticket = Ticket(language="km", caller_id=caller, source="voicemail")
        session.add(ticket)
        session.flush()
        ticket_id = ticket.id
    recording = add_recording(services, call_id=call_id, ticket_id=ticket_id)
    routing = routing_service(services)
    routing.set_state(staff["km_agent"].id, "available")
    assert queue_voicemails(routing) == 1

    agent = as_role("km_agent")
    me = state_of(agent)
    assert me["state"] == "reserved"
    offer = me["offer"]
    assert offer["kind"] == "voicemail" and offer["recording_id"] == recording
    assert offer["language"] == "km" and offer["repeat_caller"] is True
    assert offer["caller_reference"].startswith("C-")
    assert CALLER_NUMBER.lstrip("+")[2:] not in str(me)

    accepted = agent.http.post("/api/agents/me/offer/accept",
                               headers={"X-CSRFToken": agent.token})
    assert accepted.status_code == 200
    assert accepted.get_json()["kind"] == "voicemail"
    assert accepted.get_json()["ticket_id"] == ticket_id
    # Taken on: the agent wraps up with it, and its ticket opens for them.
    assert state_of(agent)["state"] == "wrap_up"
    assert agent.get(f"/console/tickets/{ticket_id}?embed=1").status_code == 200


def test_a_declined_offer_is_a_break_of_its_own(csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    routing = routing_service(services)
    routing.set_state(staff["km_agent"].id, "available")
    routing.engine.join("CA" + "4d" * 16, "km")
    agent = as_role("km_agent")
    assert state_of(agent)["offer"]["kind"] == "call"
    declined = agent.http.post("/api/agents/me/offer/decline",
                               headers={"X-CSRFToken": agent.token})
    assert declined.status_code == 200
    me = state_of(agent)
    assert (me["state"], me["reason"], me["offer"]) == ("break", "declined", None)
    page = agent.get("/console/agent").get_data(as_text=True)
    assert 'data-declined="Offer declined — you are on break"' in page
    assert '<option value="declined" disabled hidden>Declined offer</option>' in page


def test_the_callbacks_list_shows_open_requests_with_call_back_now(csrf_app, as_role):
    services = csrf_app.extensions["helpline"]
    caller = add_caller(services)
    open_call = add_call(services, call_sid="CA" + "5e" * 16, caller_id=caller)
    done_call = add_call(services, call_sid="CA" + "6f" * 16, caller_id=caller)
    with services.db.session() as session:
        number = services.pii.encrypt(CALLER_NUMBER)
        waiting = CallbackRequest(call_id=open_call, caller_id=caller, language="km",
                                  number_encrypted=number)
        answered = CallbackRequest(call_id=done_call, caller_id=caller, language="km",
                                   number_encrypted=number, status="done")
        session.add_all([waiting, answered])
        session.flush()
        waiting_id, answered_id = waiting.id, answered.id
    html = as_role("km_agent").get("/console/agent/lists/callbacks").get_data(as_text=True)
    assert f'data-callback="{waiting_id}"' in html
    assert f'data-callback="{answered_id}"' not in html      # answered: off the list
    assert f'data-call-back-now="/api/callbacks/{waiting_id}/call-now"' in html
    assert CALLER_NUMBER.lstrip("+")[2:] not in html


def test_a_callback_promised_for_the_next_shift_shows_when_it_may_be_made(csrf_app, as_role):
    """Scheduled into a shift (the rota's next advisor): the list says from when, in the
    helpline's time zone (Asia/Bangkok by default, UTC+7)."""
    from datetime import UTC, datetime

    services = csrf_app.extensions["helpline"]
    caller = add_caller(services)
    call_id = add_call(services, call_sid="CA" + "7a" * 16, caller_id=caller)
    with services.db.session() as session:
        session.add(CallbackRequest(call_id=call_id, caller_id=caller, language="km",
                                    number_encrypted=services.pii.encrypt(CALLER_NUMBER),
                                    not_before=datetime(2026, 12, 3, 1, 0, tzinfo=UTC)))
    html = as_role("km_agent").get("/console/agent/lists/callbacks").get_data(as_text=True)
    assert services.settings.timezone == "Asia/Bangkok"
    assert '<td class="small" data-not-before>2026-12-03 08:00</td>' in html
