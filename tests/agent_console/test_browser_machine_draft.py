"""A machine draft corrected in a real browser: an Indonesian caller leaves a
voicemail on the demo configuration through the stand-in, Whisper drafts it, and
the Indonesian agent finds it under *To transcribe* in Debian's Chromium, sees the
draft pre-filled, corrects it and saves (claim and submit through the console's own
JavaScript, with CSRF checked); the recording and the ticket then show the
correction, and the draft is kept as the machine wrote it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from helpline.demo import DEMO_PASSWORD, seed_demo
from recordings.models import Recording
from tests.console_fixtures import browser_login, screenshot
from transcription.models import MachineDraft, Transcript

pytestmark = [pytest.mark.browser, pytest.mark.slow]

INDONESIAN_LINE = "+601800881010"
SAID = "Paspor saya diambil oleh agen dan tidak dikembalikan"
CORRECTED = "Paspor saya diambil oleh agen dan tidak dikembalikan."


@pytest.fixture
def console(stand_in):
    stand_in.app.config["WTF_CSRF_ENABLED"] = True
    return stand_in


def test_the_agent_corrects_a_whisper_draft_in_chromium(console, browser):
    with console.services.db.session() as session:
        seed_demo(session)
    result = console.call(to=INDONESIAN_LINE, press=["2"], say=SAID, voice="id")
    assert result.outcome["kind"] == "voicemail", result.json
    console.work()
    console.work()
    with console.services.db.session() as session:
        recording = session.scalar(select(Recording))
        draft = session.scalar(select(MachineDraft))
        assert draft is not None and draft.status == "offered", recording.error
        recording_id, ticket_id, draft_text = recording.id, recording.ticket_id, draft.text

    page = browser()
    browser_login(page, console.app_url, "sari@helpline.example", DEMO_PASSWORD)
    page.click("#tab-transcription")
    row = page.locator("#transcription-queue tr", has_text="Indonesian")
    row.wait_for()
    assert "machine draft to correct" in row.inner_text()
    row.get_by_text("Open").click()
    page.wait_for_url(f"**/console/recordings/{recording_id}")
    box = page.locator("textarea[name=text]")
    assert box.input_value() == draft_text
    assert page.locator("[data-machine-draft=offered]").is_visible()
    screenshot(page, "machine-draft-prefilled")

    box.fill(CORRECTED)
    page.get_by_role("button", name="Save transcript").click()
    page.wait_for_selector("#transcript-mono")
    assert page.locator("#transcript-mono").inner_text() == CORRECTED
    screenshot(page, "machine-draft-corrected")

    page.goto(f"{console.app_url}/console/tickets/{ticket_id}")
    assert CORRECTED in page.locator("#ticket-recordings").inner_text()
    with console.services.db.session() as session:
        transcript = session.scalar(select(Transcript))
        assert (transcript.status, transcript.engine, transcript.text) == (
            "done", "human", CORRECTED)
        assert session.scalar(select(MachineDraft)).text == draft_text
