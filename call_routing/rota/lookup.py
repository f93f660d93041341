"""The rota's questions as the rest of the app asks them: the IVR ("when is the next
advisor for this caller on?") and the wallboard ("who is on, where is the next gap?").

Read from the database each time: a rota is a few hundred rows, and an admin's change
must hold for the next caller, in every process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from call_routing.rota import domain, store
from helpline.config import HelplineConfig
from helpline.services import Services

log = logging.getLogger("helpline.rota")


@dataclass(frozen=True)
class NextAdvisor:
    starts_at: float
    when: domain.SpokenWhen


def dialect_parents(config: HelplineConfig) -> dict[str, str]:
    return {code: lang.parent for code, lang in config.languages.items() if lang.parent}


def min_proficiency(config: HelplineConfig) -> int:
    # The lowest level routing ever offers a call at (after widening): anyone on shift
    # with that much of the language will be offered its callers.
    return min(config.routing.proficiency_threshold,
               config.routing.widened_proficiency_threshold)


def _load(session: Session, timezone: str, now: float) -> domain.Rota:
    since = domain.local_date(now, ZoneInfo(timezone)) - timedelta(days=1)
    return store.load_rota(session, timezone, exceptions_from=since)


def next_advisor(svc: Services, language: str, now: float) -> NextAdvisor | None:
    """When nobody serving `language` is on shift at `now`: when the next one starts,
    as the IVR says it. None when someone is on shift, when no shift starts within the
    days a weekday names, or when the rota cannot be read (the caller then hears what
    they would without a rota: never a wrong time)."""
    timezone = svc.settings.timezone
    parents = dialect_parents(svc.config)
    level = min_proficiency(svc.config)
    try:
        with svc.db.session() as session:
            rota = _load(session, timezone, now)
    except Exception:  # noqa: BLE001 - a rota problem must not cost the caller their call
        log.exception("the rota could not be read")
        return None
    if domain.on_shift(rota, language, now, dialect_parents=parents, min_proficiency=level):
        return None
    starts_at = domain.next_shift_start(rota, language, now, dialect_parents=parents,
                                        min_proficiency=level)
    if starts_at is None:
        return None
    when = domain.spoken_when(starts_at, now, timezone)
    return NextAdvisor(starts_at, when) if when is not None else None


def coverage_panel(session: Session, config: HelplineConfig, timezone: str,
                   now: float) -> dict[str, Any]:
    """Per language: who is on shift now, the next gap in coverage and the next start,
    as JSON for the wallboard (instants as local ISO times)."""
    zone = ZoneInfo(timezone)
    rota = _load(session, timezone, now)
    names = store.staff_names(session)

    def local(at: float | None) -> str | None:
        return datetime.fromtimestamp(at, zone).isoformat() if at is not None else None

    rows = []
    for entry in domain.coverage(rota, config.languages, now,
                                 dialect_parents=dialect_parents(config),
                                 min_proficiency=min_proficiency(config)):
        gap = entry.next_gap
        rows.append({
            "language": entry.language,
            "name": config.languages[entry.language].name,
            "on_shift": [names.get(staff_id, f"#{staff_id}") for staff_id in entry.on_shift],
            "uncovered_now": not entry.on_shift,
            "gap_from": local(gap.starts_at) if gap else None,
            "gap_until": local(gap.ends_at) if gap else None,
            "next_start": local(entry.next_start),
        })
    return {"timezone": timezone, "horizon_days": domain.HORIZON_DAYS, "languages": rows}
