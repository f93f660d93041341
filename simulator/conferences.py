"""Twilio's named conference rooms (<Dial><Conference>): who is in which room,
and the rules for when a room starts and ends.

A room named N exists from its first participant until it ends; joining N after
that makes a new conference (a new CF sid), as with Twilio. It starts when a
participant with startConferenceOnEnter joins (until then everyone holds); it
ends when a participant with endConferenceOnExit leaves or the last one leaves.
Everyone still inside is then removed: their <Dial> ends and their TwiML goes on.
The REST API can also end it (Status=completed) or remove one participant.

While in a room a participant can be muted (nobody hears them), held (they hear
hold audio and nobody hears them) or coaching one call (only that call's
participant hears them; a coach hears everyone). Each room keeps `timeline`: who
can hear whom from each change on, so tests can say what each person heard.

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
    removed: bool = False               # put out by the conference ending, or kicked
    hold: bool = False
    hold_url: str | None = None         # what a held participant hears
    coaching: bool = False
    call_sid_to_coach: str | None = None
    updated_at: float | None = None

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
    # Who could hear whom from each change on (`Hearing`), oldest first.
    timeline: list[Hearing] = field(default_factory=list)
    # The end was reported (conference-end, the recording finished) by someone leaving.
    end_reported: bool = False

    @property
    def started(self) -> bool:
        return self.status == "in-progress"

    def hearing_now(self) -> Hearing | None:
        return self.timeline[-1] if self.timeline else None

    def heard(self, listener: str, speaker: str) -> list[bool]:
        """Whether `listener` could hear `speaker` (call sids), at each change in turn,
        with repeats collapsed: e.g. [True, False, True] for held, then resumed."""
        seen: list[bool] = []
        for hearing in self.timeline:
            now = (listener, speaker) in hearing.pairs
            if not seen or seen[-1] != now:
                seen.append(now)
        return seen


@dataclass(frozen=True)
class Hearing:
    """From `at` on: the (listener, speaker) call sids for whom the listener hears the
    speaker, and what each held participant hears instead (call sid -> hold URL)."""
    at: float
    pairs: frozenset[tuple[str, str]]
    holding: tuple[tuple[str, str], ...] = ()
    why: str = ""

    def hears(self, listener: str, speaker: str) -> bool:
        return (listener, speaker) in self.pairs


def audible_pairs(participants: list[Participant], started: bool) -> frozenset[tuple[str, str]]:
    """Twilio's rules: nobody hears anyone before the room starts (they hear wait
    music); a muted or held speaker is heard by nobody; a held listener hears only
    hold audio; a coach is heard only by the participant of the call they coach."""
    if not started:
        return frozenset()
    pairs = set()
    for listener in participants:
        if listener.hold:
            continue
        for speaker in participants:
            if speaker is listener or speaker.muted or speaker.hold:
                continue
            if speaker.coaching and speaker.call_sid_to_coach != listener.call_sid:
                continue
            pairs.add((listener.call_sid, speaker.call_sid))
    return frozenset(pairs)


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
             max_participants: int = 250,
             coach: str | None = None) -> tuple[Conference, Participant, bool]:
        """Add `call` to room `name`; returns (conference, participant, started now)."""
        with self._lock:
            conference = self._live_room(account_sid, name, now)
            if len(conference.participants) >= max_participants:
                raise ConferenceFull(name)
            participant = Participant(call=call, conference_sid=conference.sid, joined_at=now,
                                      start_conference_on_enter=start_conference_on_enter,
                                      end_conference_on_exit=end_conference_on_exit,
                                      muted=muted, label=label, coaching=coach is not None,
                                      call_sid_to_coach=coach)
            conference.participants.append(participant)
            conference.history.append(participant)
            conference.updated_at = now
            started = False
            if start_conference_on_enter and conference.status == "init":
                conference.status, started = "in-progress", True
            self._note(conference, now, f"join {participant.call_sid}")
            return conference, participant, started

    def leave(self, participant: Participant, now: float) -> Left:
        """`participant` leaves (hung up, redirected, time limit, or removed)."""
        with self._lock:
            conference = self._all[participant.conference_sid]
            if participant in conference.participants:
                conference.participants.remove(participant)
            participant.status, participant.left_at = "complete", now
            conference.updated_at = now
            self._note(conference, now, f"leave {participant.call_sid}")
            if conference.status == "completed":
                # Ended by the REST API: the last one out reports the end.
                last = not conference.participants and not conference.end_reported
                conference.end_reported = conference.end_reported or last
                return Left(conference, ended=last)
            if participant.end_conference_on_exit and conference.started:
                reason = "participant-with-end-conference-on-exit-left"
            elif not conference.participants:
                reason = "last-participant-left"
            else:
                return Left(conference, ended=False)
            conference.status = "completed"
            conference.reason_ended = reason
            conference.call_sid_ending = participant.call_sid
            conference.end_reported = True
            self._live.pop((conference.account_sid, conference.name), None)
            removed = tuple(conference.participants)
            for other in removed:
                other.removed = True
            self._note(conference, now, "ended")
            return Left(conference, ended=True, removed=removed)

    def ensure(self, *, account_sid: str, name: str, now: float) -> Conference:
        """The live room `name`, made now if there is none (Participants create by a
        conference's friendly name makes the conference, as Twilio does)."""
        with self._lock:
            return self._live_room(account_sid, name, now)

    def _live_room(self, account_sid: str, name: str, now: float) -> Conference:
        """The live room `name`, made now if there is none; the caller holds the lock."""
        conference = self._live.get((account_sid, name))
        if conference is None:
            conference = Conference(name=name, account_sid=account_sid, created_at=now,
                                    updated_at=now)
            self._live[(account_sid, name)] = conference
            self._all[conference.sid] = conference
        return conference

    def update(self, participant: Participant, now: float, **changes: Any) -> None:
        """Change a participant's muted / hold / hold_url / coaching / call_sid_to_coach /
        end_conference_on_exit (a REST Participant update), noting who hears whom."""
        with self._lock:
            conference = self._all[participant.conference_sid]
            for name, value in changes.items():
                setattr(participant, name, value)
            participant.updated_at = conference.updated_at = now
            self._note(conference, now, "update " + " ".join(
                f"{participant.call_sid}.{name}={value}" for name, value in changes.items()))

    def remove(self, participant: Participant) -> bool:
        """Kick one participant (REST Participant delete): its <Dial> ends; its own
        leaving (`leave`, from its thread) applies endConferenceOnExit as usual."""
        with self._lock:
            if participant.removed or participant.status == "complete":
                return False
            participant.removed = True
            return True

    def end(self, conference: Conference, now: float) -> tuple[Participant, ...]:
        """End the room (REST Conference update Status=completed): everyone is put out."""
        with self._lock:
            if conference.status == "completed":
                return ()
            conference.status = "completed"
            conference.reason_ended = "conference-ended-via-api"
            conference.updated_at = now
            self._live.pop((conference.account_sid, conference.name), None)
            removed = tuple(conference.participants)
            for other in removed:
                other.removed = True
            if not removed:
                conference.end_reported = True
            self._note(conference, now, "ended via api")
            return removed

    def find_participant(self, sid: str, key: str) -> Participant | None:
        """A participant inside conference `sid` now, by call sid or label."""
        with self._lock:
            conference = self._all.get(sid)
            if conference is None:
                return None
            for participant in conference.participants:
                if key in (participant.call_sid, participant.label):
                    return participant
            return None

    @staticmethod
    def _note(conference: Conference, now: float, why: str) -> None:
        # Called under the lock: a new Hearing only when something audible changed.
        inside = conference.participants if conference.status != "completed" else []
        hearing = Hearing(now, audible_pairs(inside, conference.started),
                          tuple((p.call_sid, p.hold_url or "") for p in inside if p.hold), why)
        last = conference.timeline[-1] if conference.timeline else None
        if last is None or (last.pairs, last.holding) != (hearing.pairs, hearing.holding):
            conference.timeline.append(hearing)

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
