"""Login, roles, CSRF, rate limiting, and who may open which ticket."""

from __future__ import annotations

from sqlalchemy import select

from agent_console.login_throttle import PAIR_MAX_FAILURES
from agent_console.models import AuditEntry
from cases.models import Ticket
from tests.console_fixtures import ConsoleClient


def audit_actions(services) -> list[str]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def make_ticket(services, *, language: str, assignee_id: int | None = None) -> int:
    with services.db.session() as session:
        ticket = Ticket(language=language, notes="wages unpaid", assignee_id=assignee_id)
        session.add(ticket)
        session.flush()
        return ticket.id


def test_login_with_the_right_password_opens_the_agent_screen(csrf_app, staff):
    client = ConsoleClient(csrf_app)
    response = client.login("sokha@example.org")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console/agent")
    assert client.get("/console/agent").status_code == 200
    assert "login" in audit_actions(csrf_app.extensions["helpline"])


def test_each_role_lands_on_its_own_home(csrf_app, staff):
    assert ConsoleClient(csrf_app).login("sup@example.org").headers["Location"].endswith(
        "/wallboard")
    assert ConsoleClient(csrf_app).login("admin@example.org").headers["Location"].endswith(
        "/admin/staff")


def test_wrong_password_is_refused_and_audited(csrf_app, staff):
    client = ConsoleClient(csrf_app)
    response = client.login("sokha@example.org", "not the password")
    assert response.status_code == 401
    assert "Email or password is not right" in response.get_data(as_text=True)
    assert client.get("/console/agent").status_code == 302  # still logged out
    assert audit_actions(csrf_app.extensions["helpline"]) == ["login_failed"]


def test_login_is_rate_limited_after_repeated_failures(csrf_app, staff):
    client = ConsoleClient(csrf_app)
    for _ in range(PAIR_MAX_FAILURES):
        assert client.login("sokha@example.org", "guess").status_code == 401
    response = client.login("sokha@example.org")  # even the right password now waits
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert "login_rate_limited" in audit_actions(csrf_app.extensions["helpline"])
    # Another staff member from the same address is not locked out by it.
    assert ConsoleClient(csrf_app).login("aye@example.org").status_code == 302


def test_a_post_without_a_csrf_token_is_refused(csrf_app, staff):
    client = ConsoleClient(csrf_app, staff["km_agent"])
    no_token = client.http.post("/console/tickets", data={"language": "km", "notes": "x"})
    assert no_token.status_code == 400
    wrong_token = client.http.post("/console/tickets", data={
        "language": "km", "notes": "x", "csrf_token": "forged"})
    assert wrong_token.status_code == 400
    json_without_header = client.http.post("/console/zawgyi", json={"text": "hello"})
    assert json_without_header.status_code == 400
    assert json_without_header.get_json()["error"] == "csrf_failed"
    with csrf_app.extensions["helpline"].db.session() as session:
        assert session.scalar(select(Ticket.id)) is None


def test_the_login_form_itself_needs_a_csrf_token(csrf_app, staff):
    response = csrf_app.test_client().post("/login", data={
        "email": "sokha@example.org", "password": "correct horse battery"})
    assert response.status_code == 400


def test_csrf_header_is_accepted_for_fetch_requests(csrf_app, staff):
    client = ConsoleClient(csrf_app, staff["my_agent"])
    response = client.http.post("/console/zawgyi", json={"text": "hello"},
                                headers={"X-CSRFToken": client.token})
    assert response.status_code == 200
    assert response.get_json()["zawgyi"] is False


def test_twilio_webhooks_are_not_subject_to_csrf(csrf_app):
    response = csrf_app.test_client().post("/twilio/voice/status", data={"CallSid": "CA1"})
    # Refused by the Twilio signature check (403) or unknown (404) — never a CSRF 400.
    assert response.status_code != 400


def test_roles_guard_the_wallboard_and_admin(as_role):
    agent = as_role("km_agent")
    assert agent.get("/wallboard").status_code == 403
    assert agent.get("/admin/staff").status_code == 403
    supervisor = as_role("supervisor")
    assert supervisor.get("/wallboard").status_code == 200
    assert supervisor.get("/admin/staff").status_code == 403
    assert as_role("admin").get("/admin/staff").status_code == 200


def test_strangers_are_sent_to_login(csrf_app):
    response = csrf_app.test_client().get("/console/agent")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_ends_the_session(as_role):
    client = as_role("km_agent")
    assert client.post("/logout").status_code == 302
    assert client.get("/console/agent").status_code == 302


def test_agent_cannot_open_a_ticket_outside_their_languages(csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    burmese = make_ticket(services, language="my")
    khmer = make_ticket(services, language="km")
    agent = as_role("km_agent")
    assert agent.get(f"/console/tickets/{khmer}").status_code == 200
    assert agent.get(f"/console/tickets/{burmese}").status_code == 403
    assert agent.post(f"/console/tickets/{burmese}", {"status": "closed"}).status_code == 403
    listed = agent.get("/console/tickets").get_data(as_text=True)
    assert f"#{khmer}<" in listed and f"#{burmese}<" not in listed


def test_agent_can_open_a_ticket_assigned_to_them_in_another_language(csrf_app, as_role,
                                                                      staff):
    services = csrf_app.extensions["helpline"]
    assigned = make_ticket(services, language="my", assignee_id=staff["km_agent"].id)
    assert as_role("km_agent").get(f"/console/tickets/{assigned}").status_code == 200


def test_burmese_speakers_may_open_dialect_tickets(csrf_app, as_role):
    services = csrf_app.extensions["helpline"]
    shan = make_ticket(services, language="shn")
    assert as_role("my_agent").get(f"/console/tickets/{shan}").status_code == 200
    assert as_role("km_agent").get(f"/console/tickets/{shan}").status_code == 403


def test_supervisors_open_any_ticket(csrf_app, as_role):
    services = csrf_app.extensions["helpline"]
    khmer = make_ticket(services, language="km")
    assert as_role("supervisor").get(f"/console/tickets/{khmer}").status_code == 200


def test_ui_language_is_chosen_per_user(csrf_app, as_role):
    client = as_role("km_agent")
    assert client.post("/console/locale", {"locale": "th", "next": "/console/agent"}
                       ).status_code == 302
    page = client.get("/console/agent").get_data(as_text=True)
    assert '<html lang="th">' in page
    assert "ออกจากระบบ" in page  # "Log out" in Thai
    assert client.post("/console/locale", {"locale": "my"}).status_code == 302
    page = client.get("/console/agent").get_data(as_text=True)
    assert '<html lang="my">' in page
    assert client.post("/console/locale", {"locale": "xx"}).status_code == 400


def test_logout_takes_an_available_agent_offline(app, client, db_session):
    from call_routing.service import routing_service
    from tests.builders import create_staff_member, login_as

    agent = create_staff_member(db_session, email="leaving@example.org", skills={"km": 5})
    db_session.commit()
    login_as(client, agent)
    with app.app_context():
        routing = routing_service(app.extensions["helpline"])
        routing.set_state(agent.id, "available")
        assert routing.engine.agent(agent.id)["state"] == "available"
    assert client.post("/logout").status_code == 302
    with app.app_context():
        assert routing.engine.agent(agent.id)["state"] == "offline"
