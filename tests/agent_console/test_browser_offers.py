"""Offers as the agent sees them, in a real browser (Debian's Chromium) against the app
and the Twilio stand-in over real HTTP: a missed offer says so and is one click from
Ready (and the wallboard says the same), and a callback request's offer card says it
is a callback — then, answered, it leaves the Callbacks list."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from call_routing.service import routing_service
from ivr.models import CallbackRequest
from tests.console_fixtures import add_staff, browser_login, screenshot

pytestmark = pytest.mark.browser

KHMER_LINE = "+661800000102"
CALLER = "+855912345678"


def until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def request_status(stand) -> str | None:
    with stand.services.db.session() as session:
        return session.scalar(select(CallbackRequest.status))


def test_a_missed_offer_says_so_and_one_click_makes_the_agent_ready(console_stand_in,
                                                                    password_hash, browser):
    stand = console_stand_in
    agent = add_staff(stand.app, password_hash, email="sokha@example.org", role="agent",
                      skills={"km": 5}, display_name="Sokha")
    add_staff(stand.app, password_hash, email="sup@example.org", role="supervisor",
              skills={"km": 3}, display_name="Su")
    routing = routing_service(stand.services)

    page = browser()
    browser_login(page, stand.app_url, "sokha@example.org")
    page.wait_for_selector("#softphone-status[data-mode=simulated]")
    page.click("#go-available")
    page.wait_for_selector("#presence-state[data-state=available]")

    call = stand.start_call(to=KHMER_LINE, press=["1"])
    page.wait_for_selector("#offer:not(.hidden)", timeout=20_000)
    assert page.get_attribute("#offer", "data-kind") == "call"
    assert page.inner_text("#offer-title") == "Incoming call"
    # From here the caller's hold passes in real time; the agent does not answer and
    # routing's tick lets the offer lapse at its deadline.
    stand.pace = 1.0
    stand.clock.advance(stand.services.config.queue.reservation_timeout_seconds + 1)
    routing.tick()

    page.wait_for_selector("#presence-state[data-state=break][data-reason=missed]")
    assert page.inner_text("#offer-break-text") == "Missed offer — you are on break"
    assert "Missed offer" in page.inner_text("#presence-state")
    assert page.is_hidden("#offer")
    # The break menu says what the break is, not "Meal".
    assert page.input_value("#break-reason") == "missed"
    assert page.eval_on_selector("#break-reason", "s => s.selectedOptions[0].textContent") \
        == "Missed offer"
    screenshot(page, "agent-missed-offer")

    wall = browser()
    browser_login(wall, stand.app_url, "sup@example.org")
    wall.wait_for_selector("#agents-table .pill.break[data-reason=missed]")
    assert "On break · Missed offer" in wall.inner_text("#agents-table")

    page.click("#ready-again")
    # Ready again: the caller kept their place, so the same call is offered at once.
    page.wait_for_selector("#offer:not(.hidden)")
    assert page.is_hidden("#offer-break")
    assert routing.engine.offer_for(agent.id).call_sid == call.call.sid
    page.click("#accept-call")
    page.wait_for_selector("#active-call:not(.hidden)")
    call.wait_until(lambda live: bool(live.bridged_to), timeout=15)
    # A break of one's own is still chosen from the menu afterwards.
    assert page.eval_on_selector_all("#break-reason option:not([disabled])",
                                     "options => options.map(o => o.value)") == [
        "meal", "rest", "training", "meeting", "admin_work"]


def test_a_callback_offer_looks_like_a_callback_and_leaves_the_list_when_answered(
        console_stand_in, password_hash, browser):
    stand = console_stand_in
    add_staff(stand.app, password_hash, email="sokha@example.org", role="agent",
              skills={"km": 5}, display_name="Sokha")
    asked = stand.call(to=KHMER_LINE, from_=CALLER, press=["3", "1"])
    assert "callback_confirmed" in asked.prompt_ids
    caller_phone = stand.phone(CALLER, answer_after=1, talk_seconds=5)

    page = browser()
    browser_login(page, stand.app_url, "sokha@example.org")
    page.wait_for_selector("#softphone-status[data-mode=simulated]")
    page.click("#tab-callbacks")
    page.wait_for_selector("#callbacks tr[data-callback]")
    assert "C-" in page.inner_text("#callbacks")

    page.click("#go-available")
    page.wait_for_selector("#offer:not(.hidden)")
    assert page.get_attribute("#offer", "data-kind") == "callback"
    assert page.inner_text("#offer-title") == "Callback request"
    assert "Nobody is on the line" in page.inner_text("#offer-hint")
    assert page.inner_text("#offer-language").startswith("Khmer")
    assert page.inner_text("#offer-caller-reference").startswith("C-")
    assert page.inner_text("#offer-waited-line").startswith("Asked to be called back ")
    assert page.inner_text("#offer-waited-line").endswith(" ago")
    assert "912345678" not in page.inner_text("#offer")       # never the caller's number
    screenshot(page, "agent-callback-offer")

    page.click("#accept-call")
    # The agent's softphone rings first (the console answers it), then the caller's phone.
    until(lambda: [ring["result"] for ring in caller_phone.rings] == ["answered"])
    until(lambda: request_status(stand) == "done")
    page.wait_for_selector("#wrap-up:not(.hidden)", timeout=20_000)
    page.wait_for_selector("#work-list >> text=No callbacks waiting in your languages.")


def test_call_back_now_from_the_list(console_stand_in, password_hash, browser):
    stand = console_stand_in
    add_staff(stand.app, password_hash, email="sokha@example.org", role="agent",
              skills={"km": 5}, display_name="Sokha")
    asked = stand.call(to=KHMER_LINE, from_=CALLER, press=["3", "1"])
    assert "callback_confirmed" in asked.prompt_ids
    caller_phone = stand.phone(CALLER, answer_after=1, talk_seconds=5)

    page = browser()
    browser_login(page, stand.app_url, "sokha@example.org")
    page.wait_for_selector("#softphone-status[data-mode=simulated]")
    page.select_option("#break-reason", "admin_work")
    page.click("#go-break")        # not taking calls, yet free to make this one
    page.wait_for_selector("#presence-state[data-state=break][data-reason=admin_work]")
    page.click("#tab-callbacks")
    page.click("#callbacks [data-call-back-now]")
    page.wait_for_selector("#active-call:not(.hidden)")
    page.wait_for_selector("#caller-reference:has-text('C-')")
    until(lambda: [ring["result"] for ring in caller_phone.rings] == ["answered"])
    until(lambda: request_status(stand) == "done")
    page.wait_for_selector("#wrap-up:not(.hidden)", timeout=20_000)
    page.wait_for_selector("#work-list >> text=No callbacks waiting in your languages.")


def test_an_interpreter_is_offered_the_call_joins_and_reads_it(console_stand_in,
                                                              password_hash, browser):
    stand = console_stand_in
    add_staff(stand.app, password_hash, email="sokha@example.org", role="agent",
              skills={"km": 5}, display_name="Sokha")
    add_staff(stand.app, password_hash, email="malee@example.org", role="agent",
              skills={"th": 5}, display_name="Malee")

    owner, helper = browser(), browser()
    for page, email in ((owner, "sokha@example.org"), (helper, "malee@example.org")):
        browser_login(page, stand.app_url, email)
        page.wait_for_selector("#softphone-status[data-mode=simulated]")
        page.click("#go-available")
        page.wait_for_selector("#presence-state[data-state=available]")

    call = stand.start_call(to=KHMER_LINE, press=["1"])
    owner.wait_for_selector("#offer:not(.hidden)", timeout=20_000)
    owner.click("#accept-call")
    owner.wait_for_selector("#ticket-form")
    call.wait_until(lambda live: bool(live.bridged_to), timeout=15)
    owner.select_option("#category", "ilo.withholding_of_wages")
    owner.fill("#employer", "Ocean Catch Co")
    owner.click("#save-ticket")
    owner.wait_for_selector("#ticket-saved")

    owner.click("#call-tools summary")
    owner.select_option("#transfer-agent", label="Malee")
    owner.click("#add-interpreter")
    owner.wait_for_selector("#interpreter-status[data-where=invited]")
    assert "Waiting for Malee" in owner.inner_text("#interpreter-status")

    helper.wait_for_selector("#offer[data-kind=interpreter]:not(.hidden)")
    assert helper.inner_text("#offer-title") == "Interpreter request"
    assert helper.inner_text("#offer-hint").startswith("Sokha asks you to interpret")
    assert helper.inner_text("#offer-language").startswith("Khmer")
    screenshot(helper, "interpreter-offer")
    helper.click("#accept-call")

    helper.wait_for_selector("#interpreter-note")
    assert helper.inner_text("#call-language").startswith("Khmer")
    assert helper.inner_text("#caller-reference").startswith("C-")
    assert "Ocean Catch Co" in helper.inner_text("#ticket-read")
    assert helper.is_hidden("#hang-up") and helper.is_visible("#leave-call")
    assert helper.inner_text("#interpreting-for") == "Interpreting for Sokha."
    assert helper.locator("#ticket-form").count() == 0      # read only
    screenshot(helper, "interpreter-in-call")
    owner.wait_for_selector("#interpreter-status[data-where=joined]")
    assert owner.inner_text("#interpreter-status") == "Malee has joined as interpreter."
