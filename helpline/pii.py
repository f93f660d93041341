"""Caller identity protection: normalise, link by HMAC, encrypt, mask.

A caller's number exists in plaintext only in memory while a request is handled.
Stored, it is an HMAC-SHA256 (to link repeat callers without being reversible)
and, only where a callback needs it, a Fernet token. Both keys are derived from
`HELPLINE_PII_KEY` with HKDF so one secret rotates both.

Rotation: `HELPLINE_PII_KEY` may list several keys, newest first. New tokens and
links use the newest; tokens made with any listed key still decrypt (`MultiFernet`).
Each link carries the *version* of the keys that made it: a key's id (`a1b2c3d4`),
or, for a caller whose number we never kept and so cannot re-derive, a chain
(`a1b2c3d4>e5f6a7b8`) meaning HMAC(e5f6a7b8, HMAC(a1b2c3d4, number)) — rotation
layers the newest key over the stored value, so nothing is left that the retired
key alone can recompute. `helpline pii rotate` (helpline.pii_rotation) does both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CHAIN = ">"
EITHER = "|"


class InvalidPhoneNumber(ValueError):
    pass


@dataclass(frozen=True)
class PiiKey:
    """What one `HELPLINE_PII_KEY` value gives: its id, HMAC key and Fernet key."""

    key_id: str
    hmac_key: bytes
    fernet: Fernet

    @classmethod
    def derive(cls, master_key: bytes) -> PiiKey:
        return cls(
            # Names the key in stored versions without revealing anything about it.
            key_id=_derive(master_key, b"helpline pii key id v1")[:4].hex(),
            hmac_key=_derive(master_key, b"helpline caller hmac v1"),
            fernet=Fernet(base64.urlsafe_b64encode(
                _derive(master_key, b"helpline caller fernet v1"))))


class PiiProtector:
    def __init__(self, master_key: bytes, retired_keys: Sequence[bytes] = ()) -> None:
        self.keys = tuple(PiiKey.derive(key) for key in (master_key, *retired_keys))
        self.current = self.keys[0]
        self._fernet = MultiFernet([key.fernet for key in self.keys])
        # HMAC keys by id: the listed keys', and (helpline.pii_rotation) retired ones
        # kept in the database under the current key for chained links.
        self._link_keys: dict[str, bytes] = {key.key_id: key.hmac_key for key in self.keys}
        self._chains: set[str] = set()
        # Set once the database's chained versions are known (helpline.pii_rotation).
        self.history_loaded = False

    @property
    def version(self) -> str:
        """The version of every link and token made now."""
        return self.current.key_id

    def link_key(self, e164: str) -> str:
        """The stable, irreversible key that links one caller's calls."""
        return _hmac(self.current.hmac_key, e164)

    def link_for(self, e164: str, version: str) -> set[str]:
        """The links `version`'s keys make of `e164` (several when a layer names
        alternatives, `a|b`); empty if a key it names is not known here."""
        values = {e164}
        for layer in version.split(CHAIN):
            keys = [self._link_keys.get(key_id) for key_id in layer.split(EITHER)]
            if None in keys:
                return set()
            values = {_hmac(key, value) for key in keys if key for value in values}
        return values

    def link_candidates(self, e164: str) -> dict[str, str]:
        """Every link this caller may be stored under, with its version: each listed
        key's, each known chain's, and each of those with the current key layered
        over it (what a rotation running now may just have written)."""
        versions = [key.key_id for key in self.keys] + sorted(self._chains)
        versions.append(self.any_listed_key())
        versions += [self.layered(v) for v in versions if v.split(CHAIN)[-1] != self.version]
        return {link: version for version in dict.fromkeys(versions)
                for link in self.link_for(e164, version)}

    def any_listed_key(self) -> str:
        """The version of a link made with one of the listed keys, not knowing which
        (callers stored before links carried their version)."""
        return EITHER.join(key.key_id for key in self.keys)

    def layered(self, version: str) -> str:
        return f"{version}{CHAIN}{self.version}"

    def layer(self, stored_link: str) -> str:
        """A stored link with the current key over it (for `layered(version)`)."""
        return _hmac(self.current.hmac_key, stored_link)

    def remember_link_keys(self, link_keys: Mapping[str, bytes], chains: Iterable[str]) -> None:
        """Retired HMAC keys and the chained versions in use (from the database)."""
        for key_id, key in link_keys.items():
            self._link_keys.setdefault(key_id, key)
        self._chains.update(chains)

    def knows(self, version: str) -> bool:
        """Whether every key `version` names is known here."""
        return all(key_id in self._link_keys for key_id in _key_ids(version))

    def link_keys_of(self, version: str) -> dict[str, bytes]:
        """The HMAC keys a version needs, to keep in the database once retired."""
        return {key_id: self._link_keys[key_id] for key_id in _key_ids(version)}

    def encrypt(self, e164: str) -> str:
        return self._fernet.encrypt(e164.encode("ascii")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise ValueError("number token was not made with this HELPLINE_PII_KEY") from exc

    def reencrypt(self, token: str) -> str:
        """The same number under the newest key (`MultiFernet.rotate`)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise ValueError("number token was not made with this HELPLINE_PII_KEY") from exc

    def seal_link_keys(self, keys: Mapping[str, bytes]) -> str:
        """HMAC keys encrypted under the newest key, for the database."""
        plain = json.dumps({key_id: key.hex() for key_id, key in keys.items()})
        return self._fernet.encrypt(plain.encode("ascii")).decode("ascii")

    def open_link_keys(self, sealed: str) -> dict[str, bytes]:
        try:
            plain = self._fernet.decrypt(sealed.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise ValueError("link keys were not sealed with this HELPLINE_PII_KEY") from exc
        return {key_id: bytes.fromhex(key) for key_id, key in json.loads(plain).items()}


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


def _key_ids(version: str) -> list[str]:
    return [key_id for layer in version.split(CHAIN) for key_id in layer.split(EITHER)]


def _hmac(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("ascii"), hashlib.sha256).hexdigest()


def _derive(master_key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master_key)
