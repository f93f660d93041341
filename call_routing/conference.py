"""The conference every answered call lives in, and its participants, through Twilio's
REST API (Conferences and Conference Participants).

Naming — the one rule everything else relies on: the room of a call is
`room_name(call_sid)` = "call-<the caller's CallSid>" — named by the call, never by a
phone number. Participants are addressed by label, which Twilio accepts wherever a
participant's CallSid goes: the caller is "caller", an agent "agent-<staff id>", a
supervisor "supervisor-<staff id>" (`caller_label`, `agent_label`, `supervisor_label`).

What each control is in Twilio's terms:
  hold / resume     Participant update Hold=true + HoldUrl (the caller's language's
                    queue hold audio, `hold_url`) / Hold=false
  mute / unmute     Participant update Muted=true / false
  add               Participants create on the room's friendly name: a new leg dialled
                    into the room (an agent for a consult or transfer, a supervisor who
                    listens muted, whispers with Coaching+CallSidToCoach, or barges)
  coach             Participant update Coaching + CallSidToCoach (None: coaching off)
  end on exit       Participant update EndConferenceOnExit (whose leaving ends the call)
  remove            Participant delete (their leg leaves the room)
  end               Conference update Status=completed (everyone is put out)

Every method raises `ConferenceError` (with Twilio's HTTP status and error code when
Twilio answered) so that views turn any failure into one stable error.

Usage (part B's supervisor controls import this):
    gateway = ConferenceGateway(svc.twilio, base_url)
    gateway.add(call_sid, to="client:supervisor-3", from_=number,
                label=supervisor_label(3), muted=True)           # listen
    gateway.coach(call_sid, supervisor_label(3), agent_call_sid)  # whisper
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

log = logging.getLogger("helpline.routing")

ROOM_PREFIX = "call-"
CALLER_LABEL = "caller"
HOLD_PATH = "/twilio/voice/conference/hold"
PARTICIPANT_STATUS_PATH = "/twilio/voice/conference/participant/status"
RING_SECONDS = 20           # an agent or supervisor dialled in accepted on screen


def room_name(call_sid: str) -> str:
    """The conference of the call whose caller's CallSid is `call_sid`."""
    return f"{ROOM_PREFIX}{call_sid}"


def call_of_room(name: str) -> str | None:
    return name[len(ROOM_PREFIX):] if name.startswith(ROOM_PREFIX) else None


def caller_label() -> str:
    return CALLER_LABEL


def agent_label(agent_id: int) -> str:
    return f"agent-{agent_id}"


def supervisor_label(staff_id: int) -> str:
    return f"supervisor-{staff_id}"


def hold_url(base_url: str, language: str) -> str:
    """TwiML that plays the caller's language queue's hold audio while they are held."""
    return f"{base_url}{HOLD_PATH}?lang={quote(language)}"


class ConferenceError(Exception):
    def __init__(self, message: str, *, status: int | None = None,
                 code: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code = status, code

    @property
    def gone(self) -> bool:
        """Twilio said the room or participant is not there (ended, left)."""
        return self.status == 404


@dataclass(frozen=True)
class Member:
    """One participant inside the room now."""
    call_sid: str
    label: str | None
    muted: bool
    hold: bool
    coaching: bool
    call_sid_to_coach: str | None


class ConferenceGateway:
    def __init__(self, twilio: Any, base_url: str = "") -> None:
        self.twilio = twilio
        self.base_url = base_url

    # ------------------------------------------------------------------ the room

    def conference_sid(self, call_sid: str) -> str:
        """The CF sid of the call's live room (ConferenceError gone if there is none)."""
        rooms = self._twilio(lambda: self.twilio.conferences.list(
            friendly_name=room_name(call_sid), limit=20))
        for room in rooms:
            if room.status != "completed":
                return str(room.sid)
        raise ConferenceError(f"no live conference for call {call_sid}", status=404)

    def members(self, call_sid: str) -> list[Member]:
        sid = self.conference_sid(call_sid)
        listed = self._twilio(lambda: self.twilio.conferences(sid).participants.list(limit=50))
        return [Member(p.call_sid, p.label, bool(p.muted), bool(p.hold), bool(p.coaching),
                       p.call_sid_to_coach) for p in listed]

    def end(self, call_sid: str) -> None:
        sid = self.conference_sid(call_sid)
        self._twilio(lambda: self.twilio.conferences(sid).update(status="completed"))

    # ------------------------------------------------------------------ participants

    def hold(self, call_sid: str, who: str, language: str) -> None:
        self._update(call_sid, who, hold=True, hold_url=hold_url(self.base_url, language),
                     hold_method="POST")

    def resume(self, call_sid: str, who: str) -> None:
        self._update(call_sid, who, hold=False)

    def mute(self, call_sid: str, who: str, muted: bool = True) -> None:
        self._update(call_sid, who, muted=muted)

    def coach(self, call_sid: str, who: str, coached_call_sid: str | None) -> None:
        """`who` whispers to `coached_call_sid` only; None: heard by everyone again."""
        if coached_call_sid is None:
            self._update(call_sid, who, coaching=False)
        else:
            self._update(call_sid, who, coaching=True, call_sid_to_coach=coached_call_sid)

    def end_on_exit(self, call_sid: str, who: str, ends: bool) -> None:
        self._update(call_sid, who, end_conference_on_exit=ends)

    def remove(self, call_sid: str, who: str) -> None:
        sid = self.conference_sid(call_sid)
        self._twilio(lambda: self.twilio.conferences(sid).participants(who).delete())

    def add(self, call_sid: str, *, to: str, from_: str, label: str, muted: bool = False,
            coach: str | None = None, end_on_exit: bool = False,
            status_callback: str | None = None, timeout: int = RING_SECONDS) -> str:
        """Dial `to` into the call's room (made if need be); returns the new leg's CallSid."""
        options: dict[str, Any] = {
            "from_": from_, "to": to, "label": label, "muted": muted, "beep": "false",
            "end_conference_on_exit": end_on_exit, "start_conference_on_enter": True,
            "timeout": timeout}
        if coach is not None:
            options.update(coaching=True, call_sid_to_coach=coach)
        if status_callback is not None:
            options.update(status_callback=status_callback, status_callback_method="POST",
                           status_callback_event=["completed"])
        created = self._twilio(lambda: self.twilio.conferences(room_name(call_sid))
                               .participants.create(**options))
        return str(created.call_sid)

    # ------------------------------------------------------------------ plumbing

    def _update(self, call_sid: str, who: str, **changes: Any) -> None:
        sid = self.conference_sid(call_sid)
        self._twilio(lambda: self.twilio.conferences(sid).participants(who).update(**changes))

    @staticmethod
    def _twilio(action: Any) -> Any:
        try:
            return action()
        except ConferenceError:
            raise
        except Exception as exc:  # noqa: BLE001 - one error whatever Twilio's client raised
            status = getattr(exc, "status", None)
            code = getattr(exc, "code", None)
            log.warning("conference request failed: %s %s", type(exc).__name__, status)
            raise ConferenceError("Twilio refused the conference request",
                                  status=status if isinstance(status, int) else None,
                                  code=code if isinstance(code, int) else None) from exc
