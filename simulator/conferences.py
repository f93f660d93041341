"""Twilio's named conference rooms (<Dial><Conference>): who is in which room,
and the rules for when a room starts and ends.

A room named N exists from its first participant until it ends; joining N after
that makes a new conference (a new CF sid), as with Twilio. It starts when a
participant with startConferenceOnEnter joins (until then everyone holds); it
ends when a participant with endConferenceOnExit leaves or the last one leaves.
Everyone still inside is then removed: their <Dial> ends and their TwiML goes on.

Pure bookkeeping under one lock; the calls' threads act on what it returns.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from simulator.ids import new_sid

# Woken participants see this signal on their call's control channel.
REMOVED_SIGNAL = "conference_removed"


@dataclass
class Participant:
    call: Any                           # LiveCall
    conference_sid: str
    joined_at: float
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    muted: bool = False
    label: str | None = None
    status: str = "connected"           # connected / complete
    left_at: float | None = None
    removed: bool = False               # put out by the conference ending

    @property
    def call_sid(self) -> str:
        return str(self.call.sid)


@dataclass
class Conference:
    name: str
    account_sid: str
    created_at: float
    sid: str = field(default_factory=lambda: new_sid("CF"))
    status: str = "init"                # init / in-progress / completed
    updated_at: float = 0.0
    participants: list[Participant] = field(default_factory=list)   # inside now
    history: list[Participant] = field(default_factory=list)        # everyone who joined
    reason_ended: str | None = None
    call_sid_ending: str | None = None
    # Set by the first participant whose <Conference> has record="record-from-start":
    # the room is recorded from then until it ends (`conference_leg`).
    recording: Any = None

    @property
    def started(self) -> bool:
        return self.status == "in-progress"


@dataclass(frozen=True)
class Left:
    """What a participant leaving did: the conference it left and, if that ended
    it, who was put out."""
    conference: Conference
    ended: bool
    removed: tuple[Participant, ...] = ()


class ConferenceFull(Exception):
    pass


class ConferenceRegistry:
    def __init__(self) -> None:
        self._all: dict[str, Conference] = {}          # by sid, ended ones too
        self._live: dict[tuple[str, str], Conference] = {}   # (account, name) → not ended
        self._lock = threading.Lock()

    def join(self, *, account_sid: str, name: str, call: Any, now: float,
             start_conference_on_enter: bool, end_conference_on_exit: bool,
             muted: bool = False, label: str | None = None,
             max_participants: int = 250) -> tuple[Conference, Participant, bool]:
        """Add `call` to room `name`; returns (conference, participant, started now)."""
        with self._lock:
            conference = self._live.get((account_sid, name))
            if conference is None:
                conference = Conference(name=name, account_sid=account_sid, created_at=now,
                                        updated_at=now)
                self._live[(account_sid, name)] = conference
                self._all[conference.sid] = conference
            if len(conference.participants) >= max_participants:
                raise ConferenceFull(name)
            participant = Participant(call=call, conference_sid=conference.sid, joined_at=now,
                                      start_conference_on_enter=start_conference_on_enter,
                                      end_conference_on_exit=end_conference_on_exit,
                                      muted=muted, label=label)
            conference.participants.append(participant)
            conference.history.append(participant)
            conference.updated_at = now
            started = False
            if start_conference_on_enter and conference.status == "init":
                conference.status, started = "in-progress", True
            return conference, participant, started

    def leave(self, participant: Participant, now: float) -> Left:
        """`participant` leaves (hung up, redirected, time limit, or removed)."""
        with self._lock:
            conference = self._all[participant.conference_sid]
            if participant in conference.participants:
                conference.participants.remove(participant)
            participant.status, participant.left_at = "complete", now
            conference.updated_at = now
            if conference.status == "completed":
                return Left(conference, ended=False)
            if participant.end_conference_on_exit and conference.started:
                reason = "participant-with-end-conference-on-exit-left"
            elif not conference.participants:
                reason = "last-participant-left"
            else:
                return Left(conference, ended=False)
            conference.status = "completed"
            conference.reason_ended = reason
            conference.call_sid_ending = participant.call_sid
            self._live.pop((conference.account_sid, conference.name), None)
            removed = tuple(conference.participants)
            for other in removed:
                other.removed = True
            return Left(conference, ended=True, removed=removed)

    def get(self, sid: str) -> Conference | None:
        with self._lock:
            return self._all.get(sid)

    def live(self, name: str, account_sid: str) -> Conference | None:
        with self._lock:
            return self._live.get((account_sid, name))

    def all(self) -> list[Conference]:
        with self._lock:
            return list(self._all.values())

    def participants(self, sid: str) -> list[Participant]:
        with self._lock:
            conference = self._all.get(sid)
            return list(conference.participants) if conference else []
