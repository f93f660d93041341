"""Numbers out of log text: a safety net under the rule that no code logs one.

Anything that looks like an E.164 number — a `+` (or its URL form `%2B`) then a
non-zero digit and 6-14 more, spaces, dots, dashes or brackets allowed between
digits as people write them — becomes `[number]`. A false positive costs a
redacted word in a log line; a miss costs a caller's safety, so the net is wide.
"""

from __future__ import annotations

import re

REDACTED = "[number]"

E164_LIKE = re.compile(r"(?:\+|%2[bB])[1-9](?:[\s().-]{0,2}\d){6,14}")


def redact_numbers(text: str) -> str:
    """`text` with every E.164-looking number replaced by `[number]`."""
    return E164_LIKE.sub(REDACTED, text)
