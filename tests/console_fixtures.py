"""Fixtures for the console's pages (agent_console, cases), for every test folder: an
app with CSRF switched on (as in production), logged-in clients per role, and a live
server on a free port driven by Debian's Chromium. One plugin (registered in
tests/conftest.py), so one session-scoped Playwright per worker."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from agent_console.models import StaffSkill, StaffUser
from agent_console.staff import hash_password
from helpline.app import create_app
from helpline.clock import SimulatedClock
from helpline.settings import load_settings
from simulator.phone.control import make_control_blueprint
from simulator.server import numbers_json
from simulator.serving import ServedApp
from tests.builders import make_environ
from tests.stand_in import CLOCK_START, StandIn

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"


@pytest.fixture
def csrf_app(settings, redis_client, tmp_path):
    """The app as it runs for real: CSRF checked on every state-changing request."""
    application = create_app(settings, test_config={
        "TESTING": True, "WTF_CSRF_ENABLED": True,
        "PROMPT_AUDIO_DIR": str(tmp_path / "prompt-audio")})
    yield application
    application.extensions["helpline"].db.dispose()


@pytest.fixture(scope="session")
def password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once per session.
    return hash_password(PASSWORD)


def add_staff(app, password_hash: str, *, email: str, role: str, skills: dict[str, int],
              display_name: str) -> StaffUser:
    with app.extensions["helpline"].db.session() as session:
        user = StaffUser(email=email, role=role, password_hash=password_hash,
                         display_name=display_name, ui_locale="en",
                         skills=[StaffSkill(language=code, proficiency=level)
                                 for code, level in skills.items()])
        session.add(user)
        session.flush()
        return user


STAFF = {
    "km_agent": ("sokha@example.org", "agent", {"km": 5}, "Sokha"),
    "my_agent": ("aye@example.org", "agent", {"my": 5}, "Aye"),
    "supervisor": ("sup@example.org", "supervisor", {"my": 3}, "Su"),
    "admin": ("admin@example.org", "admin", {"en": 5}, "Admin"),
}


def add_team(app, password_hash: str) -> dict[str, StaffUser]:
    return {key: add_staff(app, password_hash, email=email, role=role, skills=skills,
                           display_name=name)
            for key, (email, role, skills, name) in STAFF.items()}


@pytest.fixture
def staff(csrf_app, password_hash) -> dict[str, Any]:
    """One of each: a Khmer agent, a Burmese agent, a supervisor, an admin."""
    return add_team(csrf_app, password_hash)


class ConsoleClient:
    """A test client that logs in through the real form and keeps its CSRF token."""

    def __init__(self, app, user=None) -> None:
        self.http = app.test_client()
        self.token = ""
        if user is not None:
            self.login(user.email)

    def refresh_token(self, path: str = "/login") -> str:
        page = self.http.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert match, "every page carries the CSRF meta tag"
        self.token = match.group(1)
        return self.token

    def login(self, email: str, password: str = PASSWORD):
        self.refresh_token("/login")
        response = self.http.post("/login", data={"email": email, "password": password,
                                                  "csrf_token": self.token})
        if response.status_code == 302:
            self.refresh_token("/console/tickets")
        return response

    def get(self, path: str, **kwargs: Any):
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any):
        return self.http.post(path, data={**(data or {}), "csrf_token": self.token}, **kwargs)


@pytest.fixture
def as_role(csrf_app, staff):
    def make(role: str) -> ConsoleClient:
        return ConsoleClient(csrf_app, staff[role])
    return make


# ---------------------------------------------------------------- live server + browser

class LiveServer:
    """A WSGI app served on a free port of `host` in a thread, for the browser."""

    def __init__(self, app, host: str = "127.0.0.1") -> None:
        self.app = app
        self.server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(10)


@pytest.fixture
def live_app(settings, redis_client, tmp_path):
    """The real app (CSRF on, not in testing mode) for the browser."""
    application = create_app(settings, test_config={
        "PROMPT_AUDIO_DIR": str(tmp_path / "prompt-audio"),
        "CONSOLE_WALLBOARD_POLL_SECONDS": 0.5})
    yield application
    application.extensions["helpline"].db.dispose()


@pytest.fixture
def live_server(live_app) -> Iterator[LiveServer]:
    with LiveServer(live_app) as server:
        yield server


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
    stand.app.config["CONSOLE_WALLBOARD_POLL_SECONDS"] = 0.5
    # Prompts and hold time pass at a tenth of real time: fast, yet the agent in the
    # browser has real seconds to click.
    stand.pace = 0.1
    stand.start()
    yield stand
    stand.stop()


@pytest.fixture(scope="session")
def playwright():
    """One Playwright per test process: its sync API refuses a second one started
    while the first is alive, so every browser in the session is launched from it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def chromium(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser(chromium):
    """A fresh browser context per test (own cookies), closed afterwards."""
    contexts = []

    def new_page(**kwargs: Any):
        context = chromium.new_context(viewport={"width": 1400, "height": 900}, **kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def browser_login(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
