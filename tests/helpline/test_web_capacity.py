"""The web process as production runs it (the Procfile's gunicorn line: 2 workers x 8
threads) with open wallboards: they must not hold the threads Twilio's webhooks need.
Also, over the same real server: /metrics adds up every gunicorn worker, and the
JSON log lines carry the request id and CallSid, never the caller's number."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from helpline.embedded_redis import free_port
from tests.builders import TEST_AUTH_TOKEN, create_staff_member, make_environ, twilio_signature

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]
# More open wallboards than the web process has threads.
WALLBOARDS = 24
WEBHOOKS = 20
CALLER = "+66812345678"
PASSWORD = "correct horse battery"


def procfile_web_args(port: int) -> list[str]:
    """The Procfile's web command, bound to a loopback port."""
    line = next(line for line in (PROJECT / "Procfile").read_text().splitlines()
                if line.startswith("web:"))
    args = line.removeprefix("web:").split()
    assert args[0] == "gunicorn"
    return [sys.executable, "-m", *[arg.replace("0.0.0.0:$PORT", f"127.0.0.1:{port}")
                                    for arg in args]]


@pytest.fixture(scope="module")
def web(tmp_path_factory, sqlite_template, redis_url):
    import redis as redis_lib

    redis_lib.Redis.from_url(redis_url).flushdb()
    root = tmp_path_factory.mktemp("web")
    database = root / "helpline.sqlite3"
    shutil.copy(sqlite_template, database)
    port = free_port()
    env = {**os.environ, **make_environ(
        root, DATABASE_URL=f"sqlite:///{database}", REDIS_URL=redis_url, LOG_FORMAT="json",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)   # as on a platform: gunicorn_conf makes one
    from helpline.db import Database

    db = Database(f"sqlite:///{database}")
    with db.session() as session:
        create_staff_member(session, email="sup@example.org", role="supervisor",
                            password=PASSWORD)
    db.dispose()
    log = (root / "web.log").open("w+")
    process = subprocess.Popen(procfile_web_args(port), env=env, cwd=PROJECT,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz/live", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    else:
        raise AssertionError(Path(log.name).read_text())
    yield url, Path(log.name)
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    log.close()


def logged_in(url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = session.post(f"{url}/login", data={"csrf_token": token, "email": "sup@example.org",
                                                "password": PASSWORD})
    assert answer.ok and "/wallboard" in answer.url, answer.url
    return session


def watch_wallboard(url: str, cookies, stop: threading.Event, polls: list[int]) -> None:
    """What the wallboard page does: follow its page to its live address and keep
    reading it — a stream for as long as it lasts, or a poll every data-poll-ms."""
    session = requests.Session()
    session.cookies.update(cookies)
    page = session.get(f"{url}/wallboard", timeout=30).text
    found = re.search(r'data-(?:live|stream)="([^"]+)"', page)
    interval = int((re.search(r'data-poll-ms="(\d+)"', page) or [0, "2000"])[1]) / 1000
    while not stop.is_set():
        try:
            with session.get(url + found.group(1), stream=True, timeout=(5, 60)) as response:
                for _chunk in response.iter_content(1024):
                    if stop.is_set():
                        return
            polls.append(1)
        except requests.RequestException:
            pass
        stop.wait(interval)


def incoming(url: str, call_sid: str) -> requests.Response:
    params = {"CallSid": call_sid, "AccountSid": "AC" + "1" * 32, "From": CALLER,
              "To": "+661800000102", "CallStatus": "ringing", "Direction": "inbound"}
    target = f"{url}/twilio/voice/incoming"
    return requests.post(target, data=params, timeout=30, headers={
        "X-Twilio-Signature": twilio_signature(target, params, TEST_AUTH_TOKEN)})


def test_open_wallboards_do_not_delay_a_twilio_webhook(web):
    url, _log = web
    cookies = logged_in(url).cookies
    stop, polls = threading.Event(), []
    watchers = [threading.Thread(target=watch_wallboard, args=(url, cookies, stop, polls),
                                 daemon=True) for _ in range(WALLBOARDS)]
    for watcher in watchers:
        watcher.start()
    try:
        time.sleep(3)    # every wallboard has connected (and polled at least once)
        seconds = []
        for n in range(WEBHOOKS):
            started = time.monotonic()
            response = incoming(url, f"CA{n:032x}")
            seconds.append(time.monotonic() - started)
            assert response.status_code == 200 and b"<Response>" in response.content
            time.sleep(0.1)
    finally:
        stop.set()
    seconds.sort()
    print(f"\n{WALLBOARDS} wallboards open ({len(polls)} polls answered): webhook median "
          f"{seconds[len(seconds) // 2] * 1000:.0f} ms, slowest {seconds[-1] * 1000:.0f} ms")
    assert len(polls) >= WALLBOARDS          # the wallboards were being served, too
    assert seconds[-1] < 2.0                 # the design's bound for any webhook


def test_metrics_add_up_every_gunicorn_worker(web):
    url, _log = web

    def served() -> float:
        text = requests.get(f"{url}/metrics", timeout=10).text
        family = next(f for f in text_string_to_metric_families(text)
                      if f.name == "helpline_webhook_duration_seconds")
        return sum(s.value for s in family.samples if s.name.endswith("_count")
                   and s.labels["route"] == "/twilio/voice/incoming")

    before = served()
    for n in range(WEBHOOKS):
        assert incoming(url, f"CA{'m' * 8}{n:024x}").status_code == 200
    # Each scrape is answered by one worker or the other; every one sees the total.
    assert {served() - before for _ in range(6)} == {WEBHOOKS}


def test_json_log_lines_carry_the_request_id_and_call_sid_and_no_number(web):
    url, log = web
    call_sid = "CA" + "c0ffee" * 5 + "00"
    assert incoming(url, call_sid).status_code == 200
    time.sleep(0.5)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("call_sid") == call_sid]
    assert mine and all(line["request_id"] and line["process"] == "web" for line in mine)
    assert any(line["message"].startswith("POST /twilio/voice/incoming 200") for line in mine)
    # gunicorn's own lines are JSON too, and nothing anywhere holds the number.
    assert any(line["logger"] == "gunicorn.error" for line in lines)
    text = log.read_text()
    assert "812345678" not in text
    assert all(line.startswith("{") for line in text.splitlines() if line.strip()), text[-2000:]
