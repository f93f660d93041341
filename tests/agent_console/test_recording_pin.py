"""The recording PIN page: a staff member sets their PIN (password asked again),
trivial or mismatched PINs are refused with a reason, the PIN is stored only as an
Argon2 hash, and every change is audited."""

from __future__ import annotations

from sqlalchemy import select

from agent_console.models import AuditEntry
from prompts.recording_line.models import RecordingPin
from tests.console_fixtures import PASSWORD


def pin_row(app, staff_id: int) -> RecordingPin | None:
    with app.extensions["helpline"].db.session() as session:
        row = session.get(RecordingPin, staff_id)
        if row is not None:
            session.expunge(row)
        return row


def actions(app) -> list[tuple[str, str, int | None]]:
    with app.extensions["helpline"].db.session() as session:
        return [(a.action, a.subject_id, a.actor_id) for a in session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("recording_pin%"))
            .order_by(AuditEntry.id))]


def test_a_staff_member_sets_and_removes_their_pin(csrf_app, as_role, staff):
    agent, me = as_role("km_agent"), staff["km_agent"]
    page = agent.get("/console/recording-pin").get_data(as_text=True)
    assert f'data-staff-number>{me.id}<' in page and "+661800000190" in page
    assert 'data-has-pin="no"' in page

    response = agent.post("/console/recording-pin", {"pin": "730519", "pin_again": "730519",
                                                     "password": PASSWORD})
    assert response.status_code == 303
    row = pin_row(csrf_app, me.id)
    assert row is not None and row.pin_hash.startswith("$argon2id$")
    assert "730519" not in row.pin_hash
    assert 'data-has-pin="yes"' in agent.get("/console/recording-pin").get_data(as_text=True)

    assert agent.post("/console/recording-pin", {"remove": "1", "password": PASSWORD}
                      ).status_code == 303
    assert pin_row(csrf_app, me.id) is None
    assert actions(csrf_app) == [("recording_pin_set", str(me.id), me.id),
                                 ("recording_pin_cleared", str(me.id), me.id)]


def test_refused_pins_say_why_and_change_nothing(csrf_app, as_role, staff):
    agent = as_role("km_agent")
    cases = [
        ({"pin": "730519", "pin_again": "730519", "password": "wrong password"},
         "password was not right"),
        ({"pin": "730519", "pin_again": "730518", "password": PASSWORD}, "not the same"),
        ({"pin": "1234", "pin_again": "1234", "password": PASSWORD}, "6 to 8 digits"),
        ({"pin": "123456", "pin_again": "123456", "password": PASSWORD}, "too easy"),
        ({"pin": "777777", "pin_again": "777777", "password": PASSWORD}, "too easy"),
    ]
    for form, reason in cases:
        response = agent.post("/console/recording-pin", form)
        assert response.status_code == 422, form
        assert reason in response.get_data(as_text=True), form
    assert pin_row(csrf_app, staff["km_agent"].id) is None
    assert actions(csrf_app) == []


def test_the_page_needs_a_login(csrf_app):
    response = csrf_app.test_client().get("/console/recording-pin")
    assert response.status_code in (302, 401)
