"""The wallboard's live picture: figures per language, the agents table, the chart.

Built from the database (calls today, the last recorded presence of every agent),
which every process shares, and the routing engine's figures in Redis; the wallboard
asks for it every couple of seconds (`wallboard_views`), so tiles change within
moments of a caller joining or leaving a queue.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from agent_console import store
from agent_console.erlang import agents_needed
from agent_console.figures import (
    DEFAULT_HANDLE_SECONDS,
    SERVICE_TARGET_LEVEL,
    SERVICE_TARGET_SECONDS,
    AgentRecord,
    CallRecord,
    LanguageFigures,
    calls_per_hour,
    language_figures,
)
from agent_console.models import StaffUser
from helpline.config import HelplineConfig

DEFAULT_TIMEZONE = "Asia/Bangkok"


def start_of_day(now: datetime, zone: ZoneInfo) -> datetime:
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time.min, tzinfo=zone)


def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def snapshot(session: Session, config: HelplineConfig, *, now: datetime,
             timezone: str = DEFAULT_TIMEZONE,
             routing_rows: dict[str, dict[str, Any]] | None = None,
             routing_states: dict[int, tuple[str, str | None, float | None]] | None = None,
             ) -> dict[str, Any]:
    """The wallboard's picture. With the routing engine running, its Redis figures
    (`routing_rows`, `routing_states`) are the truth for queues and agents right now;
    the database adds what only it knows (handle times, voicemails, calls per hour)."""
    zone = ZoneInfo(timezone)
    # Calls still waiting from before midnight count as waiting, not as today's offered.
    since = min(start_of_day(now, zone), now - timedelta(hours=2))
    day_start = start_of_day(now, zone)
    calls = store.calls_since(session, since)
    records = [
        CallRecord(language=call.language or "", started_at=call.started_at.timestamp(),
                   queued_at=_epoch(call.queued_at), answered_at=_epoch(call.answered_at),
                   ended_at=_epoch(call.ended_at), outcome=call.outcome)
        for call in calls
        if call.started_at >= day_start or (call.ended_at is None and call.answered_at is None)
    ]
    agents = agent_records(session, routing_states, now=now.timestamp())
    languages = list(config.languages)
    figures = language_figures(records, agents, languages=languages, now=now.timestamp())
    if routing_rows is not None:
        for figure in figures:
            merge_routing_row(figure, routing_rows.get(figure.language))
            figure.agents_needed = staffing_hint(figure)
    hours = calls_per_hour(
        ((call.language or "", call.started_at.astimezone(zone).hour)
         for call in calls if call.started_at >= day_start),
        languages)
    return {
        "at": now.isoformat(),
        "languages": [
            {**figure.as_dict(), "name": config.languages[figure.language].name}
            for figure in figures
        ],
        "agents": [
            {"id": agent.agent_id, "name": agent.name, "languages": list(agent.languages),
             "state": agent.state, "reason": agent.reason,
             "seconds_in_state": (round(now.timestamp() - agent.since)
                                  if agent.since is not None else None)}
            for agent in agents if agent.state != "offline"
        ],
        "calls_per_hour": {code: series for code, series in hours.items() if any(series)},
    }


def staffing_hint(figure: LanguageFigures) -> int:
    return agents_needed(
        calls_per_hour=max(figure.calls_last_hour, figure.waiting),
        handle_seconds=figure.average_handle_seconds or DEFAULT_HANDLE_SECONDS,
        target_level=SERVICE_TARGET_LEVEL, target_seconds=SERVICE_TARGET_SECONDS,
    ).agents_needed


def merge_routing_row(figure: LanguageFigures, row: dict[str, Any] | None) -> None:
    if row is None:
        return
    figure.waiting = int(row["waiting"])
    figure.longest_wait_seconds = float(row["longest_wait_seconds"])
    for state, count in row["agents"].items():
        figure.agents[state] = int(count)
    figure.offered_today = int(row["offered"])
    figure.answered_today = int(row["answered"])
    figure.abandoned_today = int(row["abandoned"])
    figure.service_level = row["service_level"]
    figure.average_speed_of_answer = row["average_speed_of_answer_seconds"]
    figure.abandon_rate = (figure.abandoned_today / figure.offered_today
                           if figure.offered_today else None)


def agent_records(session: Session,
                  routing_states: dict[int, tuple[str, str | None, float | None]] | None = None,
                  *, now: float = 0.0) -> list[AgentRecord]:
    states = store.latest_states(session)
    users = session.scalars(
        select(StaffUser).options(selectinload(StaffUser.skills))
        .where(StaffUser.active.is_(True), StaffUser.role == "agent")
        .order_by(StaffUser.display_name))
    records = []
    for user in users:
        if routing_states is not None and user.id in routing_states:
            state, reason, seconds = routing_states[user.id]
            since_epoch = now - seconds if seconds is not None else None
        else:
            state, reason, since = states.get(user.id, ("offline", None, None))
            since_epoch = _epoch(since)
        records.append(AgentRecord(
            agent_id=user.id, name=user.display_name,
            languages=tuple(skill.language for skill in user.skills),
            state=state, since=since_epoch, reason=reason))
    return records
