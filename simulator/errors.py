"""Twilio's debugger error codes the stand-in reports as notices.

These numbers are Twilio's own (https://www.twilio.com/docs/api/errors), so a
notice here means what the same code means in Twilio's console.
"""

HTTP_RETRIEVAL_FAILURE = 11200      # webhook answered non-2xx
HTTP_CONNECTION_FAILURE = 11205     # could not connect, or timed out
DOCUMENT_PARSE_FAILURE = 12100      # not well-formed XML / not a <Response>
SCHEMA_VALIDATION = 12200           # unknown verb or noun, bad attribute value
INVALID_CONTENT_TYPE = 12300        # body is neither TwiML nor audio
PLAY_FETCH_FAILURE = 13227          # <Play> media could not be fetched (call continues)
CALL_LOOP_LIMIT = 21220             # stand-in's own guard: call ran too long / looped
DIAL_INVALID = 13214                # <Dial> without a reachable noun
NOT_SIMULATED = 0                   # stand-in's own: accepted, but not simulated (a warning)
# Stand-in's own warning: <Say language=...> in a language Twilio's default voice does
# not speak, with no voice named — on Twilio the wrong voice reads it, or nothing.
SAY_WITHOUT_VOICE = 0
# The languages Twilio's default voices ("man", "woman") speak.
DEFAULT_VOICE_LANGUAGES = frozenset({"en", "en-us", "en-gb", "es", "fr", "de"})

# What Twilio says (in English; it knows no better) before hanging up on an
# application error. Recorded as heard so a test can see the caller heard it.
APPLICATION_ERROR_TEXT = "We are sorry, an application error has occurred. Goodbye."
