"""Recording prompts in Chromium with a microphone: Chromium's fake capture device plays
espeak-ng speech into MediaRecorder. An admin records three Khmer prompts in a row (the
next unrecorded one opens by itself after each Keep); a Khmer reviewer approves them in
the prompt matrix; a Khmer caller through the Twilio stand-in then hears those
recordings from /prompts/audio/km/..., not Thai."""

from __future__ import annotations

import io
import subprocess
import wave
from pathlib import Path

import pytest
from sqlalchemy import select

from agent_console.models import AuditEntry
from prompts import store
from prompts.models import PromptItem
from tests.builders import create_staff_member
from tests.console_fixtures import CHROMIUM, CHROMIUM_ARGS, browser_login, screenshot

pytestmark = pytest.mark.browser

KHMER_LINE = "+661800000102"
ADMIN, REVIEWER = "admin@example.org", "sokha@example.org"


@pytest.fixture(scope="module")
def microphone_speech(tmp_path_factory) -> Path:
    """What the fake microphone hears, again and again: a sentence and a short pause."""
    folder = tmp_path_factory.mktemp("microphone")
    spoken = folder / "spoken.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(spoken),
                    "Welcome to the helpline. This call is free."],
                   check=True, capture_output=True, timeout=30)
    with wave.open(str(spoken)) as reader:
        params, frames = reader.getparams(), reader.readframes(reader.getnframes())
    looped = folder / "microphone.wav"
    with wave.open(str(looped), "wb") as writer:
        writer.setparams(params)
        writer.writeframes(frames + bytes(params.sampwidth * params.framerate // 2))
    return looped


@pytest.fixture
def chromium_with_microphone(playwright, microphone_speech):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-audio-capture={microphone_speech}"])
    yield browser
    browser.close()


@pytest.fixture
def console(stand_in):
    stand_in.app.config["WTF_CSRF_ENABLED"] = True
    return stand_in


def page_of(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()


def take_one(page) -> None:
    """Record the prompt the page shows and stop: the take is ready to hear."""
    page.click("[data-action=record]")
    page.wait_for_selector("[data-status][data-status=recording]", state="attached")
    page.wait_for_timeout(3500)   # the sentence is about 3 s; the fake device loops it
    page.click("[data-action=stop]")
    page.wait_for_selector("[data-status][data-status=recorded]", state="attached")
    # Listening back: Chromium decodes the take it just made.
    page.wait_for_function("() => document.querySelector('[data-playback]').duration > 0"
                           " || document.querySelector('[data-playback]').readyState > 0")


def record_one(page, *, redo_first: bool = False) -> str:
    """Record the prompt the page shows, listen back, keep it; returns its key."""
    key = page.get_attribute("[data-take]", "data-take")
    take_one(page)
    if redo_first:
        page.click("[data-action=redo]")
        page.wait_for_selector("[data-status][data-status=idle]", state="attached")
        assert page.is_hidden("[data-action=keep]")
        take_one(page)
    page.click("[data-action=keep]")
    page.wait_for_function(f"() => {{ const t = document.querySelector('[data-take]');"
                           f" return !t || t.dataset.take !== '{key}'; }}")
    return key


def heard(console, prompt_id: str) -> dict:
    result = console.call(to=KHMER_LINE, press=["2"], say="hello", voice="en")
    return next(h for h in result.json["heard"] if h["prompt_id"] == prompt_id)


def test_an_admin_records_three_khmer_prompts_a_reviewer_approves_callers_hear_them(
        console, chromium_with_microphone):
    services = console.services
    with services.db.session() as session:
        create_staff_member(session, email=ADMIN, role="admin", skills={"en": 5})
        reviewer = create_staff_member(session, email=REVIEWER, skills={"km": 5})
        store.grant_reviewer(session, staff=reviewer, language="km", granted_by_id=None)
    before = heard(console, "welcome")
    assert before["language"] == "th", before

    admin = page_of(chromium_with_microphone)
    browser_login(admin, console.app_url, ADMIN)
    admin.goto(f"{console.app_url}/admin/prompts")
    admin.click("[data-record-language=km]")
    admin.wait_for_selector("[data-take]")
    first = admin.get_attribute("[data-take]", "data-take")
    assert admin.is_hidden("[data-action=keep]") and admin.is_hidden("[data-action=stop]")
    assert admin.locator("[data-text]").inner_text().startswith("សូមស្វាគមន៍")  # Khmer text
    kept = [record_one(admin, redo_first=n == 0) for n in range(3)]
    screenshot(admin, "prompt-recording-khmer")
    assert kept[0] == first == "welcome"
    assert len(set(kept)) == 3
    assert admin.get_attribute("[data-take]", "data-take") not in kept   # the fourth

    with services.db.session() as session:
        items = list(session.scalars(select(PromptItem).where(PromptItem.language == "km")))
        assert sorted(".".join(filter(None, (i.prompt_id, i.variant))) for i in items) \
            == sorted(kept)
        assert {(i.state, i.source) for i in items} == {("draft", "browser")}
        for item in items:
            with wave.open(io.BytesIO((services.extras["prompts"].recordings_dir
                                       / item.file).read_bytes())) as spoken:
                assert (spoken.getframerate(), spoken.getnchannels()) == (8000, 1)
                assert 1.0 < spoken.getnframes() / 8000 <= 30
        audited = list(session.scalars(select(AuditEntry).where(
            AuditEntry.action == "prompt_recorded")))
        assert len(audited) == 3 and all(a.detail["source"] == "browser" for a in audited)

    reviewer_page = page_of(chromium_with_microphone)
    browser_login(reviewer_page, console.app_url, REVIEWER)
    for key in kept:
        prompt_id, _, variant = key.partition(".")
        reviewer_page.goto(f"{console.app_url}/admin/prompts")
        reviewer_page.click(f"[data-approve='km/{prompt_id}/{variant}']")
        reviewer_page.wait_for_selector(f"[data-cell='km/{prompt_id}']"
                                        "[data-state='recorded_reviewed']")

    now = heard(console, "welcome")
    assert now["language"] == "km", now
    assert "/prompts/audio/km/welcome.wav" in now["audio_url"]
    with services.db.session() as session:
        welcome = session.scalar(select(PromptItem).where(
            PromptItem.language == "km", PromptItem.prompt_id == "welcome"))
        assert welcome.state == "reviewed"
        stored = (services.extras["prompts"].recordings_dir / welcome.file).read_bytes()
    assert console.http.get(now["audio_url"]).content == stored
