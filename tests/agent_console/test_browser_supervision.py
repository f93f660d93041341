"""A supervisor's controls and the agent's keyboard in a real browser (Debian's
Chromium), against the app and the Twilio stand-in over real HTTP: from the wallboard
the supervisor puts an agent on a break (her screen says who did it, and why) and
reassigns a waiting Nepali caller to her; when she is ready the caller is offered to
her, and the A key accepts it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agent_console.models import AuditEntry
from call_routing.service import routing_service
from tests.builders import put_agent_on_a_call
from tests.console_fixtures import add_staff, browser_login, screenshot

pytestmark = pytest.mark.browser

NEPALI_LINE = "+661800000104"


def test_supervisor_sets_a_break_and_reassigns_a_caller_whom_a_key_accepts(
        console_stand_in, password_hash, browser):
    stand = console_stand_in
    # Someone serves Nepali (busy on another call), so the caller waits in line.
    put_agent_on_a_call(stand.services, email="busy@example.org", skills={"ne": 5})
    kamala = add_staff(stand.app, password_hash, email="kamala@example.org", role="agent",
                       skills={"ne": 5}, display_name="Kamala")
    add_staff(stand.app, password_hash, email="sup@example.org", role="supervisor",
              skills={"en": 5}, display_name="Su")
    engine = routing_service(stand.services).engine

    agent = browser()
    browser_login(agent, stand.app_url, "kamala@example.org")
    agent.wait_for_selector("#softphone-status[data-mode=simulated]")
    assert "A accept" in " ".join(agent.inner_text("#shortcut-legend").split())
    agent.click("#go-available")
    agent.wait_for_selector("#presence-state[data-state=available]")

    wall = browser()
    browser_login(wall, stand.app_url, "sup@example.org")
    wall.click(f"#agents-table tr[data-agent='{kamala.id}'] [data-manage]")
    wall.select_option("#force-state", "break")
    wall.fill("#force-reason", "team briefing")
    wall.click("#force-apply")
    agent.wait_for_selector("#forced-notice:not(.hidden)")
    assert agent.inner_text("#forced-notice") == \
        "Su (supervisor) set your status. Reason: team briefing"
    agent.wait_for_selector("#presence-state[data-state=break]")

    call = stand.start_call(to=NEPALI_LINE, press=["1"], from_="+9779800000003")
    row = f"#work-table tr[data-sid='{call.call.sid}']"
    wall.wait_for_selector(row, timeout=20_000)
    wall.select_option(f"{row} select", str(kamala.id))
    wall.click(f"{row} [data-reassign]")
    wall.wait_for_function(
        "sel => (document.querySelector(sel) || {}).textContent?.includes('Waiting for Kamala')",
        arg=row)
    assert wall.inner_text("#supervisor-message") == "Reassigned to Kamala."
    screenshot(wall, "wallboard-supervisor-controls")

    agent.click("#go-available")
    agent.wait_for_selector("#offer:not(.hidden)", timeout=20_000)
    assert agent.get_attribute("#accept-call", "title") == "Accept (A)"
    agent.locator("body").focus()
    agent.keyboard.press("a")
    agent.wait_for_selector("#active-call:not(.hidden)", timeout=20_000)
    assert engine.agent(kamala.id)["state"] == "on_call"
    assert engine.status(call.call.sid).agent_id == kamala.id
    screenshot(agent, "agent-accepted-by-key")

    with stand.services.db.session() as session:
        actions = session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.in_(("agent_state_forced", "work_reassigned")))
            .order_by(AuditEntry.id)).all()
    assert actions == ["agent_state_forced", "work_reassigned"]
    call.call.control.hangup("test")
