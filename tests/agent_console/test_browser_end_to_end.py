"""The whole path in a real browser: a simulated caller on the Khmer line (the local
Twilio stand-in, over real HTTP) reaches the Khmer agent in the console; the agent
accepts, is bridged on the simulated softphone, fills in a ticket, hangs up and
wraps up; meanwhile the supervisor's wallboard shows the waiting count rise and fall
live."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from agent_console.models import Ticket
from helpline.clock import SimulatedClock
from helpline.settings import load_settings
from simulator.control import make_control_blueprint
from simulator.server import numbers_json
from simulator.serving import ServedApp
from tests.agent_console.conftest import add_staff, browser_login, screenshot
from tests.builders import make_environ
from tests.stand_in import CLOCK_START, StandIn

pytestmark = pytest.mark.browser

KHMER_LINE = "+661800000102"


@pytest.fixture
def console_stand_in(tmp_path: Path, database_url: str, redis_url: str, redis_client):
    """The stand-in with its `/sim/*` control API, which the console's simulated
    softphone drives (as `helpline run` serves it)."""
    clock = SimulatedClock(start=CLOCK_START)
    app_server, rest_server = ServedApp(), ServedApp()
    settings = load_settings(make_environ(
        tmp_path, DATABASE_URL=database_url, REDIS_URL=redis_url,
        TWILIO_API_BASE=rest_server.url, PUBLIC_BASE_URL=app_server.url))
    stand = StandIn(settings=settings, clock=clock, tmp_path=tmp_path,
                    app_server=app_server, rest_server=rest_server)
    rest_server.app.register_blueprint(
        make_control_blueprint(stand.engine, numbers_json(stand.services.config)))
    stand.app.config["CONSOLE_SSE_HEARTBEAT_SECONDS"] = 2
    # Prompts and hold time pass at a tenth of real time: fast, yet the agent in the
    # browser has real seconds to click.
    stand.pace = 0.1
    stand.start()
    yield stand
    stand.stop()


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
