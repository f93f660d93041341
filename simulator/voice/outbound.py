"""A call placed with the REST API (Calls create) rings its callee first: a
simulated softphone (`client:<identity>`) or agent phone answers, rejects or
rings out by its `Behaviour`, exactly as when a <Dial> rings it. Only once
answered does the call fetch its TwiML."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.call import CallScript, Signalled
from simulator.voice.document import Rejected
from simulator.voice.legs import ring_plan

if TYPE_CHECKING:
    from simulator.voice.execution import CallExecution

DEFAULT_RING_TIMEOUT = 60.0     # Twilio's Calls create Timeout


def callee(to: str) -> tuple[str, str]:
    """(endpoint kind, address) of a call's `To`."""
    if to.startswith("client:"):
        return "client", to.removeprefix("client:")
    return "number", to


def ring_callee(run: CallExecution) -> None:
    """Ring; return once answered (the agent's talk time scheduled), else raise Rejected."""
    call, engine = run.call, run.engine
    endpoint = engine.endpoints.find(*callee(call.to))
    timeout = float(call.extra.get("ring_timeout", DEFAULT_RING_TIMEOUT))
    answer_at, result = ring_plan(endpoint, timeout)
    ringing = (call, "")
    signals: tuple[str, ...] = ()
    if endpoint is not None:
        endpoint.active.append(ringing)
        if endpoint.behaviour.manual:
            signals = (f"answered:{endpoint.key}",)
    try:
        run.wait(min(answer_at, timeout), signals=signals)
    except Signalled:
        result = "answer"
    finally:
        if endpoint is not None and ringing in endpoint.active:
            endpoint.active.remove(ringing)
    if endpoint is not None:
        endpoint.rings.append({"call_sid": call.sid, "direction": call.direction,
                               "result": "answered" if result == "answer" else result})
    if result != "answer" or endpoint is None:
        raise Rejected("busy" if result == "busy" else "no-answer")
    call.ended_by = None
    run._answer()
    # Hung up from the softphone (control API) or after the agent's talk time.
    endpoint.active.append((call, call.sid))
    call.extra["endpoint"] = endpoint
    talk = endpoint.behaviour.talk_seconds
    if talk is not None:
        call.script = CallScript(hangup_after=run.clock.now() - call.created_at + talk)
