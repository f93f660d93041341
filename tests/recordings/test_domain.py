"""The pure rules: callback parsing, kind, duration checks, retention."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recordings import domain

SID = "RE" + "a" * 32
CALL_SID = "CA" + "b" * 32


def test_parse_callback_reads_twilio_fields():
    event = domain.parse_callback({
        "RecordingSid": SID, "CallSid": CALL_SID, "RecordingStatus": "completed",
        "RecordingDuration": "14", "RecordingChannels": "2", "RecordingSource": "DialVerb",
        "From": "+66812345678"}, "voicemail")
    assert event == domain.RecordingCallback(
        recording_sid=SID, call_sid=CALL_SID, status="completed", duration_seconds=14.0,
        channels=2, source="DialVerb", requested_kind="voicemail")
    assert "66812345678" not in repr(event)  # the caller's number is never carried along


@pytest.mark.parametrize("form", [
    {}, {"RecordingSid": "RE123"}, {"RecordingSid": "../../etc/passwd"},
    {"RecordingSid": "CA" + "a" * 32},
])
def test_parse_callback_rejects_missing_or_malformed_sids(form):
    with pytest.raises(domain.InvalidCallback):
        domain.parse_callback(form)


def test_parse_callback_tolerates_odd_numbers():
    event = domain.parse_callback({"RecordingSid": SID, "RecordingDuration": "-3",
                                   "CallSid": "nonsense"}, "bogus")
    assert (event.duration_seconds, event.channels, event.call_sid,
            event.requested_kind) == (None, 1, None, None)


@pytest.mark.parametrize(("channels", "requested", "outcome", "kind"), [
    (1, "voicemail", None, "voicemail"),
    (2, "voicemail", "voicemail", "call"),   # two channels only come from a recorded Dial
    (1, None, "answered", "call"),
    (1, None, "voicemail", "voicemail"),
    (1, None, None, "voicemail"),
    (1, "call", None, "call"),
])
def test_classify_kind(channels, requested, outcome, kind):
    assert domain.classify_kind(channels, requested, outcome) == kind


@pytest.mark.parametrize(("decoded", "reported", "ok"), [
    (14.3, 14, True), (13.0, 14, True), (14.9, 14, True), (15.6, 14, False),
    (6.0, 14, False),        # truncated in transit or at the source
    (200.0, 180, False),
    (1.0, None, True),       # Twilio did not say: nothing to compare
    (3.0, 0, True),
])
def test_duration_problem(decoded, reported, ok):
    assert (domain.duration_problem(decoded, reported) is None) is ok


def test_too_short_applies_to_voicemail_only():
    assert domain.is_too_short("voicemail", 0.4, 1.0)
    assert not domain.is_too_short("voicemail", 1.0, 1.0)
    assert not domain.is_too_short("call", 0.4, 1.0)


def test_retention_cutoff_and_channel_labels():
    now = datetime(2026, 5, 1, tzinfo=UTC)
    assert domain.retention_cutoff(now, 90) == datetime(2026, 1, 31, tzinfo=UTC)
    assert domain.channel_labels(1) == ("mono",)
    assert domain.channel_labels(2) == ("caller", "agent")


def test_retries_back_off_exponentially():
    intervals = domain.RETRY_INTERVALS
    assert all(b == a * 3 for a, b in zip(intervals, intervals[1:], strict=False))
    assert domain.MAX_ATTEMPTS == len(intervals) + 1


@pytest.mark.parametrize("sid", ["RE" + "a" * 32 + "\x00", "RE" + "a" * 100_000,
                                 "RE" + "a" * 31 + "\x00", "RE" + "a" * 32 + "\n/x"])
def test_parse_callback_refuses_a_recording_sid_with_control_characters_or_oversized(sid):
    with pytest.raises(domain.InvalidCallback):
        domain.parse_callback({"RecordingSid": sid})


def test_parse_callback_treats_out_of_bounds_fields_as_absent():
    event = domain.parse_callback({
        "RecordingSid": SID, "CallSid": CALL_SID[:-1] + "\x00",
        "RecordingStatus": "absent\r\nX-Injected: 1", "RecordingSource": "D" * 300,
        "RecordingDuration": "1e999", "RecordingChannels": "inf"})
    assert (event.call_sid, event.status, event.source, event.duration_seconds,
            event.channels) == (None, "completed", None, None, 1)
    assert domain.parse_callback({"RecordingSid": SID, "RecordingChannels": "nan",
                                  "CallSid": "CA" + "b" * 100_000}).call_sid is None


PARENTS = {"shn": "my", "kac": "my", "ksw": "my", "mnw": "my", "my": None, "km": None,
           "th": None}


@pytest.mark.parametrize(("voicemail", "ticket", "joins"), [
    ("km", "km", True),
    ("my", "km", False),      # a Burmese agent could not open a Khmer ticket
    ("km", "my", False),
    ("my", "shn", True),      # every Burmese speaker serves Shan callers
    ("shn", "my", False),     # a Shan-only speaker cannot open a Burmese ticket
    ("shn", "kac", False),
    ("th", "lo", False),      # one shared line, two languages, two sets of agents
])
def test_a_voicemail_joins_only_a_ticket_its_languages_agents_can_open(voicemail, ticket,
                                                                       joins):
    from agent_console.access import can_open_ticket

    assert (ticket in domain.voicemail_ticket_languages(voicemail, PARENTS)) is joins
    # whatever it joins, every agent working in the voicemail's language can open
    for ticket_language in domain.voicemail_ticket_languages(voicemail, PARENTS):
        assert can_open_ticket(role="agent", user_id=1, skills={voicemail},
                               ticket_language=ticket_language, assignee_id=None,
                               parents=PARENTS)
