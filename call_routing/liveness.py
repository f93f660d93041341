"""Is the caller's call still there? Twilio's answers, read as gone, alive or unknown.

Twilio keeps an ended call's record (fetching it says completed, canceled, ...),
refuses to redirect it with HTTP 400 and error 21220 ("Call is not in-progress.
Cannot redirect."), and answers HTTP 404 with error 20404 for a CallSid it does not
know. A 5xx, a 429 or a timeout says nothing about the call, which may well be
alive: those are transient. Any other refusal is ambiguous and settled by fetching
the call.
"""

from __future__ import annotations

import logging
from typing import Any

ENDED_AT_TWILIO = frozenset({"completed", "canceled", "failed", "busy", "no-answer"})
NOT_FOUND = 20404            # https://www.twilio.com/docs/errors/20404
NOT_IN_PROGRESS = 21220      # https://www.twilio.com/docs/errors/21220

GONE = "gone"
TRANSIENT = "transient"
ASK = "ask"                  # fetch the call to know

log = logging.getLogger(__name__)


def redirect_failure(status: int | None, code: int | None) -> str:
    """What a failed redirect of the caller's call says about it (pure)."""
    if status == 404 or code in (NOT_FOUND, NOT_IN_PROGRESS):
        return GONE
    if status is None or status >= 500 or status == 429:
        return TRANSIENT
    return ASK


def error_facts(exc: BaseException) -> tuple[int | None, int | None]:
    """(HTTP status, Twilio error code) of a Twilio client error; (None, None) when the
    request never got an answer (a timeout, a refused connection)."""
    status, code = getattr(exc, "status", None), getattr(exc, "code", None)
    return (status if isinstance(status, int) else None,
            code if isinstance(code, int) else None)


ENDED = "ended"
UNKNOWN_AT_TWILIO = "unknown_at_twilio"   # 404: Twilio has no such call (any more)
LIVE = "live"


def call_state(twilio: Any, call_sid: str) -> str | None:
    """ENDED, UNKNOWN_AT_TWILIO (a 404: gone for good — asking again cannot help),
    LIVE, or None if Twilio could not be asked just now (5xx, timeout: ask later)."""
    try:
        status = twilio.calls(call_sid).fetch().status
    except Exception as exc:  # noqa: BLE001 - any failure: we do not know
        if error_facts(exc)[0] == 404:
            return UNKNOWN_AT_TWILIO
        log.warning("could not ask Twilio about call %s: %s", call_sid, type(exc).__name__)
        return None
    return ENDED if str(status) in ENDED_AT_TWILIO else LIVE


def call_has_ended(twilio: Any, call_sid: str) -> bool | None:
    """True if Twilio says the call is over (or has never heard of it), False if it is
    still live, None if Twilio could not be asked just now."""
    state = call_state(twilio, call_sid)
    return None if state is None else state != LIVE
