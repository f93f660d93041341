"""Plain values the routing engine hands out, the tunables it runs with, and how
an agent's skills are written into Redis."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

AGENT_STATES = ("offline", "available", "reserved", "on_call", "wrap_up", "break")
SETTABLE_STATES = ("offline", "available", "break")
PROFICIENCIES = (1, 2, 3, 4, 5)
SERVICE_LEVEL_SECONDS = 20       # answered within this counts toward service level
SHORT_ABANDON_SECONDS = 5        # hanging up sooner is not held against the service level
HANDLE_SAMPLES = 20              # recent calls whose talk + wrap-up make the estimate
LONGEST_MEANINGFUL_WAIT = 3600   # an estimate beyond an hour is not worth saying
ROUTE_ATTEMPTS = 8               # lost races before giving up until the next trigger
DEFAULT_PREFIX = "hl:rt:"


@dataclass(frozen=True)
class Transition:
    """An agent's presence changed (written to AgentStateChange, published live)."""

    agent_id: int
    state: str
    reason: str | None
    at: float
    call_sid: str | None = None


@dataclass(frozen=True)
class QueueChanged:
    skill: str
    at: float


# What an offer is, as the agent's console shows it.
OFFER_KINDS = ("call", "callback", "voicemail", "transfer", "interpreter")


@dataclass(frozen=True)
class Offer:
    agent_id: int
    call_sid: str              # a RecordingSid for a voicemail
    language: str
    dialect: str | None
    deadline: float
    joined_at: float
    urgent: bool = False
    callback: bool = False     # a callback request: the caller is not on the line
    kind: str = "call"         # one of OFFER_KINDS
    owner_agent_id: int | None = None   # for an interpreter: the agent on the call


@dataclass(frozen=True)
class CallStatus:
    call_sid: str
    skill: str
    language: str
    dialect: str | None
    state: str                   # waiting / reserved / connected / ended
    position: int
    waiting_seconds: float
    estimated_wait_seconds: int | None   # None: no honest estimate to give
    agent_id: int | None
    interpreter_id: int | None
    urgent: bool
    callback: bool
    agents_serving: int = 0      # available, reserved, on a call or wrapping up
    kind: str = "call"           # call / callback / voicemail
    interpreter_offered_to: int | None = None   # an interpreter not yet accepted


@dataclass(frozen=True)
class QueuedEntry:
    """A call still waiting in a queue or being offered, as the ghost check sees it."""

    call_sid: str
    state: str                   # waiting / reserved
    joined_at: float
    callback: bool
    kind: str = "call"           # call / callback / voicemail


Listener = Callable[[Transition | QueueChanged], None]


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def skills_field(skills: Mapping[str, int]) -> str:
    return ",".join(f"{lang}:{int(level)}" for lang, level in sorted(skills.items())
                    if 1 <= int(level) <= 5)


def parse_skills_field(raw: str) -> dict[str, int]:
    skills = {}
    for item in filter(None, raw.split(",")):
        lang, _, level = item.partition(":")
        skills[lang] = int(level)
    return skills
