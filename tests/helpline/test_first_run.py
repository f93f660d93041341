"""`helpline run` on the embedded defaults as a new operator meets it: ports it binds
itself, a banner only once the stack is ready, a start that fails saying why, two
stacks (two clones) started at the same moment, and `helpline call` finding the
running stack with nothing exported."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests

from helpline import local_stack
from helpline.chaos.stack import processes_of_instance, wait_for
from helpline.embedded_redis import free_port
from helpline.listeners import PortInUse, listen, port_of

BANNER = "Helpline is running."
# Settings the stack must not inherit from the test session (its Redis, its database).
SCRUBBED = ("REDIS_URL", "DATABASE_URL", "TWILIO_API_BASE", "TWILIO_ACCOUNT_SID",
            "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "HELPLINE_CONFIG", "RECORDINGS_DIR",
            "PORT", "SECRET_KEY", "HELPLINE_PII_KEY")


def environ(instance: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
    env.update(HELPLINE_INSTANCE_DIR=str(instance), PYTHONUNBUFFERED="1", **extra)
    return env


class LocalRun:
    """`helpline run` in its own session, its output collected line by line."""

    def __init__(self, folder: Path, *args: str, **env: str) -> None:
        self.instance = folder / "instance"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "helpline", "run", *args], env=environ(self.instance, **env),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, start_new_session=True)
        self.lines: list[str] = []
        self.banner_ready: int | None = None  # /healthz/ready's status when the banner came
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip() == BANNER:
                self.banner_ready = self._ready_status()
            self.lines.append(line)

    def _ready_status(self) -> int:
        found = local_stack.read(self.instance)
        if found is None:
            return 0
        try:
            return requests.get(found.app_url + "/healthz/ready", timeout=5).status_code
        except requests.RequestException:
            return -1

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_banner(self, timeout: float = 240) -> local_stack.LocalStack:
        def up() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"helpline run exited {self.process.returncode}:\n"
                                     f"{self.output[-3000:]}")
            return any(line.strip() == BANNER for line in self.lines)

        wait_for("the banner", up, timeout, interval=0.3)
        found = local_stack.read(self.instance)
        assert found is not None, "the running stack wrote no instance/local-stack.json"
        return found

    def stop(self) -> list[str]:
        """Ctrl-C, then the processes of this stack still alive (killed now)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._reader.join(timeout=5)
        time.sleep(0.5)
        left = processes_of_instance(self.instance)
        for proc in left:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        return [" ".join(proc.cmdline())[:100] for proc in left if proc.is_running()]


@pytest.fixture
def runs():
    started: list[LocalRun] = []
    yield started
    leftovers = [line for run in started for line in run.stop()]
    assert leftovers == [], leftovers


def test_listen_gives_way_only_when_allowed():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse, match=f"port {port} on 127.0.0.1 is in use"):
            listen(port, fallback=False)
        with listen(port, fallback=True) as other:
            assert port_of(other) not in {0, port}
            # It is listening already: a client connects before anything serves it.
            socket.create_connection(("127.0.0.1", port_of(other)), timeout=2).close()


def test_a_taken_port_stops_the_start_with_one_line(tmp_path, runs):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = LocalRun(tmp_path, "--port", str(port))
        runs.append(run)
        run.process.wait(60)
    assert run.process.returncode == 1, run.output
    assert (f"helpline run: web: port {port} on 127.0.0.1 is in use — stop the program "
            "using it, or choose another with --port") in run.output
    assert BANNER not in run.output


def test_a_child_that_dies_while_starting_stops_the_start(tmp_path, runs):
    # gunicorn reads extra options from its environment: a bad one makes the web exit.
    run = LocalRun(tmp_path, "--port", "0", "--stand-in-port", "0",
                   GUNICORN_CMD_ARGS="--workers many")
    runs.append(run)
    run.process.wait(120)
    assert run.process.returncode == 1, run.output
    assert ("helpline run: web exited with code 2 while starting (its messages are above); "
            "everything has been stopped") in run.output
    assert BANNER not in run.output
    assert local_stack.read(run.instance) is None


def test_two_stacks_started_together_both_come_up_and_calls_find_their_own(tmp_path, runs):
    # Both want the stand-in's default port 5050 at the same moment (two clones of
    # `make run`); the web ports are the "other ports" the second operator chose.
    first = LocalRun(tmp_path / "one", "--port", str(free_port()))
    second = LocalRun(tmp_path / "two", "--port", str(free_port()))
    runs.extend([first, second])
    stacks = [first.wait_banner(), second.wait_banner()]

    assert first.banner_ready == 200 and second.banner_ready == 200
    stand_ins = {found.stand_in_url for found in stacks}
    assert len(stand_ins) == 2 and None not in stand_ins
    for run, found in zip((first, second), stacks, strict=True):
        # The banner names the ports really used.
        assert f"Agent console      {found.app_url}/" in run.output
        assert f"Demo phone         {found.stand_in_url}/" in run.output
        # A second terminal of the same clone, nothing exported: the call goes through
        # this stack's stand-in and reaches this stack's app.
        done = subprocess.run(
            [sys.executable, "-m", "helpline", "call", "--to", "+661800000102",
             "--hangup-after", "3", "--json"], env=environ(run.instance),
            capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["via"] == found.stand_in_url
        assert report["heard"], report
        assert report["webhooks"] and all(
            hook["url"].startswith(found.app_url + "/") and 200 <= hook["status"] < 300
            for hook in report["webhooks"]), report["webhooks"]

    for run in (first, second):
        assert run.stop() == []
        assert local_stack.read(run.instance) is None
        assert "helpline run: stopped" in run.output


def test_a_stack_file_left_by_a_killed_stack_is_ignored(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = local_stack.LocalStack(pid=gone.pid, app_url="http://127.0.0.1:9",
                                   stand_in_url="http://127.0.0.1:9")
    local_stack.write(tmp_path, stale)
    assert local_stack.read(tmp_path) is None
    live = local_stack.LocalStack(pid=os.getpid(), app_url="http://127.0.0.1:9",
                                  stand_in_url=None)
    local_stack.write(tmp_path, live)
    assert local_stack.read(tmp_path) == live
    local_stack.remove(tmp_path, pid=os.getpid() + 1)  # not ours: left alone
    assert local_stack.read(tmp_path) == live
    local_stack.remove(tmp_path, pid=os.getpid())
    assert local_stack.read(tmp_path) is None
