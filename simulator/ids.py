"""Twilio-shaped identifiers: two-letter prefix plus 32 hex digits."""

from __future__ import annotations

import secrets


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def call_sid() -> str:
    return new_sid("CA")


def recording_sid() -> str:
    return new_sid("RE")


def queue_sid() -> str:
    return new_sid("QU")
