"""What a verb hands back to the call's run: the next document to fetch (`Fetch`),
the URL it resolves against, and the exceptions that end a document early. Shared
by the execution loop and every verb module, which therefore import this and not
each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

SAY_CHARACTERS_PER_SECOND = 15.0
TWILIO_HOLD_MUSIC = "http://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3"
BEEP_SECONDS = 0.5


class ApplicationError(Exception):
    """Twilio could not get or understand a document: it apologises and hangs up."""


class Rejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LeaveQueue(Exception):
    pass


@dataclass
class Fetch:
    url: str
    method: str = "POST"
    purpose: str = "redirect"
    extra: dict[str, str] = field(default_factory=dict)
    twiml: str | None = None        # a REST update with Twiml= instead of Url=


def resolve(base: str, url: str) -> str:
    """Relative TwiML URLs resolve against the current document's URL, as Twilio does."""
    return urljoin(base, url.strip())


def rfc2822(epoch: float) -> str:
    from email.utils import formatdate

    return formatdate(epoch, usegmt=False).replace("-0000", "+0000")
