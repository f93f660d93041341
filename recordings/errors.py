"""Why a recording could not be fetched, verified or stored.

The codes are part of the exposed API: staff see them next to a failed recording
and the console may translate them. `permanent` decides between "give up and show
the reason" and "retry with backoff".
"""

from __future__ import annotations

# Permanent: retrying cannot help.
NOT_FOUND_AT_TWILIO = "not_found_at_twilio"
REFUSED_BY_TWILIO = "refused_by_twilio"
EMPTY_MEDIA = "empty_media"
NOT_AUDIO = "not_audio"
CORRUPT_AUDIO = "corrupt_audio"
TRUNCATED_AUDIO = "truncated_audio"
INVALID_RECORDING_SID = "invalid_recording_sid"
# Transient: the network or Twilio had a bad moment.
TWILIO_UNAVAILABLE = "twilio_unavailable"
GAVE_UP = "gave_up_after_retries"


class RecordingError(Exception):
    """A failure with a stable `code` and a sentence staff can act on."""

    def __init__(self, code: str, message: str, *, permanent: bool = True) -> None:
        self.code = code
        self.message = message
        self.permanent = permanent
        super().__init__(f"{code}: {message}")


class AudioError(RecordingError):
    """The bytes are not audio we can decode exactly (always permanent)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, permanent=True)
