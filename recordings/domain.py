"""Pure rules for recordings: what a status callback says, which kind of recording
it is, whether the audio we hold matches what Twilio reported, when it expires.

No Flask, Twilio, SQLAlchemy or Redis: plain values in, plain values out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent_console.access import languages_served
from helpline.webhook_input import bounded

RECORDING_SID = re.compile(r"\ARE[0-9a-fA-F]{32}\Z")   # \Z: no trailing newline either
CALL_SID = re.compile(r"\ACA[0-9a-fA-F]{32}\Z")
CONFERENCE_SID = re.compile(r"\ACF[0-9a-fA-F]{32}\Z")

VOICEMAIL = "voicemail"
CALL = "call"
KINDS = (VOICEMAIL, CALL)

# rq retry delays (seconds) for network errors and Twilio 5xx: about 20 minutes in
# all, long enough to ride out a Twilio incident, short enough for the morning shift.
RETRY_INTERVALS = (10, 30, 90, 270, 810)
MAX_ATTEMPTS = len(RETRY_INTERVALS) + 1

# Twilio reports RecordingDuration in whole seconds; allow for its rounding and for
# codec padding, but catch a file cut short in transit.
DURATION_TOLERANCE_SECONDS = 1.0
DURATION_TOLERANCE_RATIO = 0.05


# The steps of the durable intake (`Recording.next_step`), and rq's job for each.
DOWNLOAD = "download"
TRANSCRIBE = "transcribe"


def job_id_for(step: str, recording_id: int, recording_sid: str, requeues: int = 0) -> str:
    """The deterministic id of the job carrying out `step`; a replayed callback or a
    second scheduler computes the same one, and a re-queue after a fault gets a new one
    so rq's stale records of the lost job can never touch it."""
    base = f"download-{recording_sid}" if step == DOWNLOAD else f"transcribe-{recording_id}"
    return base if requeues == 0 else f"{base}-r{requeues}"


class InvalidCallback(ValueError):
    """The callback is missing a field we cannot work without."""


@dataclass(frozen=True)
class RecordingCallback:
    recording_sid: str
    call_sid: str | None
    status: str
    duration_seconds: float | None
    channels: int
    source: str | None
    requested_kind: str | None
    # A conference's recording: Twilio sends its ConferenceSid and no CallSid.
    conference_sid: str | None = None

    @property
    def completed(self) -> bool:
        return self.status == "completed"


def parse_callback(form: Mapping[str, str], requested_kind: str | None = None,
                   requested_call: str | None = None) -> RecordingCallback:
    """Twilio's recording status callback fields → a typed event.

    `requested_kind` and `requested_call` come from the callback URL the app gave
    Twilio (`?kind=`, `?call=`; signed with it): a conference's recording names no
    CallSid, so the call it belongs to is the one its URL names.

    A field outside its shape or length, or carrying a control character, counts as
    absent (`helpline.webhook_input`): none of it reaches the database or a log.
    """
    form = bounded(form)
    sid = (form.get("RecordingSid") or "").strip()
    if not RECORDING_SID.fullmatch(sid):
        raise InvalidCallback("RecordingSid is missing or malformed")
    call_sid = _sid(form.get("CallSid"), CALL_SID) or _sid(requested_call, CALL_SID)
    return RecordingCallback(
        recording_sid=sid,
        call_sid=call_sid,
        status=(form.get("RecordingStatus") or "completed").strip().lower(),
        duration_seconds=_number(form.get("RecordingDuration")),
        # Twilio records one channel or two (a recorded <Dial>).
        channels=2 if (_number(form.get("RecordingChannels")) or 1) >= 2 else 1,
        source=form.get("RecordingSource") or None,
        requested_kind=requested_kind if requested_kind in KINDS else None,
        conference_sid=_sid(form.get("ConferenceSid"), CONFERENCE_SID),
    )


def _sid(raw: str | None, shape: re.Pattern[str]) -> str | None:
    value = (raw or "").strip()
    return value if shape.fullmatch(value) else None


def classify_kind(channels: int, requested_kind: str | None, call_outcome: str | None,
                  conference_sid: str | None = None) -> str:
    """Voicemail or a recorded conversation.

    Two channels only come from a recorded <Dial> (caller and agent legs), and a
    ConferenceSid only from a recorded conference (the three-way call with an
    interpreter), whatever the URL says; otherwise trust the app's `?kind=`, then
    the call's outcome.
    """
    if channels >= 2 or conference_sid is not None:
        return CALL
    if requested_kind in KINDS:
        return requested_kind
    if call_outcome == "answered":
        return CALL
    return VOICEMAIL


def duration_problem(decoded_seconds: float, reported_seconds: float | None) -> str | None:
    """A sentence when the file is shorter or longer than Twilio said, else None."""
    if reported_seconds is None or reported_seconds <= 0:
        return None
    tolerance = max(DURATION_TOLERANCE_SECONDS, reported_seconds * DURATION_TOLERANCE_RATIO)
    if abs(decoded_seconds - reported_seconds) <= tolerance:
        return None
    return (f"the audio lasts {decoded_seconds:.1f} s but Twilio reported "
            f"{reported_seconds:.0f} s")


def is_too_short(kind: str, duration_seconds: float, min_voicemail_seconds: float) -> bool:
    """A voicemail shorter than the minimum is a hang-up, not a message."""
    return kind == VOICEMAIL and duration_seconds < min_voicemail_seconds


def voicemail_ticket_languages(language: str,
                               parents: Mapping[str, str | None]) -> frozenset[str]:
    """The languages of a caller's open ticket that a voicemail in `language` may join:
    those every agent who works in `language` may open (`agent_console.access`) — the
    language itself, and its dialects (a Burmese speaker serves Shan callers; a
    Shan-only speaker cannot open a Burmese ticket). Any other ticket would hide the
    message from the agents who can understand it."""
    return frozenset(languages_served({language}, parents))


def retention_cutoff(now: datetime, days: int) -> datetime:
    """Anything created before this instant has outlived a `days`-day retention."""
    return now - timedelta(days=days)


def channel_labels(channels: int) -> tuple[str, ...]:
    """Transcript labels: a Dial recording puts the caller on channel 0, the agent on 1."""
    return ("caller", "agent") if channels >= 2 else ("mono",)


def _number(raw: str | None) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    # "inf" and "nan" parse as floats too; neither is a duration or a channel count.
    return value if math.isfinite(value) and value >= 0 else None
