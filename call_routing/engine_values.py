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
DEFAULT_HANDLE_SECONDS = 300     # talk + wrap-up, until real calls give a figure
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


@dataclass(frozen=True)
class Offer:
    agent_id: int
    call_sid: str
    language: str
    dialect: str | None
    deadline: float
    joined_at: float
    urgent: bool = False
    callback: bool = False     # a callback request: the caller is not on the line


@dataclass(frozen=True)
class CallStatus:
    call_sid: str
    skill: str
    language: str
    dialect: str | None
    state: str                   # waiting / reserved / connected / ended
    position: int
    waiting_seconds: float
    estimated_wait_seconds: int
    agent_id: int | None
    interpreter_id: int | None
    urgent: bool
    callback: bool
    agents_logged_in: int = 0


@dataclass(frozen=True)
class QueuedEntry:
    """A call still waiting in a queue or being offered, as the ghost check sees it."""

    call_sid: str
    state: str                   # waiting / reserved
    joined_at: float
    callback: bool


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
