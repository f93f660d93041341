"""`helpline worker`: which queues it serves, and whether it forks per job."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rq import Queue

from tests.builders import make_environ

ROOT = Path(__file__).parents[2]


def run_worker(tmp_path, redis_url: str, *args: str) -> subprocess.Popen:
    env = make_environ(tmp_path, REDIS_URL=redis_url)
    return subprocess.Popen([sys.executable, "-m", "helpline", "worker", "--burst", *args],
                            env={**env, "PATH": "/usr/bin:/bin"}, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize(("simple", "same_process"), [(True, True), (False, False)])
def test_simple_runs_jobs_in_the_worker_process_default_forks(tmp_path, redis_url,
                                                               redis_client, simple,
                                                               same_process):
    job = Queue("maintenance", connection=redis_client).enqueue("os.getpid")
    process = run_worker(tmp_path, redis_url, "--queues", "maintenance",
                         *(["--simple"] if simple else []))
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    job.refresh()
    assert job.is_finished, output
    assert (job.return_value() == process.pid) is same_process


def test_a_worker_leaves_queues_it_was_not_given(tmp_path, redis_url, redis_client):
    job = Queue("transcription", connection=redis_client).enqueue("os.getpid")
    process = run_worker(tmp_path, redis_url, "--queues", "routing,maintenance")
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    job.refresh()
    assert job.get_status() == "queued"


def test_unknown_queue_is_one_clear_line(tmp_path, redis_url):
    process = run_worker(tmp_path, redis_url, "--queues", "routing,fax")
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    assert output.strip() == ("helpline worker: unknown queue(s) fax; the queues are "
                              "routing, recordings, transcription, maintenance")


def wait_for(predicate, timeout: float, what: str) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.mark.parametrize("command", [["worker", "--queues", "maintenance"], ["scheduler"]])
def test_worker_and_scheduler_outlive_a_redis_outage(tmp_path, command):
    """Redis stops for a few seconds: the process stays up, then works again."""
    import redis

    from helpline.embedded_redis import EmbeddedRedis

    server = EmbeddedRedis(tmp_path / "redis", persist=False).start()
    env = make_environ(tmp_path, REDIS_URL=server.url)
    process = subprocess.Popen([sys.executable, "-m", "helpline", *command],
                               env={**env, "PATH": "/usr/bin:/bin"}, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        client = redis.Redis.from_url(server.url)
        if command[0] == "worker":
            wait_for(lambda: client.keys("rq:worker:*"), 30, "the worker registers")
        else:
            wait_for(lambda: client.keys("rq:scheduler-lock:*"), 30, "the scheduler runs")
        server.stop()
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=6)              # still running through the outage
        server = EmbeddedRedis(tmp_path / "redis", port=server.port, persist=False).start()
        client = redis.Redis.from_url(server.url)
        if command[0] == "worker":
            job = Queue("maintenance", connection=client).enqueue("os.getpid")
            wait_for(lambda: job.get_status(refresh=True) == "finished", 60,
                     "the worker takes jobs again")
        else:
            wait_for(lambda: client.keys("rq:scheduler-lock:*"), 60,
                     "the scheduler takes its locks again")
        assert process.poll() is None
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()   # never leave a worker behind, whatever failed
            output, _ = process.communicate()
        server.stop()
    assert "Traceback" not in output, output
