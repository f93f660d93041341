"""What a scenario did to callers, read from the places the truth lives: the
database (recordings, transcripts, tickets) and the stand-in's call reports
(every webhook's status and latency, every prompt heard).

Queries are plain SQL over `SELECT *`, so the figures read any schema version the
stack migrated to. Nothing here returns a phone number.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine

from helpline.chaos.calls import PlacedCall
from helpline.db import make_engine

APOLOGY = "technical_problem"
TRANSCRIBED = ("done", "awaiting_human", "claimed")
HELD = ("stored", "too_short")


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return round(ordered[index], 2)


def as_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DatabaseFigures:
    def __init__(self, database_url: str) -> None:
        self.engine: Engine = make_engine(database_url)

    def close(self) -> None:
        self.engine.dispose()

    def _rows(self, sql: str, name: str, values: Iterable[Any]) -> list[dict[str, Any]]:
        values = list(values)
        if not values:
            return []
        query = text(sql).bindparams(bindparam(name, expanding=True))
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query, {name: values})]

    def recordings(self, sids: Iterable[str]) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM recordings WHERE recording_sid IN :sids", "sids", sids)

    def transcripts(self, recording_ids: Iterable[int]) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM transcripts WHERE recording_id IN :ids", "ids",
                          recording_ids)

    def tickets(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM tickets WHERE id IN :ids", "ids", ids)

    def voicemails(self, sids: list[str]) -> dict[str, Any]:
        """Where each voicemail the stand-in recorded got to."""
        recordings = self.recordings(sids)
        by_sid: dict[str, list[dict[str, Any]]] = {}
        for row in recordings:
            by_sid.setdefault(row["recording_sid"], []).append(row)
        transcripts = self.transcripts(row["id"] for row in recordings)
        by_recording: dict[int, list[dict[str, Any]]] = {}
        for row in transcripts:
            by_recording.setdefault(row["recording_id"], []).append(row)
        ticket_ids = {row["ticket_id"] for row in recordings if row["ticket_id"]}
        tickets = {row["id"] for row in self.tickets(ticket_ids)}

        stored = transcribed = with_ticket = failed_visibly = lost = 0
        pending: list[dict[str, Any]] = []
        for sid in sids:
            rows = by_sid.get(sid, [])
            found = rows[0] if rows else None
            texts = by_recording.get(found["id"], []) if found else []
            is_stored = found is not None and found["status"] in HELD
            is_transcribed = bool(texts) and all(t["status"] in TRANSCRIBED for t in texts)
            failed = found is not None and ((found["status"] == "failed" and found["error"]) or any(
                t["status"] == "failed" and t["error"] for t in texts))
            stored += is_stored
            transcribed += is_stored and is_transcribed
            with_ticket += found is not None and found["ticket_id"] in tickets
            failed_visibly += bool(failed)
            # Neither stored nor shown to staff as failed: nobody will ever act on it.
            lost += not is_stored and not failed
            if not (is_stored and is_transcribed):
                pending.append({"recording": sid[-8:],
                                "status": found["status"] if found else "no row",
                                "next_step": found.get("next_step") if found else None,
                                "error": found["error"] if found else None,
                                "transcripts": [t["status"] for t in texts]})
        duplicate_recordings = len(recordings) - len(by_sid)
        per_channel = Counter((t["recording_id"], t["channel"]) for t in transcripts)
        duplicate_transcripts = sum(n - 1 for n in per_channel.values())
        return {
            "voicemails_left": len(sids),
            "voicemails_recorded": len(by_sid),
            "voicemails_stored": stored,
            "voicemails_transcribed": transcribed,
            "voicemails_machine_transcribed": sum(
                1 for texts in by_recording.values() if any(t["status"] == "done"
                                                            for t in texts)),
            "voicemails_with_ticket": with_ticket,
            "voicemails_failed_visibly": failed_visibly,
            "voicemails_lost": lost,
            "duplicate_recordings": duplicate_recordings,
            "duplicate_transcripts": duplicate_transcripts,
            "duplicates": duplicate_recordings + duplicate_transcripts,
            "transcript_errors": sorted({t["error"] for t in transcripts if t["error"]}),
            "not_done": pending,
        }

    def hangup_to_stored(self, calls: list[PlacedCall]) -> list[float]:
        """Seconds from each caller's hang-up to their audio being stored locally."""
        ended = {sid: call.ended_at for call in calls for sid in call.recording_sids
                 if call.ended_at is not None}
        seconds = []
        for row in self.recordings(ended):
            stored_at = as_utc(row["stored_at"])
            if stored_at is not None:
                seconds.append(stored_at.timestamp() - ended[row["recording_sid"]])
        return seconds


def webhook_figures(calls: list[PlacedCall]) -> dict[str, Any]:
    """Latency and health of every webhook these calls made, and what callers heard."""
    hooks = [(call, hook) for call in calls for hook in call.report.get("webhooks", [])]
    slowest = max(hooks, key=lambda pair: pair[1]["latency_ms"] or 0.0, default=None)
    failed = [hook for _call, hook in hooks if hook["status"] is None or hook["status"] >= 400]
    notices = [notice for call in calls for notice in call.report.get("notices", [])]
    apologies = [sum(1 for item in call.report.get("heard", [])
                     if item.get("prompt_id") == APOLOGY) for call in calls]
    return {
        "webhooks": len(hooks),
        "longest_webhook_ms": round(slowest[1]["latency_ms"], 1) if slowest else None,
        "longest_webhook": urlsplit(slowest[1]["url"]).path if slowest else None,
        "webhooks_over_2s": sum(1 for _c, hook in hooks if (hook["latency_ms"] or 0) > 2000),
        "webhooks_failed": len(failed),
        "webhook_failures": sorted({f"{urlsplit(h['url']).path}: {h['status'] or h.get('error')}"
                                    for h in failed}),
        # The stand-in reports TwiML it could not parse or act on as notices (12100...).
        "notices": dict(Counter(str(notice["code"]) for notice in notices)),
        "calls_ended_in_error": sum(1 for call in calls if call.outcome == "error"),
        "apologies_max_per_call": max(apologies, default=0),
        "apologies_total": sum(apologies),
        "outcomes": dict(Counter(call.outcome for call in calls)),
    }
