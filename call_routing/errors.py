"""Routing errors with stable codes: part of the JSON API, so never rename one."""

from __future__ import annotations

AGENT_BUSY = "agent_busy"                  # reserved or on a call: cannot change state now
AGENT_NOT_AVAILABLE = "agent_not_available"
NO_OFFER = "no_offer"                      # nothing is being offered to this agent
OFFER_GONE = "offer_gone"                  # the caller hung up or the offer expired
CALL_NOT_FOUND = "call_not_found"
STAFF_NOT_FOUND = "staff_not_found"
NOT_CONNECTED = "not_connected"            # the call is not talking to an agent
NOT_YOUR_CALL = "not_your_call"
IN_CONFERENCE = "in_conference"
SAME_AGENT = "same_agent"
UNKNOWN_LANGUAGE = "unknown_language"
INVALID_STATE = "invalid_state"
WRONG_STATE = "wrong_state"
BAD_REQUEST = "bad_request"
TWILIO_FAILED = "twilio_failed"
CALLBACK_NOT_OPEN = "callback_not_open"    # done, being made, or stopped after its attempts
NOT_YOUR_LANGUAGE = "not_your_language"

HTTP_STATUS = {
    AGENT_BUSY: 409, AGENT_NOT_AVAILABLE: 409, NO_OFFER: 404, OFFER_GONE: 409,
    CALL_NOT_FOUND: 404, STAFF_NOT_FOUND: 404, NOT_CONNECTED: 409, NOT_YOUR_CALL: 403,
    IN_CONFERENCE: 409,
    SAME_AGENT: 400, UNKNOWN_LANGUAGE: 400, INVALID_STATE: 400, WRONG_STATE: 409,
    BAD_REQUEST: 400, TWILIO_FAILED: 502, CALLBACK_NOT_OPEN: 409, NOT_YOUR_LANGUAGE: 403,
}


class RoutingError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 400)
