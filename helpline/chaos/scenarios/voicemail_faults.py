"""Voicemails through faults in the queue and the workers: Redis killed while callers
leave messages, the transcriber killed mid-job, and a burst of callers (bench only)."""

from __future__ import annotations

import time
from typing import Any

from rq import Worker

from helpline.chaos.calls import PlacedCall
from helpline.chaos.figures import percentile, webhook_figures
from helpline.chaos.scenarios.base import Run, since, voicemails_settled
from helpline.chaos.stack import wait_for

CALL_TIMEOUT = 180.0


def redis_outage(run: Run, *, calls: int = 20, korean: int | None = None,
                 outage_seconds: float = 45.0, settle_timeout: float = 300.0
                 ) -> dict[str, Any]:
    """Redis is killed (SIGKILL) once `calls` callers are in the menu on their way to
    leave a voicemail, stays down `outage_seconds`, and comes back on the same port
    with its AOF. Every message is recorded, and its callback sent, during the outage.

    `korean` of them (default all) are on the Korean line and machine-transcribed;
    the others are on the Nepali line, whose messages wait for people."""
    redis = run.stack.redis
    korean = calls if korean is None else korean
    placed = run.mixed_voicemails(calls, korean=korean)
    redis.kill()
    run.mark("redis killed")
    killed_at = time.monotonic()
    time.sleep(max(0.0, outage_seconds - (time.monotonic() - killed_at)))
    redis.start()
    back_at = time.monotonic()
    run.mark("redis back")
    run.stand_in.wait_finished(placed, CALL_TIMEOUT)
    summary, settled = run.wait_voicemails(placed, voicemails_settled, settle_timeout)
    return {
        "calls": calls, "korean_calls": korean,
        "outage_seconds": round(back_at - killed_at, 1),
        **summary,
        "seconds_to_settle_after_redis_returned": since(back_at, settled),
        "settle_timeout_seconds": settle_timeout,
        **_latency(run, placed),
        **webhook_figures(placed),
        **run.process_figures(),
    }


def transcriber_kill(run: Run, *, kills: int = 3, voicemails: int = 3,
                     settle_timeout: float = 240.0) -> dict[str, Any]:
    """The transcriber is killed with SIGKILL while a transcription job runs, `kills`
    times; `helpline run` restarts it each time."""
    # Long messages (a sentence said five times, ~15 s) so a job runs long enough to be
    # caught in the act.
    placed = run.korean_voicemails(voicemails, gap=4.0, repeat=5)
    redis = run.stack.redis.client()
    killed = []
    for _ in range(kills):
        job_id = wait_for("the transcriber to be running a job",
                          lambda: current_job(redis, run.stack.pid_of("transcriber")), 180, 0.1)
        pid = run.stack.kill_child("transcriber")
        killed.append({"job": job_id, "pid": pid})
        run.mark(f"kill {len(killed)}")
        run.stack.wait_restarted("transcriber", pid, 60)
    last_kill = time.monotonic()
    run.stand_in.wait_finished(placed, CALL_TIMEOUT)
    sids = [sid for call in placed for sid in call.recording_sids]

    def accounted(summary: dict[str, Any]) -> bool:
        return summary["voicemails_recorded"] == len(sids) and not _outcomes(
            run, sids)["unaccounted"]

    summary, settled = run.wait_voicemails(placed, accounted, settle_timeout)
    return {
        "kills": len(killed), "killed_during_jobs": [item["job"] for item in killed],
        "voicemails": voicemails, **summary, **_outcomes(run, sids),
        "seconds_to_settle_after_last_kill": since(last_kill, settled),
        **run.process_figures(),
    }


def current_job(redis: Any, pid: int | None) -> str | None:
    """The id of the job the rq worker with this pid is running right now."""
    if pid is None:
        return None
    for worker in Worker.all(connection=redis):
        if worker.pid == pid:
            return worker.get_current_job_id()
    return None


def _outcomes(run: Run, sids: list[str]) -> dict[str, Any]:
    """Each voicemail's transcription fate: done exactly once, handed to people or
    failed with a visible reason, or unaccounted for (missing, duplicated, silent)."""
    recordings = run.figures.recordings(sids)
    transcripts = run.figures.transcripts(row["id"] for row in recordings)
    fates: dict[str, int] = {"transcribed_once": 0, "handed_over_with_reason": 0,
                             "failed_with_reason": 0}
    unaccounted = []
    for row in recordings:
        mine = [t for t in transcripts if t["recording_id"] == row["id"]]
        if len(mine) == 1 and mine[0]["status"] == "done":
            fates["transcribed_once"] += 1
        elif len(mine) == 1 and mine[0]["status"] == "awaiting_human" and mine[0]["error"]:
            fates["handed_over_with_reason"] += 1
        elif row["status"] == "failed" and row["error"] or (
                len(mine) == 1 and mine[0]["status"] == "failed" and mine[0]["error"]):
            fates["failed_with_reason"] += 1
        else:
            unaccounted.append({"recording": row["recording_sid"][-8:], "status": row["status"],
                                "transcripts": [t["status"] for t in mine]})
    missing = len(set(sids) - {row["recording_sid"] for row in recordings})
    return {**fates, "unaccounted": unaccounted + [{"missing": missing}] * bool(missing)}


def voicemail_burst(run: Run, *, callers: int = 50, settle_timeout: float = 300.0
                    ) -> dict[str, Any]:
    """`callers` voicemails at once, each caller hanging up after speaking: how long
    from hang-up to the audio stored locally (bench only; no fault injected)."""
    placed = run.korean_voicemails(callers, gap=0.1, record_end="hangup")
    run.stand_in.wait_finished(placed, CALL_TIMEOUT)

    def stored(summary: dict[str, Any]) -> bool:
        return summary["voicemails_stored"] + summary["voicemails_failed_visibly"] >= len(
            placed)

    summary, _ = run.wait_voicemails(placed, stored, settle_timeout)
    return {"callers": callers, **summary, **_latency(run, placed),
            **webhook_figures(placed), **run.process_figures()}


def _latency(run: Run, placed: list[PlacedCall]) -> dict[str, Any]:
    seconds = run.figures.hangup_to_stored(placed)
    return {"p50_hangup_to_stored_seconds": percentile(seconds, 0.50),
            "p95_hangup_to_stored_seconds": percentile(seconds, 0.95),
            "max_hangup_to_stored_seconds": round(max(seconds), 2) if seconds else None}

