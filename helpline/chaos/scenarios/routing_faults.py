"""Routing through faults: a caller who hung up but whose `completed` status callback
was lost (a ghost in the queue), and a recording download stalled at Twilio while
callers wait for agents.

The agent is the demo's Indonesian speaker, logged in through the console and
answering on a simulated softphone registered at the stand-in as `agent-<id>`. While
callers gather, the agent is wrapping up an earlier call: serving the language but not
free (an agent on a break serves nobody, so callers would be offered voicemail). It
accepts every offer at once, as a keen agent would, so a ghost offer shows up as a
failed bridge instead of a reservation left to time out.
"""

from __future__ import annotations

import time
from typing import Any

from helpline.chaos.calls import Agent, PlacedCall
from helpline.chaos.config import INDONESIAN_LINE, KOREAN_LINE
from helpline.chaos.scenarios.base import INDONESIAN_AGENT, KOREAN_MESSAGES, Run, require
from helpline.chaos.stack import wait_for

OFFER_WINDOW = 30.0        # how long the agent waits for the caller's offer at most
POLL = 0.1
GHOST_WATCH = 5.0          # how long to watch for the ghost coming back
WAIT_PATH = "/twilio/voice/queue/wait"     # the IVR's hold loop
QUEUE_JOINED = "queue_joined"               # the prompt a caller hears on joining a queue


def on_hold(report: dict[str, Any]) -> bool:
    """Waiting for an agent: hearing that they joined the queue, in a Twilio <Enqueue>,
    or in the IVR's own hold loop (a redirect to the wait URL)."""
    return (bool(report.get("in_queue"))
            or any(item.get("prompt_id") == QUEUE_JOINED for item in report.get("heard", []))
            or any(url.split("?")[0].endswith(WAIT_PATH) for url in report.get("path", [])))


def _queued(run: Run, call: PlacedCall, timeout: float = 60.0) -> float:
    """Waits until the caller is on hold in a queue; returns that moment (monotonic)."""
    run.stand_in.wait_until(call, "the caller to wait in a queue", on_hold, timeout)
    return time.monotonic()


def _logged_in_agent(run: Run, state: str) -> Agent:
    agent = run.agent(INDONESIAN_AGENT)
    # Answers after a second and talks for three; then wrap-up is ended by hand.
    run.stand_in.softphone(agent.identity, answer_after=1.0, talk_seconds=3.0)
    agent.set_state(state, "chaos" if state == "break" else None)
    return agent


def _agent_wrapping_up(run: Run) -> Agent:
    """The agent just finished a call: in wrap-up, so still serving the language
    (callers wait for them rather than being sent to voicemail, as they would with the
    only agent on a break) but not free until wrap-up is ended by hand."""
    agent = _logged_in_agent(run, "available")
    warm_up = run.stand_in.wait_in_queue(to=INDONESIAN_LINE)
    offered = _offer_for(agent, warm_up.sid, time.monotonic())
    require(offered["offered_after_seconds"] is not None,
            f"the warm-up call was never offered: {offered}")
    _finish_call(run, agent, warm_up, end_wrap_up=False)
    require(agent.state().get("state") == "wrap_up",
            f"the agent is not wrapping up: {agent.state()}")
    return agent


def _offer_for(agent: Agent, wanted: str, since: float) -> dict[str, Any]:
    """Accepts every offer until `wanted` is offered; counts what came first."""
    ghost_offers = failed_bridges = 0
    offered_after = None
    deadline = since + OFFER_WINDOW
    while time.monotonic() < deadline:
        offer = agent.offer()
        if offer is None:
            time.sleep(POLL)
            continue
        accepted = agent.accept()
        if offer["call_sid"] == wanted:
            offered_after = round(time.monotonic() - since, 2)
            if accepted.status_code != 200:
                failed_bridges += 1
            break
        ghost_offers += 1
        failed_bridges += accepted.status_code != 200
    return {"offered_after_seconds": offered_after, "ghost_offers": ghost_offers,
            "failed_bridges": failed_bridges}


def _finish_call(run: Run, agent: Agent, call: PlacedCall, end_wrap_up: bool = True) -> str:
    """The agent talks and hangs up (and ends wrap-up); returns how the call ended."""
    # Accepting put the agent on the call; the softphone hangs up after its talk time.
    wait_for("the agent to leave the call", lambda: agent.state().get("state") != "on_call",
             60, POLL)
    if end_wrap_up:
        _end_wrap_up(agent)
    run.stand_in.wait_finished([call], 90)
    return call.outcome


def _end_wrap_up(agent: Agent) -> None:
    if agent.state().get("state") == "wrap_up":
        agent.http.post(agent.app_url + "/api/agents/me/wrap-up/done", timeout=10)


def ghost_in_queue(run: Run) -> dict[str, Any]:
    """Caller A waits in the Indonesian queue and hangs up; the stand-in drops the
    `completed` status callback. Caller B waits; then the agent becomes available."""
    agent = _agent_wrapping_up(run)
    ghost = run.stand_in.wait_in_queue(to=INDONESIAN_LINE)
    _queued(run, ghost)
    run.mark("first caller on hold")
    # B dials once A waits: A is the older queue entry, the one that would be offered
    # first if nothing noticed it had gone.
    caller = run.stand_in.wait_in_queue(to=INDONESIAN_LINE)
    run.stand_in.add_fault("webhook", "drop", match="/twilio/voice/status")
    run.stand_in.hang_up(ghost.sid)
    run.stand_in.wait_finished([ghost], 30)
    status_hooks = [hook for hook in ghost.report["webhooks"] if hook["purpose"] == "status"]
    require(bool(status_hooks) and all(hook["status"] is None for hook in status_hooks),
            f"the status callback was not dropped: {status_hooks}")

    run.mark("first caller hung up")
    _queued(run, caller)
    run.mark("second caller on hold")
    available_at = time.monotonic()
    _end_wrap_up(agent)
    offers = _offer_for(agent, caller.sid, available_at)
    run.mark("second caller offered")
    outcome = _finish_call(run, agent, caller) if offers["offered_after_seconds"] else None
    run.mark("second caller's call over")
    if outcome is None:
        run.stand_in.hang_up(caller.sid)
        run.stand_in.wait_finished([caller], 30)
    # The agent is free again and nobody is waiting: any offer now is the ghost, back.
    again = _offers_within(agent, GHOST_WATCH)
    state = agent.state()
    return {**offers, "ghost_offers_after_caller": again, "caller_outcome": outcome or
            caller.outcome, "agent_state_after": state.get("state"),
            # Whatever happened, no agent may be left holding a reservation.
            "agent_reserved_after": state.get("state") == "reserved",
            **run.process_figures()}


def _offers_within(agent: Agent, seconds: float) -> int:
    """Offers made to the agent within `seconds` (each accepted, as the agent would)."""
    offers = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if agent.offer() is not None:
            offers += 1
            agent.accept()
        time.sleep(POLL)
    return offers


def download_stalled(run: Run, *, stall_seconds: float = 120.0) -> dict[str, Any]:
    """A voicemail's media download hangs at the stand-in for `stall_seconds`. During
    the stall two callers wait for the agent: the first joins while the agent is free,
    the second waits while the agent talks to the first and is offered when the agent
    is free again. Each must be offered within ~2 s."""
    agent = _agent_wrapping_up(run)
    # From now on every fetch of a recording's audio (the REST media URL ends in .wav)
    # hangs (after the warm-up call, whose own recording would otherwise be the one).
    run.stand_in.add_fault("rest", "timeout", seconds=stall_seconds, match=".wav", count=5)
    stall_started = time.monotonic()
    voicemail = run.stand_in.leave_voicemail(to=KOREAN_LINE, say=KOREAN_MESSAGES[0],
                                             voice="ko", record_end="hangup")
    # The callers dial while the voicemail is being left: the menu takes them as long
    # as the message takes its caller, and neither waits for the other.
    time.sleep(6.0)
    first = run.stand_in.wait_in_queue(to=INDONESIAN_LINE)
    time.sleep(3.0)
    second = run.stand_in.wait_in_queue(to=INDONESIAN_LINE)
    run.stand_in.wait_finished([voicemail], 90)
    [sid] = voicemail.recording_sids
    wait_for("the download to start (and hang)", lambda: any(
        row["status"] == "downloading" for row in run.figures.recordings([sid])), 60, 0.2)
    run.mark("download hanging")

    _end_wrap_up(agent)
    free_at = time.monotonic()
    joined = _queued(run, first)
    run.mark("first caller on hold")
    while_free = _offer_for(agent, first.sid, max(joined, free_at))
    first_outcome = None
    if while_free["offered_after_seconds"] is not None:
        # The second caller is on hold by now, while the agent talks to the first.
        run.stand_in.wait_until(second, "the second caller to wait", on_hold, 30)
        first_outcome = _finish_call(run, agent, first, end_wrap_up=False)
    run.mark("first call over")
    freed = time.monotonic()
    _end_wrap_up(agent)
    when_freed = _offer_for(agent, second.sid, freed)
    second_outcome = (_finish_call(run, agent, second)
                      if when_freed["offered_after_seconds"] is not None else None)
    still_stalled = any(row["status"] == "downloading"
                        for row in run.figures.recordings([sid]))
    for call in (first, second):
        if call.ended_at is None:
            run.stand_in.hang_up(call.sid)
    return {
        "stall_seconds": stall_seconds,
        "offer_when_caller_joined_seconds": while_free["offered_after_seconds"],
        "offer_when_agent_freed_seconds": when_freed["offered_after_seconds"],
        "failed_bridges": while_free["failed_bridges"] + when_freed["failed_bridges"],
        "outcomes": [first_outcome, second_outcome],
        "measured_during_stall": still_stalled,
        "seconds_into_stall": round(time.monotonic() - stall_started, 1),
        **run.process_figures(),
    }
