"""Structured logs: JSON lines with the request id and CallSid, and never a phone number."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from rq import Queue

from helpline.observability.logs import configure_logging
from helpline.observability.redact import redact_numbers
from tests.builders import make_environ, signed_post

CALLER = "+66812345678"
CALL_SID = "CA" + "ab" * 16


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = configure_logging("web", log_format="json", level="INFO", stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)


@pytest.mark.parametrize("text", [
    "+66812345678", "+959123456789", "+66 81 234 5678", "+1 (415) 555-0100",
    "From=%2B66812345678&To=%2b661800000102", "+855-12-345-604",
])
def test_anything_like_an_e164_number_is_redacted(text):
    redacted = redact_numbers(f"caller {text} rang")
    assert not any(ch.isdigit() for ch in redacted.replace("[number]", "")), redacted


@pytest.mark.parametrize("text", [
    CALL_SID, "recording 1234567 stored", "2026-01-01T00:00:00+07:00", "took 150 ms",
    "+5 more", "version 3.11.9",
])
def test_what_is_not_a_number_stays(text):
    assert redact_numbers(text) == text


def test_a_webhook_logs_one_json_line_with_its_request_id_and_call_sid_and_no_number(
        client, json_log):
    response = signed_post(client, "/twilio/voice/incoming", {
        "CallSid": CALL_SID, "From": CALLER, "To": "+661800000102", "CallStatus": "ringing",
        "AccountSid": "AC" + "1" * 32, "Direction": "inbound"},
        headers={"X-Request-Id": "edge-7f3a"})
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "edge-7f3a"
    [line] = [line for line in json_log() if line["logger"] == "helpline.http"]
    assert line["message"].startswith("POST /twilio/voice/incoming 200 ")
    assert (line["request_id"], line["call_sid"], line["process"]) == (
        "edge-7f3a", CALL_SID, "web")
    assert "812345678" not in json.dumps(json_log())


def test_a_request_without_an_id_or_with_an_unsafe_one_gets_a_new_one(client, json_log):
    first = client.get("/healthz/live", headers={"X-Request-Id": "bad id\" level=\"error"})
    second = client.get("/healthz/live")
    ids = {first.headers["X-Request-Id"], second.headers["X-Request-Id"]}
    assert len(ids) == 2 and all(len(value) == 32 and value.isalnum() for value in ids)


def test_a_number_in_a_message_argument_or_a_traceback_is_redacted(json_log):
    log = logging.getLogger("helpline.test")
    log.warning("cannot call %s back", CALLER)
    try:
        raise RuntimeError(f"Twilio: The 'To' number {CALLER} is not a valid phone number")
    except RuntimeError:
        log.exception("callback failed")
    lines = json_log()
    assert lines[0]["message"] == "cannot call [number] back"
    assert "[number] is not a valid phone number" in lines[1]["exception"]
    assert "812345678" not in json.dumps(lines)


def test_text_lines_name_the_process_and_the_ids():
    stream = io.StringIO()
    handler = configure_logging("scheduler", log_format="text", level="INFO", stream=stream)
    try:
        logging.getLogger("helpline.test").info("sweep for %s done", CALLER)
    finally:
        logging.getLogger().removeHandler(handler)
    line = stream.getvalue()
    assert " scheduler INFO helpline.test sweep for [number] done" in line


def fails_quoting_a_number() -> None:
    raise RuntimeError(f"Twilio refused to dial {CALLER}")


def test_the_worker_process_writes_the_same_json_lines(tmp_path, redis_url, redis_client,
                                                       database_url):
    """A real `helpline worker` process with LOG_FORMAT=json runs a job that fails
    quoting a number: every line is JSON, the failure names its job, no number."""
    job = Queue("maintenance", connection=redis_client).enqueue(fails_quoting_a_number)
    env = {**os.environ, **make_environ(tmp_path, REDIS_URL=redis_url,
                                        DATABASE_URL=database_url, LOG_FORMAT="json")}
    finished = subprocess.run(
        [sys.executable, "-m", "helpline", "worker", "--burst", "--simple",
         "--queues", "maintenance"], env=env, capture_output=True, text=True, timeout=120)
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines and all(line["process"] == "worker" for line in lines)
    failure = [line for line in lines if line["level"] == "error"]
    assert failure and failure[0]["job_id"] == job.id
    assert "Twilio refused to dial [number]" in failure[0]["message"]
    assert "812345678" not in output
