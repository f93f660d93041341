"""The whole path in a real browser: a simulated caller on the Khmer line (the local
Twilio stand-in, over real HTTP) reaches the Khmer agent in the console; the agent
accepts, is bridged on the simulated softphone, fills in a ticket, hangs up and
wraps up; meanwhile the supervisor's wallboard shows the waiting count rise and fall
live."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases.models import Ticket
from tests.console_fixtures import add_staff, browser_login, screenshot

pytestmark = pytest.mark.browser

KHMER_LINE = "+661800000102"


def test_khmer_caller_reaches_the_agent_in_the_browser(console_stand_in, password_hash,
                                                       browser):
    stand = console_stand_in
    agent = add_staff(stand.app, password_hash, email="sokha@example.org", role="agent",
                      skills={"km": 5}, display_name="Sokha")
    add_staff(stand.app, password_hash, email="sup@example.org", role="supervisor",
              skills={"km": 3}, display_name="Su")

    wall = browser()
    browser_login(wall, stand.app_url, "sup@example.org")
    wall.wait_for_selector("#live-status.connected")

    page = browser()
    browser_login(page, stand.app_url, "sokha@example.org")
    page.wait_for_selector("#softphone-status[data-mode=simulated]")
    page.click("#go-available")
    page.wait_for_selector("#presence-state[data-state=available]")
    assert stand.engine.endpoints.find("client", f"agent-{agent.id}") is not None

    call = stand.start_call(to=KHMER_LINE, press=["1"])
    # The offer rings in the agent's browser; the wallboard counts the caller waiting.
    page.wait_for_selector("#offer:not(.hidden)", timeout=20_000)
    assert "Khmer" in page.inner_text("#offer-language")
    wall.wait_for_selector("#tile-km [data-field=waiting]:text-is('1')")
    screenshot(wall, "e2e-wallboard-caller-waiting")
    screenshot(page, "e2e-agent-offer")

    page.click("#accept-call")
    page.wait_for_selector("#active-call:not(.hidden)")
    page.wait_for_selector("#caller-reference:has-text('C-')")
    # The console answered the simulated softphone: caller and agent are bridged.
    call.wait_until(lambda live: live.bridged_to == f"client:agent-{agent.id}", timeout=15)
    wall.wait_for_selector("#tile-km [data-field=waiting]:text-is('0')")

    page.wait_for_selector("#ticket-form")
    page.select_option("#category", "ilo.withholding_of_wages")
    page.select_option("#priority", "high")
    page.fill("#notes", "Three months of wages unpaid at a seafood plant.")
    page.fill("#employer", "Ocean Catch Co")
    page.fill("#location", "Samut Sakhon")
    page.click("#save-ticket")
    page.wait_for_selector("#ticket-saved")
    screenshot(page, "e2e-agent-on-call-ticket-saved")

    page.click("#hang-up")
    page.wait_for_selector("#wrap-up:not(.hidden)", timeout=15_000)
    screenshot(page, "e2e-agent-wrap-up")
    result = call.result(timeout=20)
    assert result.outcome["kind"] == "bridged"
    assert result.outcome["agent"] == f"agent-{agent.id}"

    page.click("#wrap-up-done")
    page.wait_for_selector("#presence-state[data-state=available]")

    with stand.services.db.session() as session:
        ticket = session.scalar(select(Ticket))
        assert ticket.language == "km" and ticket.category == "ilo.withholding_of_wages"
        assert ticket.assignee_id == agent.id and ticket.priority == "high"
        assert [c.call_sid for c in ticket.calls] == [call.call.sid]
