"""The two verbs that produce more than one leg or a file: <Dial> (agent legs,
simulated softphones and phones, <Queue> dequeuing, call recording) and
<Record> (a caller's voicemail as real audio)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from simulator import audio
from simulator.call import (
    Bridge,
    Heard,
    HungUp,
    LiveCall,
    RecordingRef,
    Redirected,
    Signalled,
)
from simulator.endpoints import DEFAULT_TALK_SECONDS, Endpoint
from simulator.ids import call_sid
from simulator.keypad import SECONDS_PER_KEY
from simulator.recordings import StoredRecording
from simulator.voice import twiml
from simulator.voice.callbacks import RecordingCallback, recording_params
from simulator.voice.conference_leg import conference
from simulator.voice.document import BEEP_SECONDS, Fetch, resolve

if TYPE_CHECKING:
    from simulator.voice.execution import CallExecution

MAX_RECORDED_BRIDGE_SECONDS = 3600.0   # the stand-in writes at most an hour of bridge audio
RING_SECONDS_BEFORE_BUSY = 0.5


# --- <Dial> -------------------------------------------------------------------------

def dial(run: CallExecution, verb: twiml.Dial, base: str) -> Fetch | None:
    if verb.conference is not None:
        return conference(run, verb, verb.conference, base)
    queue_targets = [target for target in verb.targets if target.kind == "queue"]
    if queue_targets:
        status, child, talked = _dial_queue(run, queue_targets[0].value)
        extra = _dial_result(status, child, talked)
        return _dial_action(run, verb, base, extra)

    call, engine = run.call, run.engine
    endpoints = [(target, engine.endpoints.find(target.kind, target.value))
                 for target in verb.targets]
    # Every target rings at once; the first to answer within the timeout wins.
    outcomes = sorted((ring_plan(endpoint, verb.timeout) + (target, endpoint)
                       for target, endpoint in endpoints), key=lambda item: item[0])
    manual = [endpoint for _t, endpoint in endpoints if endpoint and endpoint.behaviour.manual]
    for _target, endpoint in endpoints:
        if endpoint is not None:
            endpoint.active.append((call, ""))
    winner: tuple[twiml.DialTarget, Endpoint] | None = None
    status = "no-answer"
    ring_started = run.clock.now()
    try:
        answer_at, result, target, endpoint = outcomes[0]
        if result == "answer" and endpoint is not None:
            winner = (target, endpoint)
        elif result == "busy" and len(outcomes) == 1:
            status = "busy"
        signals = tuple(f"answered:{ep.key}" for ep in manual)
        try:
            run.wait(min(answer_at, verb.timeout), signals=signals)
        except Signalled as answered:
            key = answered.name.split(":", 1)[1]
            winner = next((t, ep) for t, ep in endpoints if ep is not None and ep.key == key)
        except HungUp:
            _record_rings(endpoints, "caller-hung-up", call.sid)
            if verb.action:
                run.send_ignoring_answer(_action_fetch(verb, base, _dial_result("canceled",
                                                                                None, 0)))
            raise
    finally:
        for _target, endpoint in endpoints:
            if endpoint is not None and (call, "") in endpoint.active:
                endpoint.active.remove((call, ""))
    if run.clock.now() - ring_started >= verb.timeout and winner is None:
        status = "no-answer"
    if winner is None:
        _record_rings(endpoints, status, call.sid)
        return _dial_action(run, verb, base, _dial_result(status, None, 0))
    return _bridge(run, verb, base, *winner)


def ring_plan(endpoint: Endpoint | None, timeout: float) -> tuple[float, str]:
    """(seconds until the outcome, outcome) for one ringing endpoint."""
    if endpoint is None:
        return (timeout, "no-answer")         # nobody registered: it rings out
    behaviour = endpoint.behaviour
    if behaviour.reject:
        return (RING_SECONDS_BEFORE_BUSY, "busy")
    if behaviour.manual or behaviour.answer_after is None or behaviour.answer_after > timeout:
        return (timeout, "no-answer")
    return (behaviour.answer_after, "answer")


def _record_rings(endpoints: list[tuple[twiml.DialTarget, Endpoint | None]], result: str,
                  parent_sid: str) -> None:
    for _target, endpoint in endpoints:
        if endpoint is not None:
            endpoint.rings.append({"parent_call_sid": parent_sid, "result": result})


def _bridge(run: CallExecution, verb: twiml.Dial, base: str, target: twiml.DialTarget,
            endpoint: Endpoint) -> Fetch | None:
    call, engine = run.call, run.engine
    child = LiveCall(sid=call_sid(), account_sid=call.account_sid,
                     from_=verb.caller_id or call.from_,
                     to=f"client:{target.value}" if target.kind == "client" else target.value,
                     voice_url="", direction="outbound-dial", parent_call_sid=call.sid,
                     status="in-progress", created_at=run.clock.now(),
                     answered_at=run.clock.now())
    # Hanging up the agent leg (REST, the control API) ends the bridge, not the call.
    child.extra["parent"] = call
    child.extra["endpoint_key"] = endpoint.key
    engine.register(child)
    call.child_sids.append(child.sid)
    call.bridged_to = endpoint.key
    endpoint.active.append((call, child.sid))
    behaviour = endpoint.behaviour
    talk = min(behaviour.talk_seconds if behaviour.talk_seconds is not None else verb.time_limit,
               verb.time_limit)
    started = run.clock.now()
    caller_hung_up: HungUp | None = None
    redirected: Redirected | None = None
    ended_by = "agent"
    try:
        run.wait(talk, signals=(f"agent_hangup:{endpoint.key}", f"agent_moved:{child.sid}"))
    except Signalled as signal:
        ended_by = "moved" if signal.name.startswith("agent_moved:") else "agent"
    except HungUp as hangup:
        caller_hung_up = hangup
        ended_by = hangup.by
    except Redirected as redirect:
        # The caller's call was redirected: Twilio hangs up the agent's leg.
        redirected, ended_by = redirect, "redirect"
    finally:
        endpoint.active.remove((call, child.sid))
    talked = run.clock.now() - started
    call.bridged_seconds += talked
    endpoint.rings.append({"parent_call_sid": call.sid, "result": "answered",
                           "call_sid": child.sid, "talk_seconds": round(talked, 3),
                           "ended_by": ended_by})
    if ended_by == "moved":
        # The agent's leg was redirected (REST): it leaves the bridge and runs its new
        # TwiML as a call of its own, still answered by the same agent; for the caller
        # the <Dial> is over, as if the agent had hung up.
        remaining = None if behaviour.talk_seconds is None else max(talk - talked, 0.0)
        engine.continue_leg(child, endpoint, remaining)
    else:
        child.status, child.ended_at, child.ended_by = "completed", run.clock.now(), ended_by
        child.done.set()
    if redirected is not None:
        raise redirected
    extra = _dial_result("completed", child.sid, talked)
    if verb.record != "do-not-record" and talked > 0:
        recording = _record_bridge(run, verb, base, behaviour.say, behaviour.voice, talked)
        extra.update({"RecordingUrl": recording.url, "RecordingSid": recording.sid,
                      "RecordingDuration": str(recording.duration)})
    if caller_hung_up is not None:
        if verb.action:
            run.send_ignoring_answer(_action_fetch(verb, base, extra))
        raise caller_hung_up
    return _dial_action(run, verb, base, extra)


def _dial_queue(run: CallExecution, name: str) -> tuple[str, str | None, float]:
    member = run.engine.queues.take_first(name)
    if member is None:
        return "no-answer", None, 0.0
    bridge = Bridge(by_call_sid=run.call.sid)
    member.control.bridge(bridge)
    run.call.bridged_to = f"queue:{name}:{member.sid}"
    started = run.clock.now()
    try:
        run.wait(DEFAULT_TALK_SECONDS)
    finally:
        bridge.seconds = run.clock.now() - started
        bridge.ended.set()
        with member.control.cond:
            member.control.cond.notify_all()
        run.call.bridged_seconds += bridge.seconds
    return "completed", member.sid, bridge.seconds


def _dial_result(status: str, child_sid: str | None, talked: float) -> dict[str, str]:
    extra = {"DialCallStatus": status, "DialCallDuration": str(int(round(talked)))}
    if child_sid:
        extra["DialCallSid"] = child_sid
        extra["DialBridged"] = "true"
    return extra


def _action_fetch(verb: twiml.Dial, base: str, extra: dict[str, str]) -> Fetch:
    return Fetch(resolve(base, verb.action or base), verb.method, "action", extra)


def _dial_action(run: CallExecution, verb: twiml.Dial, base: str,
                 extra: dict[str, str]) -> Fetch | None:
    # Without an action Twilio carries on with the verb after <Dial>.
    return _action_fetch(verb, base, extra) if verb.action else None


def _record_bridge(run: CallExecution, verb: twiml.Dial, base: str, agent_text: str,
                   agent_voice: str, talked: float) -> RecordingRef:
    script = run.call.script
    seconds = min(talked, MAX_RECORDED_BRIDGE_SECONDS)
    with tempfile.TemporaryDirectory(prefix="sim-dial-") as tmp:
        caller = _caller_audio(script.say_text, script.say_voice, script.say_file,
                               Path(tmp) / "caller.wav")
        agent = audio.speak(agent_text, agent_voice, Path(tmp) / "agent.wav")
        dual = verb.record.endswith("-dual")
        return _store(run, "DialVerb", RecordingCallback.of(verb, base),
                      lambda wav, mp3: (audio.to_dual(caller, agent, seconds, wav, mp3) if dual
                                        else audio.to_mono(agent, wav, mp3, seconds=seconds)),
                      channels=2 if dual else 1)


# --- <Record> -----------------------------------------------------------------------

def record(run: CallExecution, verb: twiml.Record, base: str) -> Fetch | None:
    call, script = run.call, run.call.script
    if verb.play_beep:
        call.heard.append(Heard("beep", seconds=BEEP_SECONDS, at=run._since_start()))
        run.wait(BEEP_SECONDS)
    action = resolve(base, verb.action or base)
    with tempfile.TemporaryDirectory(prefix="sim-rec-") as tmp:
        source = _caller_audio(script.say_text, script.say_voice, script.say_file,
                               Path(tmp) / "caller.wav")
        if source is None:
            # The caller says nothing: after `timeout` of silence Twilio drops the
            # empty recording and carries on with the next verb — telling a
            # recordingStatusCallback subscribed to "absent" that there is none.
            run.wait(verb.timeout)
            _absent(run, "RecordVerb", RecordingCallback.of(verb, base))
            return None
        spoken = audio.media_duration(source.read_bytes()) or 1.0
        message_seconds = min(spoken, verb.max_length)
        digits = ""
        hung_up: HungUp | None = None
        started = run.clock.now()
        try:
            run.wait(message_seconds)
            if message_seconds < spoken:
                digits = ""                       # maxLength reached
            elif script.record_end == "hangup":
                raise HungUp("caller")
            elif script.record_end == "timeout" or script.record_end not in verb.finish_on_key:
                run.wait(verb.timeout)
            else:
                run.wait(SECONDS_PER_KEY)
                digits = script.record_end
        except HungUp as hangup:
            hung_up, digits = hangup, "hangup"
        recorded = min(run.clock.now() - started, verb.max_length)
        if verb.trim != "do-not-trim":
            recorded = min(recorded, spoken)      # trailing silence trimmed
        recorded = max(recorded, 0.5)
        reference = _store(run, "RecordVerb", RecordingCallback.of(verb, base),
                           lambda wav, mp3: audio.to_mono(source, wav, mp3, seconds=recorded),
                           channels=1)
    fetch = Fetch(action, verb.method, "action",
                  {"RecordingUrl": reference.url, "RecordingSid": reference.sid,
                   "RecordingDuration": str(reference.duration), "Digits": digits})
    if hung_up is not None:
        run.send_ignoring_answer(fetch)
        raise hung_up
    return fetch


def _caller_audio(text: str | None, voice: str, file: str | None, out: Path) -> Path | None:
    if file:
        return Path(file)
    if text:
        return audio.speak(text, voice, out)
    return None


def _store(run: CallExecution, source: str, callback: RecordingCallback,
           make: Callable[[Path, Path], float], channels: int) -> RecordingRef:
    engine, call = run.engine, run.call
    sid = engine.recordings.new_sid()
    folder = engine.recordings.folder
    start = run.clock.now()
    reference_url = engine.recording_url(sid)
    callback.send(engine, call, "in-progress", recording_params(
        account_sid=call.account_sid, sid=sid, url=reference_url, status="in-progress",
        duration=0, channels=channels, source=source, start=start, call_sid=call.sid))
    failed = engine.faults.take("recording", callback.url or "") is not None
    seconds = 0.0 if failed else make(folder / f"{sid}.wav", folder / f"{sid}.mp3")
    stored = engine.recordings.add(StoredRecording(
        sid=sid, account_sid=call.account_sid, call_sid=call.sid, folder=folder,
        duration=0 if failed else max(int(round(seconds)), 1), channels=channels,
        source=source, created_at=run.clock.now(), start_time=start,
        status="failed" if failed else "completed"))
    reference = RecordingRef(sid, reference_url, stored.duration, channels, source)
    call.recordings.append(reference)
    # A failed recording is reported with the completed event (there is no "failed" one).
    callback.send(engine, call, "completed", recording_params(
        account_sid=call.account_sid, sid=sid, url=reference.url, status=stored.status,
        duration=stored.duration, channels=channels, source=source, start=start,
        call_sid=call.sid))
    return reference


def _absent(run: CallExecution, source: str, callback: RecordingCallback) -> None:
    """Nothing was recorded: Twilio keeps an `absent` recording with no media."""
    engine, call = run.engine, run.call
    sid = engine.recordings.new_sid()
    start = run.clock.now()
    engine.recordings.add(StoredRecording(
        sid=sid, account_sid=call.account_sid, call_sid=call.sid,
        folder=engine.recordings.folder, duration=0, channels=1, source=source,
        created_at=start, start_time=start, status="absent"))
    callback.send(engine, call, "absent", recording_params(
        account_sid=call.account_sid, sid=sid, url=engine.recording_url(sid), status="absent",
        duration=0, channels=1, source=source, start=start, call_sid=call.sid))
