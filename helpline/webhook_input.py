"""The shapes and sizes of fields Twilio posts to webhooks, and a filter that keeps
only the fields within them.

Whatever a webhook carries ends up in TwiML, in the database, in Redis keys and in
logs. The signature proves the request came from someone holding the auth token, not
that each field is sane: a SID with a NUL byte in it breaks the TwiML it is echoed
into, and a 100 KB one becomes a 100 KB row and Redis key. So each field Twilio
documents has a shape (SIDs) or a bound (everything else), and a field outside it is
treated as absent — the IVR then answers with its spoken apology, as for any request
that is missing what it needs.

No Flask: plain mappings in, plain values out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_HEX32 = "[0-9a-fA-F]{32}"
# Twilio SIDs: two letters naming the resource, then 32 hex digits.
SID_SHAPES: dict[str, re.Pattern[str]] = {
    name: re.compile(prefix + _HEX32)
    for name, prefix in (
        ("CallSid", "CA"), ("ParentCallSid", "CA"), ("DialCallSid", "CA"),
        ("RecordingSid", "RE"), ("ConferenceSid", "CF"), ("AccountSid", "AC"),
        ("QueueSid", "QU"), ("TranscriptionSid", "TR"), ("ApplicationSid", "AP"),
    )
}
PHONE_MAX = 20          # E.164 is at most 16 characters (the column is 20); "client:agent-N" fits
DIGITS_MAX = 64         # a keyed-in callback number, or "hangup"
FIELD_MAX = 256         # anything else Twilio sends (statuses, durations, URLs, cities)
NAME_MAX = 64           # field names: Twilio's are short CamelCase words
MAX_LENGTHS = {
    "From": PHONE_MAX, "To": PHONE_MAX, "Caller": PHONE_MAX, "Called": PHONE_MAX,
    "ForwardedFrom": PHONE_MAX,
    "Digits": DIGITS_MAX,
}
# C0 controls (NUL, newline, ...), DEL and C1 controls: never in a Twilio field, and
# each a way to break XML, a log line or a key.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def max_length(name: str) -> int:
    return MAX_LENGTHS.get(name, FIELD_MAX)


def acceptable(name: str, value: str) -> bool:
    """Whether `value` has the shape (SIDs) or fits the bound of field `name`."""
    if len(name) > NAME_MAX or CONTROL.search(name):
        return False
    shape = SID_SHAPES.get(name)
    if shape is not None:
        return shape.fullmatch(value.strip()) is not None
    return len(value) <= max_length(name) and CONTROL.search(value) is None


def bounded(form: Mapping[str, str]) -> dict[str, str]:
    """The fields of `form` within their shape or bound; the rest are left out."""
    return {name: value for name, value in form.items() if acceptable(name, value)}


def field(form: Mapping[str, str], name: str) -> str:
    """One field, stripped, or "" when it is absent or out of bounds."""
    value = form.get(name)
    return value.strip() if value is not None and acceptable(name, value) else ""


def call_sid(value: str | None) -> str:
    """A CallSid passed back to us in a URL we built (`?call=`), or "" if malformed."""
    return field({"CallSid": value or ""}, "CallSid")
