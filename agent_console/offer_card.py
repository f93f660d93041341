"""What an offer is, as the agent's offer card shows it. Pure: plain values in and out.

An agent must know before accepting whether someone is on the line (a call, a
transfer), whether accepting rings their own phone first (a callback), whether it
is a message to listen to (a voicemail), or whether they join another agent's call
(an interpreter). Routing names the kind; until it does (or for an older entry that
carries no kind) the kind is worked out from what routing already says: a callback
flag, or an agent reserved by a transfer.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("call", "callback", "voicemail", "transfer", "interpreter")


@dataclass(frozen=True)
class OfferFacts:
    """What the database knows about the offered work (never the caller's number)."""

    caller_reference: str | None = None
    calls_so_far: int = 0
    urgent: bool = False
    transferred_to_agent: int | None = None   # the newest transfer of this call, if any
    owner_name: str | None = None             # who owns the call an interpreter joins
    recording_id: int | None = None           # the voicemail offered


def offer_kind(*, declared: str | None, callback: bool, agent_id: int,
               transferred_to_agent: int | None) -> str:
    if declared in KINDS:
        return declared
    if callback:
        return "callback"
    if transferred_to_agent is not None and transferred_to_agent == agent_id:
        return "transfer"
    return "call"


def is_repeat_caller(*, declared: bool | None, calls_so_far: int) -> bool:
    """Routing's word when it gives one; otherwise the caller has called before this call."""
    if declared is not None:
        return declared
    return calls_so_far > 1


def card(*, agent_id: int, call_sid: str, language: str, dialect: str | None,
         seconds_left: float, waited_seconds: float, urgent: bool, callback: bool,
         facts: OfferFacts, declared_kind: str | None = None,
         declared_repeat: bool | None = None) -> dict[str, object]:
    """The offer as the console's JSON gives it to the agent's screen."""
    return {
        "call_sid": call_sid,
        "kind": offer_kind(declared=declared_kind, callback=callback, agent_id=agent_id,
                           transferred_to_agent=facts.transferred_to_agent),
        "language": language,
        "dialect": dialect,
        "seconds_left": round(max(0.0, seconds_left), 1),
        "waited_seconds": round(max(0.0, waited_seconds), 1),
        "urgent": urgent or facts.urgent,
        "repeat_caller": is_repeat_caller(declared=declared_repeat,
                                          calls_so_far=facts.calls_so_far),
        "calls_so_far": facts.calls_so_far,
        "caller_reference": facts.caller_reference,
        "callback": callback,
        "owner_name": facts.owner_name,
        "recording_id": facts.recording_id,
    }
