"""What callers hear, through the Twilio stand-in: a Khmer caller hears Thai until a
Khmer recording exists, the draft once recorded, the reviewed one once approved (never a
newer draft over it); a Shan caller hears Shan."""

from __future__ import annotations

import io
import wave

from agent_console.models import StaffUser
from prompts import store
from tests.builders import create_staff_member

KHMER_LINE, MYANMAR_LINE = "+661800000102", "+661800000101"


def tone(level: int, seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        frame = level.to_bytes(2, "little", signed=True) + (-level).to_bytes(
            2, "little", signed=True)
        audio.writeframes(frame * int(4000 * seconds))
    return buffer.getvalue()


def welcome_heard(stand_in, number: str, keys: list[str]) -> dict:
    result = stand_in.call(to=number, press=[*keys, "2"], say="hello", voice="en")
    return next(h for h in result.json["heard"] if h["prompt_id"] == "welcome")


def record(stand_in, *, language: str, wav: bytes, by: int) -> int:
    services = stand_in.services
    resolver = services.extras["prompts"]
    with services.db.session() as session:
        item = store.add_recording(session, recordings_dir=resolver.recordings_dir,
                                   language=language, prompt_id="welcome", variant="",
                                   wav=wav, seconds=1.0, source="upload", recorded_by_id=by)
        item_id = item.id
    services.extras["prompts.version"].bump()  # what the console's views do after a change
    return item_id


def test_a_khmer_caller_hears_khmer_once_recorded_and_the_reviewed_one_after(stand_in):
    services = stand_in.services
    with services.db.session() as session:
        recorder = create_staff_member(session, email="dara@example.org", skills={"km": 5})
        reviewer = create_staff_member(session, email="sokha@example.org", skills={"km": 5})
        store.grant_reviewer(session, staff=reviewer, language="km", granted_by_id=None)
        recorder_id, reviewer_id = recorder.id, reviewer.id

    before = welcome_heard(stand_in, KHMER_LINE, [])
    assert before["language"] == "th"   # Khmer's fallback, the matrix says so

    draft = record(stand_in, language="km", wav=tone(3000), by=recorder_id)
    heard = welcome_heard(stand_in, KHMER_LINE, [])
    assert heard["audio_url"].split("://")[-1].split("/", 1)[1].startswith(
        "prompts/audio/km/welcome.wav")
    assert stand_in.http.get(heard["audio_url"]).content == tone(3000)

    with services.db.session() as session:
        store.approve(session, item_id=draft, reviewer=session.get(StaffUser, reviewer_id))
    record(stand_in, language="km", wav=tone(9000), by=recorder_id)  # a newer draft
    heard = welcome_heard(stand_in, KHMER_LINE, [])
    assert "/prompts/audio/km/welcome.wav" in heard["audio_url"]
    assert stand_in.http.get(heard["audio_url"]).content == tone(3000)  # the reviewed one


def test_a_shan_caller_hears_shan(stand_in):
    heard = welcome_heard(stand_in, MYANMAR_LINE, ["2"])
    assert heard["language"] == "shn" and "/prompts/audio/shn/welcome.wav" in heard["audio_url"]
    audio = stand_in.http.get(heard["audio_url"])
    with wave.open(io.BytesIO(audio.content)) as spoken:
        assert spoken.getnframes() / spoken.getframerate() > 3  # a sentence, not a beep
