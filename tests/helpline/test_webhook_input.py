"""The shapes and bounds of Twilio's webhook fields (pure)."""

from __future__ import annotations

import pytest

from helpline.webhook_input import FIELD_MAX, acceptable, bounded, field

CALL_SID = "CA" + "0123456789abcdef" * 2


@pytest.mark.parametrize(("name", "value", "ok"), [
    ("CallSid", CALL_SID, True),
    ("CallSid", "CA" + "0123456789ABCDEF" * 2, True),
    ("CallSid", f" {CALL_SID}\n", True),               # stripped before it is used
    ("CallSid", CALL_SID + "\x00", False),
    ("CallSid", CALL_SID[:10] + "\x00" + CALL_SID[11:], False),
    ("CallSid", "CA" + "a" * 100_000, False),
    ("CallSid", "RE" + "a" * 32, False),
    ("CallSid", "CA" + "g" * 32, False),
    ("RecordingSid", "RE" + "a" * 32, True),
    ("RecordingSid", "CA" + "a" * 32, False),
    ("ConferenceSid", "CF" + "b" * 32, True),
    ("ConferenceSid", "CF" + "b" * 33, False),
    ("AccountSid", "AC" + "1" * 32, True),
    ("AccountSid", "AC" + "1" * 31, False),
    ("From", "+66812345678", True),
    ("From", "client:agent_17", True),
    ("From", "+6" + "1" * 40, False),
    ("To", "+661800000102\x00", False),
    ("Digits", "0898765432#", True),
    ("Digits", "1" * 65, False),
    ("CallStatus", "in-progress", True),
    ("CallStatus", "completed\r\n", False),
    ("CallerName", "x" * FIELD_MAX, True),
    ("CallerName", "x" * (FIELD_MAX + 1), False),
    ("FromCity", "ย่างกุ้ง", True),
    ("FromCity", "a\u0085b", False),                     # a C1 control (NEL)
    ("Custom\x00Name", "1", False),
    ("N" * 65, "1", False),
])
def test_fields_are_held_to_their_shape_or_bound(name, value, ok):
    assert acceptable(name, value) is ok


def test_out_of_bounds_fields_are_left_out_as_if_absent():
    form = {"CallSid": CALL_SID + "\x00", "To": "+661800000102", "Digits": "9" * 100}
    assert bounded(form) == {"To": "+661800000102"}
    assert field(form, "CallSid") == "" and field(form, "Missing") == ""
    assert field({"To": " +661800000102 "}, "To") == "+661800000102"
