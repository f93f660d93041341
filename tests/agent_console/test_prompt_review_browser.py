"""Prompt review in Chromium: an admin uploads a Khmer recording (a draft) and makes a
Khmer speaker a reviewer; the reviewer approves it from the matrix; the cell then says
callers hear a reviewed recording, and the resolver plays it to Khmer callers."""

from __future__ import annotations

import subprocess

import pytest

from tests.console_fixtures import add_team, browser_login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def team(live_app, password_hash):
    return add_team(live_app, password_hash)


def test_a_reviewer_approves_a_khmer_recording_in_the_matrix(live_app, live_server, team,
                                                             browser, tmp_path):
    clip = tmp_path / "welcome.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(clip), "Welcome, in Khmer"],
                   check=True, capture_output=True, timeout=30)
    admin = browser()
    browser_login(admin, live_server.url, "admin@example.org")
    admin.goto(f"{live_server.url}/admin/prompts")
    assert admin.get_attribute("[data-cell='km/welcome']", "data-state") == "fallback:th"
    admin.set_input_files("[data-cell='km/welcome'] input[type=file]", str(clip))
    admin.click("[data-cell='km/welcome'] form[enctype] button[type=submit]")
    admin.wait_for_selector("[data-cell='km/welcome'][data-state='recorded']")
    admin.select_option("#grant-reviewer select[name=staff_id]",
                        label="sokha@example.org")
    admin.select_option("#grant-reviewer select[name=language]", "km")
    admin.click("#grant-reviewer button[type=submit]")
    admin.wait_for_selector("[data-reviewer='km/sokha@example.org']")

    reviewer = browser()
    browser_login(reviewer, live_server.url, "sokha@example.org")
    reviewer.goto(f"{live_server.url}/admin/prompts")
    assert reviewer.locator("[data-approve]").count() == 1   # only Khmer, only the draft
    reviewer.click("[data-approve='km/welcome/']")
    reviewer.wait_for_selector("[data-cell='km/welcome'][data-state='recorded_reviewed']")
    assert "reviewed by sokha@example.org" in reviewer.inner_text("[data-cell='km/welcome']")
    screenshot(reviewer, "prompt-approved")
    resolver = live_app.extensions["helpline"].extras["prompts"]
    found = resolver.explain("welcome", "km")
    assert found.stage == "recorded_reviewed"
    assert found.utterance.url.startswith("/prompts/audio/km/welcome.wav")
