"""The speech model never keeps other queues waiting: only a forking worker dedicated
to transcription loads it before taking jobs (its work horses share that copy)."""

from __future__ import annotations

import pytest
from rq import Queue

from tests.helpline.test_worker import run_worker


def models_loaded() -> int:
    """Run as a job: how many speech models the process running it has loaded."""
    from transcription import registry

    return registry.load_count


@pytest.mark.parametrize(("queues", "simple", "queue", "preloaded"), [
    # Recordings and maintenance come first: nothing is loaded for them.
    ("recordings,maintenance,transcription", False, "maintenance", False),
    ("recordings,maintenance,transcription", True, "maintenance", False),
    # A simple transcriber loads on its first transcription, not at start.
    ("transcription", True, "transcription", False),
    # A forking transcriber loads before it forks, once for every work horse.
    ("transcription", False, "transcription", True),
])
def test_which_workers_load_the_speech_model_before_their_first_job(
        tmp_path, redis_url, redis_client, queues, simple, queue, preloaded):
    job = Queue(queue, connection=redis_client).enqueue(
        "tests.helpline.test_worker_preload.models_loaded")
    process = run_worker(tmp_path, redis_url, "--queues", queues,
                         *(["--simple"] if simple else []))
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    job.refresh()
    assert job.is_finished, output
    assert (job.return_value() > 0) is preloaded
