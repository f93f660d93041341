"""<Dial><Conference>: one call's stay in a conference room, run as Twilio runs it.

The call joins the room, waits on hold until the conference starts, then stays
until it hangs up, is redirected, reaches the <Dial>'s timeLimit, or the
conference ends under it (a participant with endConferenceOnExit left). In the
last two cases the <Dial> ends as `completed` and the TwiML goes on: the action
URL if there is one, else the verb after <Dial>. A caller who hangs up still has
the action requested (its answer is ignored). A redirect leaves without one.

With a simulated clock, a participant with no scripted hang-up does not move
the shared clock while it waits: it waits (in real time) for the others to act.

A room whose first recorded participant's <Conference> has record="record-from-start"
is recorded from then until it ends, as one mono file; its recordingStatusCallback
then comes later (`simulator.voice.callbacks`), with the ConferenceSid and no CallSid —
Twilio ties a conference's recording to no call.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from simulator import audio, errors
from simulator.call import Heard, HungUp, Redirected, Signalled
from simulator.conferences import REMOVED_SIGNAL, Conference, ConferenceFull, Participant
from simulator.recordings import StoredRecording
from simulator.voice import twiml
from simulator.voice.callbacks import RecordingCallback, recording_params
from simulator.voice.document import TWILIO_HOLD_MUSIC, Fetch, resolve, rfc2822

if TYPE_CHECKING:
    from simulator.voice.execution import CallExecution

IDLE_POLL_SECONDS = 0.05        # real seconds between checks while waiting on others
_EVENT_NAMES = {"conference-start": "start", "conference-end": "end",
                "participant-join": "join", "participant-leave": "leave"}
_sequence = itertools.count()


def conference(run: CallExecution, verb: twiml.Dial, noun: twiml.Conference,
               base: str) -> Fetch | None:
    call, engine = run.call, run.engine
    try:
        room, me, started = engine.conferences.join(
            account_sid=call.account_sid, name=noun.name, call=call, now=run.clock.now(),
            start_conference_on_enter=noun.start_conference_on_enter,
            end_conference_on_exit=noun.end_conference_on_exit, muted=noun.muted,
            label=noun.participant_label, max_participants=noun.max_participants,
            coach=noun.coach)
    except ConferenceFull:
        return _after(run, verb, base, {"DialCallStatus": "failed", "DialCallDuration": "0"})
    call.bridged_to = f"conference:{noun.name}"
    joined = run.clock.now()
    if noun.record == "record-from-start" and room.recording is None:
        _start_recording(run, room, noun, base)
    _status_callback(run, noun, base, room, "participant-join", me)
    if started:
        _status_callback(run, noun, base, room, "conference-start")
    if noun.beep in {"true", "onEnter"}:
        call.heard.append(Heard("beep", text=f"conference {noun.name}", at=run._since_start()))
    if not room.started:
        # Waiting for a participant with startConferenceOnEnter: Twilio's hold music.
        call.heard.append(Heard("play", audio_url=TWILIO_HOLD_MUSIC, at=run._since_start()))
    interrupted: HungUp | Redirected | None = None
    try:
        _stay(run, me, joined + verb.time_limit)
    except (HungUp, Redirected) as exc:
        interrupted = exc
    finally:
        left = engine.conferences.leave(me, run.clock.now())
        for other in left.removed:
            other.call.control.signal(REMOVED_SIGNAL)
        seconds = run.clock.now() - joined
        call.bridged_seconds += seconds
    _status_callback(run, noun, base, room, "participant-leave", me)
    if left.ended:
        _status_callback(run, noun, base, room, "conference-end")
        if room.recording is not None:
            _finish_recording(run, room)
    extra = {"DialCallStatus": "completed", "DialCallDuration": str(int(round(seconds)))}
    if isinstance(interrupted, HungUp):
        if verb.action:
            run.send_ignoring_answer(Fetch(resolve(base, verb.action), verb.method, "action",
                                           extra))
        raise interrupted
    if interrupted is not None:
        raise interrupted
    return _after(run, verb, base, extra)


def _stay(run: CallExecution, me: Participant, until: float) -> None:
    """Return when the conference put `me` out or the time limit came; raise the
    call's own hang-up or redirect."""
    call, control = run.call, run.call.control
    scheduled = call.script.hangup_after is not None or not run.engine.simulated
    while not me.removed:
        left = until - run.clock.now()
        if left <= 0:
            return
        if scheduled:
            try:
                run.wait(left, signals=(REMOVED_SIGNAL,))
            except Signalled:
                continue
            return
        control.raise_pending()
        with control.cond:
            control.cond.wait_for(lambda: me.removed or control.pending(),
                                  timeout=IDLE_POLL_SECONDS)


def _after(run: CallExecution, verb: twiml.Dial, base: str,
           extra: dict[str, str]) -> Fetch | None:
    # Without an action Twilio carries on with the verb after <Dial>.
    if not verb.action:
        return None
    return Fetch(resolve(base, verb.action), verb.method, "action", extra)


def _status_callback(run: CallExecution, noun: twiml.Conference, base: str, room: Conference,
                     event: str, participant: Participant | None = None) -> None:
    """Each participant's own statusCallback hears the events its call causes."""
    if not noun.status_callback or _EVENT_NAMES[event] not in noun.status_callback_event:
        return
    url = resolve(base, noun.status_callback)
    params = {"AccountSid": room.account_sid, "ConferenceSid": room.sid,
              "FriendlyName": room.name, "StatusCallbackEvent": event,
              "Timestamp": rfc2822(run.clock.now()), "SequenceNumber": str(next(_sequence))}
    if participant is not None:
        params.update({
            "CallSid": participant.call_sid, "Muted": _flag(participant.muted),
            "Hold": _flag(participant.hold), "Coaching": _flag(participant.coaching),
            "EndConferenceOnExit": _flag(participant.end_conference_on_exit),
            "StartConferenceOnEnter": _flag(participant.start_conference_on_enter)})
    if event == "conference-end":
        params.update({"ReasonConferenceEnded": room.reason_ended or "",
                       "CallSidEndingConference": room.call_sid_ending or ""})
    response = run.engine.http.send(run.call, "conference", url, noun.status_callback_method,
                                    params)
    if not response.ok:
        run.notice(errors.HTTP_RETRIEVAL_FAILURE if response.status
                   else errors.HTTP_CONNECTION_FAILURE,
                   f"conference status callback: {response.status or response.error}", url)


@dataclass
class ConferenceRecording:
    """A room being recorded: by whose <Conference> (its recordingStatusCallback), from
    when, and what the recording will hold (the first recorded caller's words)."""
    callback: RecordingCallback
    sid: str
    started_at: float
    text: str | None
    voice: str


def _start_recording(run: CallExecution, room: Conference, noun: twiml.Conference,
                     base: str) -> None:
    engine, script = run.engine, run.call.script
    recording = room.recording = ConferenceRecording(
        RecordingCallback.of(noun, base), engine.recordings.new_sid(), run.clock.now(),
        script.say_text, script.say_voice)
    recording.callback.send(engine, None, "in-progress", recording_params(
        account_sid=room.account_sid, sid=recording.sid, url=engine.recording_url(recording.sid),
        status="in-progress", duration=0, channels=1, source="DialVerb",
        start=recording.started_at, conference_sid=room.sid))


def _finish_recording(run: CallExecution, room: Conference) -> None:
    """The conference ended: its mono recording is stored and, later, reported with its
    ConferenceSid and no CallSid — Twilio ties a conference recording to no call."""
    engine, recording = run.engine, room.recording
    room.recording = None
    folder = engine.recordings.folder
    seconds = max(run.clock.now() - recording.started_at, 1.0)
    with tempfile.TemporaryDirectory(prefix="sim-conf-") as tmp:
        spoken = audio.speak(recording.text or "conference", recording.voice,
                             Path(tmp) / "room.wav")
        measured = audio.to_mono(spoken, folder / f"{recording.sid}.wav",
                                 folder / f"{recording.sid}.mp3", seconds=seconds)
    duration = max(int(round(measured)), 1)
    engine.recordings.add(StoredRecording(
        sid=recording.sid, account_sid=room.account_sid, call_sid=None, folder=folder,
        duration=duration, channels=1, source="DialVerb", created_at=run.clock.now(),
        start_time=recording.started_at, conference_sid=room.sid))
    recording.callback.send(engine, None, "completed", recording_params(
        account_sid=room.account_sid, sid=recording.sid,
        url=engine.recording_url(recording.sid), status="completed", duration=duration,
        channels=1, source="DialVerb", start=recording.started_at, conference_sid=room.sid))


def _flag(value: bool) -> str:
    return "true" if value else "false"
