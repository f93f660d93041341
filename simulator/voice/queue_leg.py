"""<Enqueue>: one call's stay in a queue, run as Twilio runs it.

The caller hears the waitUrl's documents over and over (or Twilio's hold music
when there is none) until a <Leave>, an agent's <Dial><Queue> bridging them, a
hang-up or a redirect; the action URL then gets the QueueResult (not after a
redirect; after a hang-up its answer is ignored)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.call import Dequeued, Heard, HungUp
from simulator.voice import twiml
from simulator.voice.document import TWILIO_HOLD_MUSIC, Fetch, LeaveQueue, resolve

if TYPE_CHECKING:
    from simulator.voice.execution import CallExecution

DEFAULT_HOLD_SECONDS = 30.0         # Twilio's own hold music, when <Enqueue> has no waitUrl


def enqueue(run: CallExecution, verb: twiml.Enqueue, base: str) -> Fetch | None:
    call, queues = run.call, run.engine.queues
    queue = queues.join(verb.queue_name, call)
    call.queue_name = verb.queue_name
    joined = run.clock.now()
    wait_fetch = (Fetch(resolve(base, verb.wait_url), verb.wait_url_method, "wait")
                  if verb.wait_url else None)
    result = "error"
    run.in_queue = True
    try:
        try:
            next_wait = wait_fetch
            while True:
                if next_wait is None:
                    run.call.heard.append(Heard("play", audio_url=TWILIO_HOLD_MUSIC,
                                                seconds=DEFAULT_HOLD_SECONDS,
                                                at=run._since_start()))
                    run.wait(DEFAULT_HOLD_SECONDS)
                    continue
                position, size = queues.position(verb.queue_name, call)
                next_wait.extra = {
                    "QueuePosition": str(position), "QueueSid": queue.sid,
                    "QueueTime": str(int(run.clock.now() - joined)),
                    "AvgQueueTime": str(queue.average_wait), "CurrentQueueSize": str(size)}
                before = run.clock.now()
                followed = run.run_verbs(run.fetch_document(next_wait), next_wait.url)
                if followed is not None:
                    next_wait = followed
                else:
                    next_wait = wait_fetch
                if run.clock.now() == before and run.engine.simulated:
                    run.wait(1.0)   # an empty wait document must not spin
        except LeaveQueue:
            result = "leave"
        except Dequeued as dequeued:
            result = "bridged"
            _bridged_from_queue(run, dequeued)
        except HungUp:
            result = "hangup"
            if verb.action:
                run.send_ignoring_answer(Fetch(
                    resolve(base, verb.action), verb.method, "action",
                    _queue_result(run, result, queue.sid, joined)))
            raise
    finally:
        run.in_queue = False
        waited = run.clock.now() - joined
        queues.leave(verb.queue_name, call, waited)
        call.queue_seconds += waited
        call.queue_name = None
    if verb.action:
        return Fetch(resolve(base, verb.action), verb.method, "action",
                     _queue_result(run, result, queue.sid, joined))
    return None


def _queue_result(run: CallExecution, result: str, queue_sid: str, joined: float) -> dict[str, str]:
    return {"QueueResult": result, "QueueSid": queue_sid,
            "QueueTime": str(int(run.clock.now() - joined))}


def _bridged_from_queue(run: CallExecution, dequeued: Dequeued) -> None:
    bridge, control = dequeued.bridge, run.call.control
    run.call.bridged_to = f"call:{bridge.by_call_sid}"
    while not bridge.ended.is_set():
        with control.cond:
            control.cond.wait_for(lambda: bridge.ended.is_set() or control.pending(),
                                  timeout=0.5)
        control.raise_pending()
    run.call.bridged_seconds += bridge.seconds
