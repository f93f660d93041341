"""The console in a real browser (Debian's Chromium through Playwright) against the
app served by a real threaded WSGI server, a real Redis and a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from agent_console.models import AuditEntry
from tests.agent_console.records import add_call, add_caller, add_recording, add_transcript
from tests.console_fixtures import add_team, browser_login, screenshot

pytestmark = pytest.mark.browser

ZAWGYI_TEXT = "အျပည္ျပည္ဆိုင္ရာ လူ႔အခြင့္အေရး ေၾကညာစာတမ္း"


@pytest.fixture
def team(live_app, password_hash):
    return add_team(live_app, password_hash)


def audit_count(services, action: str) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.count(AuditEntry.id))
                              .where(AuditEntry.action == action))


def test_login_page_and_a_wrong_password(live_server, team, browser):
    page = browser()
    page.goto(f"{live_server.url}/login")
    screenshot(page, "login")
    page.fill("#email", "sokha@example.org")
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    assert "Email or password is not right" in page.inner_text("#login-error")


def test_agent_goes_available_through_the_routing_api(live_server, team, browser):
    page = browser()
    browser_login(page, live_server.url, "sokha@example.org")
    assert page.url.endswith("/console/agent")
    page.click("#go-available")
    page.wait_for_selector("#presence-state[data-state=available]")
    page.select_option("#break-reason", "meal")
    page.click("#go-break")
    page.wait_for_selector("#presence-state[data-state=break]")
    screenshot(page, "agent-on-break")
    page.click("#go-offline")
    page.wait_for_selector("#presence-state[data-state=offline]")


def test_ticket_form_warns_about_zawgyi_and_saves(live_server, team, browser):
    page = browser()
    browser_login(page, live_server.url, "aye@example.org")
    page.goto(f"{live_server.url}/console/tickets/new?language=my")
    page.select_option("#category", "ilo.retention_of_identity_documents")
    page.fill("#notes", ZAWGYI_TEXT)
    page.wait_for_selector("#notes-zawgyi:not(.hidden)")
    screenshot(page, "ticket-zawgyi-warning")
    page.fill("#notes", "အပြည်ပြည်ဆိုင်ရာ လူ့အခွင့်အရေး")  # retyped in Unicode
    page.wait_for_selector("#notes-zawgyi.hidden", state="attached")
    page.fill("#employer", "Golden Fish Co")
    page.click("#save-ticket")
    page.wait_for_url("**/console/tickets/1?saved=1")
    assert page.input_value("#employer") == "Golden Fish Co"
    assert page.input_value("#category") == "ilo.retention_of_identity_documents"


def test_recording_player_seeks_when_a_word_is_clicked(live_app, live_server, team, browser):
    services = live_app.extensions["helpline"]
    caller = add_caller(services)
    call_id = add_call(services, call_sid="CAvm", caller_id=caller, outcome="voicemail")
    recording = add_recording(services, call_id=call_id)
    add_transcript(services, recording_id=recording)
    page = browser()
    browser_login(page, live_server.url, "sokha@example.org")
    page.click("#tab-voicemails")
    page.click("#voicemails >> text=Listen")
    page.wait_for_selector(".transcript .word")
    assert audit_count(services, "transcript_viewed") == 1
    page.click(".word:has-text('paid')")
    page.wait_for_function("document.getElementById('player').currentTime >= 1.1")
    page.wait_for_function("!document.getElementById('player').paused || "
                           "document.getElementById('player').ended")
    screenshot(page, "recording-player")
    assert audit_count(services, "recording_played") >= 1


def test_wallboard_updates_live_without_reloading(live_app, live_server, team, browser):
    from call_routing.service import routing_service

    services = live_app.extensions["helpline"]
    routing = routing_service(services)
    routing.set_state(team["km_agent"].id, "break", "meal")
    page = browser()
    browser_login(page, live_server.url, "sup@example.org")
    assert page.url.endswith("/wallboard")
    page.wait_for_selector("#live-status.connected")
    page.evaluate("window.__sameDocument = true")
    routing.engine.join("CAwb1", "km")
    page.wait_for_selector("#tile-km [data-field=waiting]:text-is('1')")
    routing.engine.join("CAwb2", "km")
    page.wait_for_selector("#tile-km [data-field=waiting]:text-is('2')")
    screenshot(page, "wallboard")
    routing.engine.leave("CAwb1", "abandoned")
    page.wait_for_selector("#tile-km [data-field=waiting]:text-is('1')")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert "On break" in page.inner_text("#agents-table")


def test_admin_pages(live_server, team, browser):
    page = browser()
    browser_login(page, live_server.url, "admin@example.org")
    screenshot(page, "admin-staff")
    page.click("#add-staff")
    page.fill("#email", "dara@example.org")
    page.fill("#display_name", "Dara")
    page.fill("#password", "a long enough password")
    page.select_option("#skill_km", "4")
    page.click("#save-staff")
    page.wait_for_selector("tr[data-staff='dara@example.org']")
    page.goto(f"{live_server.url}/admin/numbers")
    page.wait_for_selector("#config-ok")
    screenshot(page, "admin-numbers")
    page.goto(f"{live_server.url}/admin/prompts")
    screenshot(page, "admin-prompts")


def test_thai_and_burmese_interfaces(live_server, team, browser):
    page = browser()
    browser_login(page, live_server.url, "sokha@example.org")
    page.select_option("#locale", "th")
    page.wait_for_selector("html[lang=th]")
    assert "สถานะของฉัน" in page.inner_text("main")
    screenshot(page, "agent-thai")
    page.select_option("#locale", "my")
    page.wait_for_selector("html[lang=my]")
    assert "ကျွန်ုပ်၏ အခြေအနေ" in page.inner_text("main")
    screenshot(page, "agent-burmese")


def test_agent_types_a_human_transcript_for_a_language_without_a_model(live_app, live_server,
                                                                      team, browser):
    services = live_app.extensions["helpline"]
    recording = add_recording(services)
    add_transcript(services, recording_id=recording, status="awaiting_human")
    page = browser()
    browser_login(page, live_server.url, "sokha@example.org")
    page.click("#tab-transcription")
    page.click("#transcription-queue >> text=Open")
    page.fill("textarea[name=text]", "My employer kept my passport.")
    page.click("form.human-transcript button[type=submit]")
    page.wait_for_selector("#transcript-mono:has-text('kept my passport')")
    screenshot(page, "human-transcript-saved")
    assert audit_count(services, "transcript_viewed") == 1


def test_admin_prompt_matrix_shows_the_catalogue(live_server, team, browser):
    page = browser()
    browser_login(page, live_server.url, "admin@example.org")
    page.goto(f"{live_server.url}/admin/prompts")
    cell = page.locator("[data-cell='km/welcome']")
    assert cell.get_attribute("data-state") != "missing"
    assert page.locator("[data-cell='th/welcome']").get_attribute("data-state") in (
        "recorded", "tts", "say")
