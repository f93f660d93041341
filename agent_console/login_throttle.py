"""Slows password guessing without locking the owner of the right password out.

Three counters, each over `WINDOW_SECONDS` from its first failure, in Redis so
every web process sees the same numbers:

- per client address, across all accounts: after `ADDRESS_MAX_FAILURES` failures
  that address is refused outright (whatever it tries), so one address cannot
  walk a few passwords over every account;
- per account and address: after `PAIR_MAX_FAILURES` that address is refused for
  that account (a forgetful agent stops there; their colleagues at the same
  office address still log in);
- per account, across addresses: past `ACCOUNT_FREE_FAILURES`, each failure makes
  the account wait `2**n` seconds (at most `ACCOUNT_MAX_DELAY_SECONDS`) before the
  next attempt. Many addresses then get a few guesses a minute, and the owner
  waits seconds, never the whole window: an attacker cannot lock anyone out; from
  a browser that has logged in to the account before (agent_console.login_devices)
  the owner does not wait at all.

The client address is `request.remote_addr`, which is the proxy's client only
when `TRUSTED_PROXY_HOPS` says a proxy is there. Emails and addresses appear in
Redis only as HMACs (keyed from `SECRET_KEY`), and an email with no account is
counted exactly like one with, so the answers never say whether it exists.
"""

from __future__ import annotations

import hashlib
import hmac

import redis

WINDOW_SECONDS = 15 * 60
ADDRESS_MAX_FAILURES = 20
PAIR_MAX_FAILURES = 5
ACCOUNT_FREE_FAILURES = 10
ACCOUNT_MAX_DELAY_SECONDS = 30

# KEYS: address, pair, account counters, account wait. ARGV: window, the address
# and pair limits, whether the browser is known to the account (then it does not
# wait for the account). Returns the seconds to wait, 0 when it may go ahead.
RETRY_AFTER = """
local address_max, pair_max = tonumber(ARGV[2]), tonumber(ARGV[3])
local function wait(key)
  local ttl = redis.call('TTL', key)
  if ttl < 1 then ttl = 1 end
  return ttl
end
if tonumber(redis.call('GET', KEYS[1]) or '0') >= address_max then return wait(KEYS[1]) end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= pair_max then return wait(KEYS[2]) end
if ARGV[4] == '1' then return 0 end  -- the owner's own browser (login_devices)
local delay = redis.call('PTTL', KEYS[4])
if delay > 0 then return math.ceil(delay / 1000) end
return 0
"""

# The window starts at the first failure; later failures don't extend it. One script
# so a crash between commands cannot leave a counter that never expires.
COUNT_FAILURE = """
local window, free, max_delay = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local account = 0
for i = 1, 3 do
  local failures = redis.call('INCR', KEYS[i])
  if failures == 1 then redis.call('EXPIRE', KEYS[i], window) end
  if i == 3 then account = failures end
end
if account > free then
  local delay = math.min(2 ^ (account - free), max_delay)
  redis.call('SET', KEYS[4], '1', 'EX', delay)
end
return account
"""


class LoginThrottle:
    def __init__(self, client: redis.Redis, key: bytes, *,
                 window_seconds: int = WINDOW_SECONDS,
                 address_max_failures: int = ADDRESS_MAX_FAILURES,
                 pair_max_failures: int = PAIR_MAX_FAILURES,
                 account_free_failures: int = ACCOUNT_FREE_FAILURES,
                 account_max_delay_seconds: int = ACCOUNT_MAX_DELAY_SECONDS) -> None:
        self.client = client
        self._key = key
        self._retry_after = client.register_script(RETRY_AFTER)
        self._count_failure = client.register_script(COUNT_FAILURE)
        self.window_seconds = window_seconds
        self.address_max_failures = address_max_failures
        self.pair_max_failures = pair_max_failures
        self.account_free_failures = account_free_failures
        self.account_max_delay_seconds = account_max_delay_seconds

    def _digest(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}|{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def _keys(self, email: str, address: str) -> list[str]:
        account = self._digest("account", email.strip().lower())
        client = self._digest("address", address)
        return [f"console:login:address:{client}",
                f"console:login:pair:{account}:{client}",
                f"console:login:account:{account}",
                f"console:login:account-wait:{account}"]

    def retry_after(self, email: str, address: str, *, known_device: bool = False) -> int:
        """Seconds until another attempt is allowed; 0 when it is allowed now.
        `known_device`: a browser that has logged in to this account before does
        not wait for the account's delay (the address limits still apply)."""
        return int(self._retry_after(
            keys=self._keys(email, address),
            args=[self.window_seconds, self.address_max_failures, self.pair_max_failures,
                  "1" if known_device else "0"]))

    def failed(self, email: str, address: str) -> int:
        """Count a failed attempt; returns the account's failures in the window."""
        return int(self._count_failure(
            keys=self._keys(email, address),
            args=[self.window_seconds, self.account_free_failures,
                  self.account_max_delay_seconds]))

    def succeeded(self, email: str, address: str) -> None:
        # Only this address's count for this account: logging in to an account of
        # one's own must not reset an address's budget for guessing at others.
        self.client.delete(self._keys(email, address)[1])


def throttle_key(secret_key: str) -> bytes:
    """The HMAC key for the throttle's Redis keys, separate from the session's uses."""
    return hmac.new(secret_key.encode(), b"helpline login throttle v1", hashlib.sha256).digest()
