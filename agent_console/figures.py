"""Wallboard figures from plain call and agent records. Pure: no Flask, no database.

Definitions follow the routing engine's: service level is answered within the
target ÷ (answered + abandoned after the grace period), so callers who hang up
in the first seconds (misdials) don't count against the team.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from agent_console.erlang import agents_needed

SERVICE_TARGET_SECONDS = 20.0
SERVICE_TARGET_LEVEL = 0.8
ABANDON_GRACE_SECONDS = 5.0
DEFAULT_HANDLE_SECONDS = 300.0
AGENT_STATES = ("available", "reserved", "on_call", "wrap_up", "break", "offline")


@dataclass(frozen=True)
class CallRecord:
    language: str
    started_at: float
    queued_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class AgentRecord:
    agent_id: int
    name: str
    languages: tuple[str, ...]
    state: str
    since: float | None
    reason: str | None = None


@dataclass
class LanguageFigures:
    language: str
    waiting: int = 0
    longest_wait_seconds: float = 0.0
    offered_today: int = 0
    answered_today: int = 0
    abandoned_today: int = 0
    voicemails_today: int = 0
    service_level: float | None = None
    abandon_rate: float | None = None
    average_speed_of_answer: float | None = None
    average_handle_seconds: float | None = None
    calls_last_hour: int = 0
    agents: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AGENT_STATES, 0))
    agents_needed: int = 0

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def language_figures(calls: Iterable[CallRecord], agents: Iterable[AgentRecord], *,
                     languages: Iterable[str], now: float) -> list[LanguageFigures]:
    by_language = {code: LanguageFigures(code) for code in languages}
    answer_waits: dict[str, list[float]] = defaultdict(list)
    handle_times: dict[str, list[float]] = defaultdict(list)
    within_target: Counter[str] = Counter()
    abandoned_counted: Counter[str] = Counter()

    for call in calls:
        figures = by_language.get(call.language)
        if figures is None:
            continue
        if call.outcome == "voicemail":
            figures.voicemails_today += 1
        if call.queued_at is None:
            continue
        figures.offered_today += 1
        if call.queued_at >= now - 3600:
            figures.calls_last_hour += 1
        if call.answered_at is not None:
            wait = call.answered_at - call.queued_at
            figures.answered_today += 1
            answer_waits[call.language].append(wait)
            if wait <= SERVICE_TARGET_SECONDS:
                within_target[call.language] += 1
            if call.ended_at is not None:
                handle_times[call.language].append(call.ended_at - call.answered_at)
        elif call.ended_at is None:
            figures.waiting += 1
            figures.longest_wait_seconds = max(figures.longest_wait_seconds,
                                               now - call.queued_at)
        else:
            figures.abandoned_today += 1
            if call.ended_at - call.queued_at > ABANDON_GRACE_SECONDS:
                abandoned_counted[call.language] += 1

    for agent in agents:
        state = agent.state if agent.state in AGENT_STATES else "offline"
        for code in set(agent.languages):
            if code in by_language:
                by_language[code].agents[state] += 1

    for code, figures in by_language.items():
        judged = figures.answered_today + abandoned_counted[code]
        if judged:
            figures.service_level = within_target[code] / judged
        if figures.offered_today:
            figures.abandon_rate = figures.abandoned_today / figures.offered_today
        if answer_waits[code]:
            figures.average_speed_of_answer = sum(answer_waits[code]) / len(answer_waits[code])
        if handle_times[code]:
            figures.average_handle_seconds = sum(handle_times[code]) / len(handle_times[code])
        handle = figures.average_handle_seconds or DEFAULT_HANDLE_SECONDS
        figures.agents_needed = agents_needed(
            # Everyone waiting now arrived recently: a floor under a thin hour's count.
            calls_per_hour=max(figures.calls_last_hour, figures.waiting), handle_seconds=handle,
            target_level=SERVICE_TARGET_LEVEL, target_seconds=SERVICE_TARGET_SECONDS,
        ).agents_needed
    return list(by_language.values())


def calls_per_hour(calls: Iterable[tuple[str, int]], languages: Iterable[str]
                   ) -> Mapping[str, list[int]]:
    """(language, local hour 0-23) pairs → 24 counts per language, for the chart."""
    series = {code: [0] * 24 for code in languages}
    for language, hour in calls:
        if language in series and 0 <= hour < 24:
            series[language][hour] += 1
    return series
