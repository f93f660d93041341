"""The IVR's vocabulary: what the caller hears (steps), what the web layer must do
(effects), and the facts a transition is given (inputs). Plain frozen dataclasses;
`ivr.domain` is the machine that combines them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Seconds Twilio waits for a key before sending an empty result.
GATHER_TIMEOUT = 6
# The hold loop file's length: a `Hold` plays it a whole number of times.
HOLD_AUDIO_SECONDS = 15

# ---------------------------------------------------------------- what the caller hears


@dataclass(frozen=True)
class Route:
    """An IVR URL by name; the web layer turns it into a path with a query string."""

    name: str
    params: tuple[tuple[str, str], ...] = ()

    def with_params(self, **params: str | int) -> Route:
        merged = dict(self.params)
        merged.update({key: str(value) for key, value in params.items()})
        return Route(self.name, tuple(sorted(merged.items())))

    def param(self, key: str, default: str = "") -> str:
        return dict(self.params).get(key, default)


def route(name: str, **params: str | int) -> Route:
    return Route(name).with_params(**params)


@dataclass(frozen=True)
class Prompt:
    id: str
    language: str
    params: tuple[tuple[str, str], ...] = ()


def prompt(prompt_id: str, language: str, **params: str | int) -> Prompt:
    return Prompt(prompt_id, language, tuple(sorted((k, str(v)) for k, v in params.items())))


@dataclass(frozen=True)
class Hold:
    """Hold audio (no language) for about `seconds`."""

    seconds: int


@dataclass(frozen=True)
class Gather:
    prompts: tuple[Prompt | Hold, ...]
    action: Route
    num_digits: int | None = 1
    timeout: int = GATHER_TIMEOUT
    finish_on_key: str | None = None


@dataclass(frozen=True)
class Redirect:
    action: Route


@dataclass(frozen=True)
class Record:
    action: Route
    status_callback: Route
    max_length_seconds: int
    finish_on_key: str


@dataclass(frozen=True)
class Hangup:
    pass


Step = Prompt | Hold | Gather | Redirect | Record | Hangup


# ---------------------------------------------------------------- what the web layer does


@dataclass(frozen=True)
class ChooseLanguage:
    language: str


@dataclass(frozen=True)
class ConsentNoticePlayed:
    pass


@dataclass(frozen=True)
class JoinQueue:
    callback: bool = False


@dataclass(frozen=True)
class LeaveQueue:
    reason: str


@dataclass(frozen=True)
class SaveCallback:
    """Use the calling number (`entered=False`) or the digits just keyed in.
    `not_before`: the epoch second the callback was promised from (the next shift)."""

    entered: bool
    not_before: float | None = None


@dataclass(frozen=True)
class SetOutcome:
    outcome: str


@dataclass(frozen=True)
class LogEvent:
    kind: str
    detail: tuple[tuple[str, str], ...] = ()


Effect = ChooseLanguage | ConsentNoticePlayed | JoinQueue | LeaveQueue | SaveCallback | (
    SetOutcome) | LogEvent


@dataclass(frozen=True)
class Decision:
    steps: tuple[Step, ...]
    effects: tuple[Effect, ...] = ()
    language: str | None = None


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Line:
    number: str
    languages: tuple[str, ...]
    default_language: str
    known: bool = True


@dataclass(frozen=True)
class QueueView:
    """The routing engine's answer about this caller, as the IVR needs it."""

    position: int
    waiting_seconds: float
    estimated_wait_seconds: int | None   # None: no honest estimate, so none is said
    # Agents who could answer soon (available, offered a call, on a call, wrapping up);
    # on a break or offline they do not count.
    agents_logged_in: int
    in_queue: bool = True


@dataclass(frozen=True)
class NextShift:
    """When the next advisor for the caller's language comes on, as the rota says and the
    caller hears it: `day` today / tomorrow / mon..sun, `time` HHMM local time."""

    starts_at: float
    day: str
    time: str


@dataclass(frozen=True)
class Context:
    line: Line
    main_menu: tuple[tuple[str, str], ...]      # (key, action) in the configured order
    dialect_parents: Mapping[str, str] = field(default_factory=dict)
    max_wait_seconds: int = 600
    announce_interval_seconds: int = 45
    voicemail_max_seconds: int = 180
    voicemail_finish_key: str = "#"
    voicemail_min_seconds: float = 1.0
    queue: QueueView | None = None
    caller_number_last_digits: str | None = None   # None: withheld or unusable
    entered_number_valid: bool | None = None
    recording_seconds: float | None = None
    # Set only when nobody serving the caller's language is on shift or logged in now.
    next_shift: NextShift | None = None


@dataclass(frozen=True)
class CallerInput:
    digits: str | None = None   # None: nothing pressed (timeout)
