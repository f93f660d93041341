"""The staff recording line through the Twilio stand-in: a Lao-speaking staff member
calls the line's own number, enters their staff number and PIN, records the next
Lao welcome (chosen by its number; the stand-in speaks espeak-ng audio into the <Record>), hears it
back and keeps it. The take was fetched from the stand-in's REST API like any
recording, processed, stored as a draft by them and deleted at "Twilio"; nothing of the
call reached the helpline (no call row, no ticket, no voicemail). Once a reviewer
approves it, a Lao caller on the Thai/Lao line hears it instead of Thai."""

from __future__ import annotations

import io
import time
import wave

import pytest
from sqlalchemy import func, select

from agent_console.models import AuditEntry, StaffUser
from cases.models import Ticket
from ivr.models import Call
from prompts import store
from prompts.models import PromptItem
from prompts.recording_line import pins
from recordings.models import Recording
from tests.builders import create_staff_member

RECORDING_LINE, THAI_LAO_LINE = "+661800000190", "+661800000103"
PIN = "246810"
STAFF_PHONE = "+66812345678"


@pytest.fixture
def staff(stand_in):
    with stand_in.services.db.session() as session:
        speaker = create_staff_member(session, email="noy@example.org", skills={"lo": 5})
        reviewer = create_staff_member(session, email="kham@example.org", skills={"lo": 5})
        store.grant_reviewer(session, staff=reviewer, language="lo", granted_by_id=None)
        pins.set_pin(session, staff_id=speaker.id, pin=PIN, by_id=speaker.id)
        return {"speaker": speaker.id, "reviewer": reviewer.id}


def run_while_working(stand_in, **call) -> dict:
    """Place the call in the background and run the rq jobs it enqueues (the take's
    processing) while it waits on the line, as a worker would."""
    stand_in.pace = 0.05       # the line's 2 s waits take 0.1 s of real time
    live = stand_in.start_call(**call)
    deadline = time.monotonic() + 90
    while not live.call.finished and time.monotonic() < deadline:
        stand_in.work()
        time.sleep(0.05)
    return live.result(timeout=5).json


def counts(session) -> dict[str, int]:
    return {name: session.scalar(select(func.count()).select_from(model))
            for name, model in (("calls", Call), ("tickets", Ticket),
                                ("recordings", Recording))}


def test_a_staff_member_records_a_lao_prompt_by_phone_and_lao_callers_hear_it(
        stand_in, staff):
    services = stand_in.services
    assert lao_welcome(stand_in)["language"] == "th"     # Lao falls back to Thai
    stand_in.work()     # the Lao caller's voicemail is stored and ticketed
    with services.db.session() as session:
        before = counts(session)

    # Staff number, PIN, 3 (a prompt by number), 2 (welcome: the list starts with the
    # Lao language option), 1 (record it), then the take played back: 1 (keep).
    result = run_while_working(
        stand_in, to=RECORDING_LINE, from_=STAFF_PHONE,
        press=[f"{staff['speaker']}#", f"{PIN}#", "3", "2#", "1", "1"],
        say="Welcome to the helpline. This call is free.", voice="en")

    paths = " ".join(result["path"])
    assert "/twilio/recording-line/decide" in paths, result
    assert result["ended_by"] == "app", result["ended_by"]   # the line said goodbye
    assert "/twilio/voice/incoming" in paths and "/twilio/recording-line/incoming" in paths
    with services.db.session() as session:
        items = list(session.scalars(select(PromptItem).where(PromptItem.language == "lo")))
        assert [(i.prompt_id, i.variant, i.state, i.source, i.created_by_id) for i in items] \
            == [("welcome", "", "draft", "phone", staff["speaker"])]
        kept = items[0]
        stored = (services.extras["prompts"].recordings_dir / kept.file).read_bytes()
        with wave.open(io.BytesIO(stored)) as audio:
            assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (
                8000, 1, 2)
            assert 1.0 < audio.getnframes() / 8000 < 6
        # The recording line made no call row, ticket or voicemail.
        assert counts(session) == before
        actions = [a.action for a in session.scalars(select(AuditEntry).order_by(
            AuditEntry.id))]
        assert "recording_line_signed_in" in actions and "prompt_recorded" in actions
    # Twilio's copy is gone once ours is processed, and so is the take's own file.
    assert stand_in.engine.recordings.list(call_sid=result["call_sid"]) == []
    takes_folder = services.extras["prompts"].recordings_dir / ".takes"
    assert not list(takes_folder.glob("*.wav"))

    with services.db.session() as session:
        store.approve(session, item_id=kept.id,
                      reviewer=session.get(StaffUser, staff["reviewer"]))
    services.extras["prompts.version"].bump()
    stand_in.pace = 0
    welcome = lao_welcome(stand_in)
    assert welcome["language"] == "lo" and "/prompts/audio/lo/welcome.wav" in welcome[
        "audio_url"]
    assert stand_in.http.get(welcome["audio_url"]).content == stored


def lao_welcome(stand_in) -> dict:
    """What a caller who picks Lao (2) on the Thai/Lao line hears as the welcome."""
    result = stand_in.call(to=THAI_LAO_LINE, press=["2", "2"], say="hello").json
    return next(h for h in result["heard"] if h["prompt_id"] == "welcome")


def test_wrong_pins_end_the_call_and_nothing_is_recorded(stand_in, staff):
    result = stand_in.call(to=RECORDING_LINE, from_=STAFF_PHONE,
                           press=[f"{staff['speaker']}#", "111111#"] * 3 + ["1", "1"],
                           say="hello")
    paths = [p for p in result.json["path"] if "recording-line/pin" in p]
    assert len(paths) == 3                       # pin_attempts in the demo configuration
    assert not any("recording-line/menu" in p for p in result.json["path"])
    with stand_in.services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(PromptItem)) == 0


def test_a_silent_take_is_refused_on_the_phone_and_nothing_is_kept(stand_in, staff,
                                                                   tmp_path):
    hum = tmp_path / "silence.wav"
    with wave.open(str(hum), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(bytes(2 * 8000 * 3))
    # Staff number, PIN, 1 (the next unrecorded prompt), 1 (record it): the take is
    # silence; the line says why and offers the prompt again: * (menu), 0 (goodbye).
    result = run_while_working(
        stand_in, to=RECORDING_LINE, from_=STAFF_PHONE,
        press=[f"{staff['speaker']}#", f"{PIN}#", "1", "1", "*", "0"], say_file=str(hum))
    said = " ".join(h.get("text") or "" for h in result["heard"])
    assert "Nothing could be heard in that recording." in said, said
    assert "decide" not in " ".join(result["path"])
    with stand_in.services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(PromptItem)) == 0
    assert stand_in.engine.recordings.list(call_sid=result["call_sid"]) == []


def test_a_speaker_of_two_languages_chooses_one_by_key(stand_in):
    with stand_in.services.db.session() as session:
        both = create_staff_member(session, email="srey@example.org", skills={"km": 5,
                                                                             "lo": 4})
        pins.set_pin(session, staff_id=both.id, pin=PIN, by_id=both.id)
        staff_id = both.id
    result = stand_in.call(to=RECORDING_LINE, from_=STAFF_PHONE,
                           press=[f"{staff_id}#", f"{PIN}#", "2", "0"], say="hello")
    said = " ".join(h.get("text") or "" for h in result.json["heard"])
    assert "For Khmer, press 1. For Lao, press 2." in said
    assert "Lao. 0 of" in said                      # the Lao menu, nothing recorded yet
    assert any("recording-line/menu?lang=lo" in p for p in result.json["path"])
    assert result.json["ended_by"] == "app"
