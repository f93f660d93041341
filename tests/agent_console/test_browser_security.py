"""The security headers in a real browser (Debian's Chromium): every console page
carries them and runs with no Content-Security-Policy violation — htmx, Chart.js and
the console's own scripts included — and a page on another origin cannot frame it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.wrappers import Response

from helpline.security_headers import CONTENT_SECURITY_POLICY
from tests.agent_console.records import add_call, add_caller, add_recording, add_transcript
from tests.console_fixtures import LiveServer, add_team, browser_login, screenshot

pytestmark = pytest.mark.browser

HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
# Before any page script runs (Playwright injects it outside the page's CSP).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


class WatchedPage:
    """A page whose console, CSP violations and same-origin responses are recorded."""

    def __init__(self, page: Any, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.console: list[str] = []
        self.responses: list[Any] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda message: self.console.append(
            f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        page.on("response", self._response)

    def _response(self, response: Any) -> None:
        if response.url.startswith(self.origin):
            self.responses.append(response)

    def visit(self, path: str) -> None:
        response = self.page.goto(f"{self.origin}{path}")
        assert response is not None and response.status == 200, path
        self.page.wait_for_load_state("networkidle")
        self.assert_clean(path)

    def assert_clean(self, where: str) -> None:
        violations = self.page.evaluate("window.__violations")
        assert violations == [], f"{where}: {violations}"
        refused = [line for line in self.console
                   if "Content Security Policy" in line or "Refused to" in line
                   or line.startswith("pageerror")]
        assert refused == [], f"{where}: {refused}"

    def assert_every_response_has_the_headers(self) -> None:
        assert self.responses
        for response in self.responses:
            headers = response.all_headers()
            for name, value in HEADERS.items():
                assert headers.get(name) == value, (response.url, name)


@pytest.fixture
def team(live_app, password_hash):
    return add_team(live_app, password_hash)


def watched(browser, live_server) -> WatchedPage:
    return WatchedPage(browser(), live_server.url)


def test_login_page_has_the_headers_and_no_violation(live_server, team, browser):
    watch = watched(browser, live_server)
    watch.visit("/login")
    watch.assert_every_response_has_the_headers()


def test_agent_pages_run_their_scripts_under_the_policy(live_app, live_server, team, browser):
    services = live_app.extensions["helpline"]
    caller = add_caller(services)
    call_id = add_call(services, call_sid="CAcsp", caller_id=caller, outcome="voicemail")
    recording = add_recording(services, call_id=call_id)
    add_transcript(services, recording_id=recording)
    watch = watched(browser, live_server)
    browser_login(watch.page, live_server.url, "sokha@example.org")
    watch.visit("/console/agent")
    page = watch.page
    # The tabs, once an inline onclick: selecting one moves aria-selected and htmx loads it.
    page.click("#tab-voicemails")
    page.wait_for_selector("#tab-voicemails[aria-selected=true]")
    assert page.get_attribute("#tab-tickets", "aria-selected") == "false"
    page.wait_for_selector("#voicemails >> text=Listen")
    page.click("#go-available")  # agent.js through the routing API
    page.wait_for_selector("#presence-state[data-state=available]")
    page.click("#go-offline")
    page.wait_for_selector("#presence-state[data-state=offline]")
    watch.assert_clean("agent screen")
    page.click("#voicemails >> text=Listen")
    page.wait_for_selector(".transcript .word")
    watch.assert_clean("recording")
    for path in ("/console/tickets", "/console/tickets/new?language=km"):
        watch.visit(path)
    # The UI language select, once an inline onchange, still submits its form.
    page.select_option("#locale", "th")
    page.wait_for_selector("html[lang=th]")
    watch.assert_clean("locale change")
    screenshot(page, "csp-agent-thai")
    watch.assert_every_response_has_the_headers()


def test_wallboard_draws_its_chart_and_streams_under_the_policy(live_server, team, browser):
    watch = watched(browser, live_server)
    browser_login(watch.page, live_server.url, "sup@example.org")
    watch.visit("/wallboard")
    watch.page.wait_for_selector("#live-status.connected")
    assert watch.page.evaluate(
        "!!(window.Chart && Chart.getChart(document.getElementById('calls-chart')))")
    watch.assert_clean("wallboard")
    watch.assert_every_response_has_the_headers()


def test_admin_pages_have_the_headers_and_no_violation(live_server, team, browser):
    watch = watched(browser, live_server)
    browser_login(watch.page, live_server.url, "admin@example.org")
    for path in ("/admin/staff", "/admin/staff/new", "/admin/numbers", "/admin/prompts",
                 "/admin/rota", "/console/tickets"):
        watch.visit(path)
    watch.assert_every_response_has_the_headers()


# ---------------------------------------------------------------- framing

class OtherOrigin(LiveServer):
    """A site on another origin (localhost, not 127.0.0.1) with two frames: the
    console's login page, and one of its own pages as a control that framing works."""

    def __init__(self, console_url: str) -> None:
        self.console_url = console_url
        super().__init__(self.frames, host="localhost")

    def frames(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/own":
            body = "<p id='own'>framed fine</p>"
        else:
            body = (f"<iframe id='own' src='{self.url}/own'></iframe>"
                    f"<iframe id='console' src='{self.console_url}/login'></iframe>")
        return Response(body, mimetype="text/html")(environ, start_response)


@pytest.fixture
def other_origin(live_server) -> Iterator[OtherOrigin]:
    with OtherOrigin(live_server.url) as site:
        yield site


def test_a_page_on_another_origin_cannot_frame_the_console(live_server, team, other_origin,
                                                           browser):
    page = browser()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(other_origin.url)
    page.wait_for_load_state("networkidle")
    # The control frame loads, so a frame that stays empty was refused, not slow.
    assert page.frame_locator("#own").locator("#own").inner_text() == "framed fine"
    console_frame = next(frame for frame in page.frames
                         if frame.url.startswith(live_server.url) or frame.name == "console"
                         or frame.url.startswith("chrome-error"))
    assert console_frame.locator("#email").count() == 0
    assert page.frame_locator("#console").locator("form").count() == 0
    assert any("frame-ancestors" in text for text in messages), messages
    screenshot(page, "console-framing-refused")
