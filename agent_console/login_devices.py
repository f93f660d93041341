"""Browsers that have logged in to an account before ("device cookies", as OWASP
describes them): a signed cookie naming the accounts that logged in from this
browser. An account under attack from many addresses makes strangers wait
(agent_console.login_throttle); its owner's own browser is not made to wait, so
the attack cannot keep the owner out even for seconds.

The cookie names accounts only by an HMAC of the email, never the email itself.
"""

from __future__ import annotations

import hashlib
import hmac

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "helpline_login_device"
MAX_AGE_SECONDS = 180 * 24 * 3600
# A shared office computer is used by a few agents; more than that is not one device.
MAX_ACCOUNTS = 5


class KnownDevices:
    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="helpline login device")
        self._key = hmac.new(secret_key.encode(), b"helpline login device account",
                             hashlib.sha256).digest()

    def _account(self, email: str) -> str:
        return hmac.new(self._key, email.strip().lower().encode(),
                        hashlib.sha256).hexdigest()[:24]

    def _accounts(self, cookie: str | None) -> list[str]:
        if not cookie:
            return []
        try:
            accounts = self._serializer.loads(cookie, max_age=MAX_AGE_SECONDS)
        except BadSignature:
            return []
        return [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []

    def knows(self, cookie: str | None, email: str) -> bool:
        """Whether this browser has logged in to `email`'s account before."""
        return self._account(email) in self._accounts(cookie)

    def remember(self, cookie: str | None, email: str) -> str:
        """The cookie's new value after a successful login to `email`'s account."""
        account = self._account(email)
        accounts = [account] + [a for a in self._accounts(cookie) if a != account]
        return self._serializer.dumps(accounts[:MAX_ACCOUNTS])
