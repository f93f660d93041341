"""Replays the routing journal to prove the invariants held.

The Lua scripts append one entry per reservation, acceptance, release and end,
inside the same atomic step as the change itself, so the journal is the true
order of events. Replaying it catches any agent holding two calls at once and
any call held by two agents at once — whatever the engine believed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class JournalReport:
    entries: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    double_reservations: int = 0       # an agent offered a second call while holding one
    calls_given_twice: int = 0         # a call offered while another agent held it
    problems: list[str] = field(default_factory=list)
    holding: dict[str, str] = field(default_factory=dict)    # agent → call, at the end

    @property
    def ok(self) -> bool:
        return not self.problems


def check_journal(entries: list[str], max_problems: int = 50) -> JournalReport:
    report = JournalReport(entries=len(entries))
    agent_call: dict[str, str] = {}     # agent → call they hold (offered, talking, interpreting)
    call_agent: dict[str, str] = {}     # call → agent it is offered to / talking with

    def problem(text: str) -> None:
        if len(report.problems) < max_problems:
            report.problems.append(text)

    for index, entry in enumerate(entries):
        kind, *args = entry.split()
        report.counts[kind] += 1
        if kind in ("join", "leave", "direct", "undirect"):
            # work moving between queues (a supervisor's reassignment and its return)
            continue
        agent, call = args[0], args[1]
        if kind in ("reserve", "interpret"):
            if agent in agent_call:
                report.double_reservations += 1
                problem(f"#{index} {entry}: agent {agent} already holds {agent_call[agent]}")
            if kind == "reserve" and call in call_agent:
                report.calls_given_twice += 1
                problem(f"#{index} {entry}: call {call} already with agent {call_agent[call]}")
            agent_call[agent] = call
            if kind == "reserve":
                call_agent[call] = agent
        elif kind == "accept":
            if agent_call.get(agent) != call or call_agent.get(call) != agent:
                problem(f"#{index} {entry}: accepted without holding the offer")
        elif kind in ("release", "end", "fail"):
            if agent_call.get(agent) != call:
                problem(f"#{index} {entry}: agent {agent} did not hold {call}")
            agent_call.pop(agent, None)
            if call_agent.get(call) == agent:
                call_agent.pop(call)
        else:
            problem(f"#{index} {entry}: unknown entry")
    report.holding = agent_call
    return report
