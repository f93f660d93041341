"""Prometheus metrics at /metrics: the families after a call through the stand-in,
who may scrape, and job failures and retries counted by a real rq worker."""

from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue, Retry, SimpleWorker

from helpline.observability import tallies
from helpline.settings import load_settings
from helpline.worker import build_worker
from tests.builders import create_staff_member, make_environ

KOREAN_LINE = "+661800000198"
CALLER = "+821012345678"
FAMILIES = {
    "helpline_webhook_duration_seconds": "histogram",
    "helpline_queue_waiting": "gauge",
    "helpline_queue_longest_wait_seconds": "gauge",
    "helpline_queue_deferred": "gauge",
    "helpline_agents": "gauge",
    "helpline_language_agents": "gauge",
    "helpline_rq_jobs": "gauge",
    "helpline_rq_job_failures": "counter",
    "helpline_rq_job_retries": "counter",
    "helpline_recordings_pending": "gauge",
    "helpline_recordings_pending_oldest_seconds": "gauge",
    "helpline_transcription_cpu_seconds_per_audio_second": "histogram",
    "helpline_metrics_source_up": "gauge",
}


def scrape(text: str) -> dict[str, object]:
    return {family.name: family for family in text_string_to_metric_families(text)}


def sample(families, name: str, suffix: str = "", **labels: str) -> float:
    matching = [s.value for s in families[name].samples
                if s.name == name + suffix and all(s.labels.get(k) == v
                                                   for k, v in labels.items())]
    assert len(matching) == 1, (name, labels, families[name].samples)
    return matching[0]


def webhooks(families, route: str) -> float:
    """Requests served on `route` so far (0 before the first)."""
    return sum(s.value for s in families["helpline_webhook_duration_seconds"].samples
               if s.name.endswith("_count") and s.labels["route"] == route)


@pytest.fixture
def stand_in_environ() -> dict[str, str]:
    from tests.transcription.test_end_to_end_korean import KOREAN_CONFIG

    return {"HELPLINE_CONFIG": KOREAN_CONFIG}


@pytest.mark.slow
def test_metrics_after_a_voicemail_through_the_stand_in(stand_in):
    """A Korean caller leaves a voicemail (the one language with a real model here);
    /metrics, over real HTTP, shows every family, with the recording owed a download,
    then the CPU the transcription took — and no number or CallSid anywhere."""
    from call_routing.service import routing_service

    routing = routing_service(stand_in.services)
    with stand_in.services.db.session() as session:
        agent_id = create_staff_member(session, skills={"km": 5, "th": 3}).id
    routing.set_state(agent_id, "break", "meal")
    routing.engine.join("CAwaiting", "km")
    # Other tests in this process may have served webhooks already: count from here.
    baseline = scrape(stand_in.http.get(f"{stand_in.app_url}/metrics").text)
    result = stand_in.call(to=KOREAN_LINE, from_=CALLER, press=["2"],
                           say="안녕하세요 월급을 받지 못했습니다", voice="ko")
    assert result.outcome["kind"] == "voicemail", result.json
    response = stand_in.http.get(f"{stand_in.app_url}/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    before = scrape(response.text)
    assert {name: before[name].type for name in FAMILIES} == FAMILIES
    for route in ("/twilio/voice/incoming", "/twilio/voice/status",
                  "/twilio/recordings/status"):
        assert webhooks(before, route) - webhooks(baseline, route) == 1, route
    assert sample(before, "helpline_agents", state="break") == 1      # counted once
    assert sample(before, "helpline_language_agents", language="th", state="break") == 1
    assert sample(before, "helpline_language_agents", language="km", state="break") == 1
    assert sample(before, "helpline_queue_waiting", language="km") == 1
    assert sample(before, "helpline_queue_longest_wait_seconds", language="km") >= 0
    assert sample(before, "helpline_recordings_pending", next_step="download") == 1
    assert sample(before, "helpline_rq_jobs", queue="recordings", state="queued") == 1
    assert all(sample(before, "helpline_metrics_source_up", source=source) == 1
               for source in ("routing", "rq", "database"))

    stand_in.work()   # download
    stand_in.work()   # transcription, with Vosk
    after = scrape(stand_in.http.get(f"{stand_in.app_url}/metrics").text)
    assert sample(after, "helpline_recordings_pending", next_step="download") == 0
    assert sample(after, "helpline_recordings_pending", next_step="transcribe") == 0
    cpu = "helpline_transcription_cpu_seconds_per_audio_second"
    assert sample(after, cpu, "_count", language="ko", engine="vosk") == 1
    assert 0 < sample(after, cpu, "_sum", language="ko", engine="vosk") < 10

    # Cardinality and privacy: labels are rules, languages, states and queue names.
    labels = {value for family in after.values() for s in family.samples
              for value in s.labels.values()}
    assert not [value for value in labels if re.search(r"\d{6,}|^CA|<.*sid|\+", value)
                and value not in ("+Inf",)], labels
    raw = stand_in.http.get(f"{stand_in.app_url}/metrics").text
    assert "1012345678" not in raw and result.sid not in raw


def metrics_app(tmp_path, database_url, redis_url, **environ):
    from helpline.app import create_app

    return create_app(load_settings(make_environ(tmp_path, DATABASE_URL=database_url,
                                                 REDIS_URL=redis_url, **environ)),
                      test_config={"TESTING": True})


def test_without_a_token_only_an_unproxied_scraper_on_this_machine_is_answered(
        tmp_path, database_url, redis_url, redis_client):
    client = metrics_app(tmp_path, database_url, redis_url).test_client()
    assert client.get("/metrics").status_code == 200        # from 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}
                      ).status_code == 403
    # A reverse proxy on this machine makes every visitor look local.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}
                      ).status_code == 403


def test_with_a_token_a_scraper_anywhere_must_send_it(tmp_path, database_url, redis_url,
                                                     redis_client):
    token = "s3cret-scrape-token-0123"
    client = metrics_app(tmp_path, database_url, redis_url,
                         METRICS_TOKEN=token).test_client()
    assert client.get("/metrics").status_code == 403           # loopback is not enough
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=remote,
                      headers={"Authorization": "Bearer wrong-token-0123456"}
                      ).status_code == 403
    answered = client.get("/metrics", environ_base=remote,
                          headers={"Authorization": f"Bearer {token}"})
    assert answered.status_code == 200 and b"helpline_rq_jobs" in answered.data


def test_a_short_metrics_token_stops_start_up(tmp_path):
    from helpline.settings import SettingsError

    with pytest.raises(SettingsError, match="^METRICS_TOKEN: is shorter than 16"):
        load_settings(make_environ(tmp_path, METRICS_TOKEN="short"))


def test_redis_down_leaves_the_database_figures_and_says_so(tmp_path, database_url):
    client = metrics_app(tmp_path, database_url, "redis://127.0.0.1:1/0").test_client()
    families = scrape(client.get("/metrics").get_data(as_text=True))
    assert sample(families, "helpline_metrics_source_up", source="routing") == 0
    assert sample(families, "helpline_metrics_source_up", source="rq") == 0
    assert sample(families, "helpline_metrics_source_up", source="database") == 1
    assert "helpline_recordings_pending" in families and "helpline_rq_jobs" not in families


def fails_every_time() -> None:
    raise RuntimeError("the download broke")


def test_a_worker_counts_retried_and_failed_job_runs_per_queue(
        tmp_path, database_url, redis_url, redis_client):
    queue = Queue("recordings", connection=redis_client)
    queue.enqueue(fails_every_time, retry=Retry(max=2))
    worker = build_worker(SimpleWorker, ["recordings"], redis_client)
    worker.work(burst=True)       # three runs: two retried, then failed for good
    assert tallies.read_counter(redis_client, tallies.JOB_RETRIES) == {("recordings",): 2}
    assert tallies.read_counter(redis_client, tallies.JOB_FAILURES) == {("recordings",): 1}
    client = metrics_app(tmp_path, database_url, redis_url).test_client()
    families = scrape(client.get("/metrics").get_data(as_text=True))
    assert sample(families, "helpline_rq_job_retries", "_total", queue="recordings") == 2
    assert sample(families, "helpline_rq_job_failures", "_total", queue="recordings") == 1
    assert sample(families, "helpline_rq_job_failures", "_total", queue="transcription") == 0
    assert sample(families, "helpline_rq_jobs", queue="recordings", state="failed") == 1
