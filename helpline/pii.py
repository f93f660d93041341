"""Caller identity protection: normalise, link by HMAC, encrypt, mask.

A caller's number exists in plaintext only in memory while a request is handled.
Stored, it is an HMAC-SHA256 (to link repeat callers without being reversible)
and, only where a callback needs it, a Fernet token. Both keys are derived from
`HELPLINE_PII_KEY` with HKDF so one secret rotates both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class InvalidPhoneNumber(ValueError):
    pass


class PiiProtector:
    def __init__(self, master_key: bytes) -> None:
        self._hmac_key = _derive(master_key, b"helpline caller hmac v1")
        self._fernet = Fernet(base64.urlsafe_b64encode(
            _derive(master_key, b"helpline caller fernet v1")))

    def link_key(self, e164: str) -> str:
        """The stable, irreversible key that links one caller's calls."""
        return hmac.new(self._hmac_key, e164.encode("ascii"), hashlib.sha256).hexdigest()

    def encrypt(self, e164: str) -> str:
        return self._fernet.encrypt(e164.encode("ascii")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise ValueError("number token was not made with this HELPLINE_PII_KEY") from exc


def normalise_number(raw: str, default_region: str | None = None) -> str:
    """E.164 form of a number as Twilio or a caller's keypad gives it."""
    try:
        parsed = phonenumbers.parse(raw.strip(), default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(str(exc)) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_number(e164: str) -> str:
    """What an agent may see: the country and the last two digits, e.g. `+95 ••••••42`."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "••••"
    national = str(parsed.national_number)
    return f"+{parsed.country_code} {'•' * max(len(national) - 2, 2)}{national[-2:]}"


def caller_reference(link_key: str) -> str:
    """A short, speakable reference for a caller that reveals nothing (e.g. `C-7F3A-91B2`)."""
    head = link_key[:8].upper()
    return f"C-{head[:4]}-{head[4:]}"


def _derive(master_key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master_key)
