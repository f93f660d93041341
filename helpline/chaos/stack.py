"""`helpline run` as a subprocess in a folder of its own, and the faults that concern
its processes.

The harness owns the redis-server (`REDIS_URL`, so the stack starts none) and the
database; `helpline run` owns its children (twilio-stand-in, web, worker,
transcriber, scheduler), restarts them when they exit and says so on stderr. The
children are found by their command lines (psutil), so a scenario can kill one by
name with SIGKILL and wait for its successor.

Teardown always runs, and checks that no process the stack started is left behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests

from helpline.chaos.config import write_config
from helpline.chaos.database import Database
from helpline.chaos.redis_server import ChaosRedis
from helpline.embedded_redis import free_port

READY_TIMEOUT = 120.0
STOP_TIMEOUT = 25.0
# What `helpline run` prints when it restarts a child (helpline/runner.py).
EXITED = re.compile(r"helpline run: (?P<name>[\w-]+) exited with code (?P<code>-?\d+)")
CHILDREN = ("twilio-stand-in", "web", "worker", "transcriber", "scheduler")
# Settings the stack must not inherit: with them it would talk to a real Twilio, or to
# the test session's own Redis and database.
SCRUBBED = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE", "PUBLIC_BASE_URL",
            "REDIS_URL", "DATABASE_URL", "HELPLINE_CONFIG", "HELPLINE_INSTANCE_DIR",
            "RECORDINGS_DIR", "PORT", "SECRET_KEY", "HELPLINE_PII_KEY")


class StackError(RuntimeError):
    pass


def child_name(cmdline: list[str]) -> str | None:
    """Which of `helpline run`'s children a command line is (None: a one-off task)."""
    words = " ".join(cmdline)
    if "simulator.server" in words:
        return "twilio-stand-in"
    if "gunicorn" in words:
        return "web"
    if "scheduler" in cmdline:
        return "scheduler"
    if "worker" in cmdline:
        queues = cmdline[cmdline.index("--queues") + 1] if "--queues" in cmdline else ""
        return "transcriber" if queues.split(",") == ["transcription"] else "worker"
    return None


def wait_for(what: str, predicate: Callable[[], Any], timeout: float,
             interval: float = 0.2) -> Any:
    """The first truthy value of `predicate()` within `timeout` s, else StackError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise StackError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Stack:
    folder: Path
    database: Database
    redis: ChaosRedis
    reliability: dict[str, int] = field(default_factory=dict)
    port: int = 0
    stand_in_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    ready_at: float = 0.0
    stopped: list[str] | None = None

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stand_in_url(self) -> str:
        return f"http://127.0.0.1:{self.stand_in_port}"

    @property
    def stderr_path(self) -> Path:
        return self.folder / "helpline-run.stderr"

    # ------------------------------------------------------------------ start / stop

    def start(self) -> Stack:
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> Stack:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.database.create()
        self.redis.start()
        config_path, self.reliability = write_config(self.folder / "config.yaml",
                                                     self.reliability)
        self.port, self.stand_in_port = free_port(), free_port()
        env = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
        env.update(HELPLINE_INSTANCE_DIR=str(self.folder / "instance"),
                   DATABASE_URL=self.database.url, REDIS_URL=self.redis.url,
                   HELPLINE_CONFIG=str(config_path),
                   RECORDINGS_DIR=str(self.folder / "recordings"), PYTHONUNBUFFERED="1")
        args = [sys.executable, "-m", "helpline.cli", "run", "--port", str(self.port),
                "--stand-in-port", str(self.stand_in_port)]
        with open(self.folder / "helpline-run.stdout", "wb") as out, \
                open(self.stderr_path, "wb") as err:
            # Its own session, so teardown can reach every descendant by process group.
            self.process = subprocess.Popen(args, env=env, stdout=out, stderr=err,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        self.started_at = time.monotonic()
        self.wait_ready(READY_TIMEOUT)
        wait_for("the Twilio stand-in", self._stand_in_up, 30)
        wait_for("all of helpline run's children", lambda: set(CHILDREN) <= set(
            self.children()), 30)
        self.ready_at = time.monotonic()
        return self

    def _stand_in_up(self) -> bool:
        try:
            return requests.get(f"{self.stand_in_url}/sim/health", timeout=2).ok
        except requests.RequestException:
            return False

    def ready(self) -> bool:
        """`/healthz/ready` answers 200 (`/healthz` where there is no /ready yet)."""
        for path in ("/healthz/ready", "/healthz"):
            try:
                response = requests.get(self.app_url + path, timeout=3)
            except requests.RequestException:
                return False
            if response.status_code != 404:
                return response.status_code == 200
        return False

    def wait_ready(self, timeout: float) -> None:
        def up() -> bool:
            if self.process is None or self.process.poll() is not None:
                raise StackError(f"helpline run exited ({self.process and self.process.poll()})"
                                 f"; its stderr ends:\n{self.stderr_tail()}")
            return self.ready()

        try:
            wait_for("/healthz/ready", up, timeout, interval=0.5)
        except StackError as exc:
            if "stderr ends" in str(exc):
                raise
            raise StackError(f"{exc}; stderr ends:\n{self.stderr_tail()}") from None

    def stop(self) -> list[str]:
        """Stops everything (once); returns descriptions of processes that were left
        behind (and have now been killed)."""
        if self.stopped is not None:
            return self.stopped
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        leftovers = self._leftovers()
        for proc in leftovers:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(leftovers, timeout=10)
        self.redis.stop()
        with contextlib.suppress(Exception):
            self.database.drop()
        self.stopped = [f"{proc.pid} {' '.join(_cmdline(proc))[:120]}" for proc in leftovers]
        return self.stopped

    def _leftovers(self) -> list[psutil.Process]:
        return processes_of_instance(self.folder / "instance")

    # ------------------------------------------------------------------ children

    def children(self) -> dict[str, psutil.Process]:
        """The stack's running children by name (direct children of `helpline run`)."""
        found: dict[str, psutil.Process] = {}
        if self.process is None:
            return found
        with contextlib.suppress(psutil.Error):
            for proc in psutil.Process(self.process.pid).children():
                name = child_name(_cmdline(proc))
                if name is not None and proc.status() != psutil.STATUS_ZOMBIE:
                    found[name] = proc
        return found

    def pid_of(self, name: str) -> int | None:
        proc = self.children().get(name)
        return proc.pid if proc else None

    def kill_child(self, name: str) -> int:
        """SIGKILL the named child; returns its pid."""
        proc = self.children().get(name)
        if proc is None:
            raise StackError(f"no running {name} to kill")
        proc.send_signal(signal.SIGKILL)
        with contextlib.suppress(psutil.TimeoutExpired):
            proc.wait(10)
        return proc.pid

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 60.0) -> int:
        def successor() -> int | None:
            pid = self.pid_of(name)
            return pid if pid is not None and pid != old_pid else None

        return int(wait_for(f"helpline run to restart {name}", successor, timeout))

    def all_children_running(self) -> dict[str, bool]:
        running = self.children()
        return {name: name in running for name in CHILDREN}

    def run_alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exit_code(self) -> int | None:
        return self.process.poll() if self.process is not None else None

    # ------------------------------------------------------------------ what it said

    def stderr_tail(self, lines: int = 30) -> str:
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def said(self) -> list[str]:
        """What `helpline run` itself said about its children (its "helpline run:" lines)."""
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.startswith("helpline run:")]

    def restarts(self, since_offset: int = 0) -> dict[str, int]:
        """Children `helpline run` reported as exited (and so restarted), by name."""
        try:
            text = self.stderr_path.read_bytes()[since_offset:].decode(errors="replace")
        except OSError:
            return {}
        return dict(Counter(match["name"] for match in EXITED.finditer(text)))

    def log_offset(self) -> int:
        """A mark in the stack's stderr: `restarts(mark)` counts only what came after."""
        try:
            return self.stderr_path.stat().st_size
        except OSError:
            return 0


def processes_of_instance(instance: Path) -> list[psutil.Process]:
    """Live processes started for the stack of this instance folder, found by the
    folder in their environment: that also finds orphans (a work horse whose worker
    was killed), which are no longer anyone's descendants."""
    alive = []
    for proc in psutil.process_iter(["pid", "status"]):
        if proc.pid == os.getpid() or proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        with contextlib.suppress(psutil.Error):
            if proc.environ().get("HELPLINE_INSTANCE_DIR") == str(instance):
                alive.append(proc)
    return alive


def new_stack(folder: Path, database: Database,
              reliability: dict[str, int] | None = None) -> Stack:
    return Stack(folder=folder, database=database, redis=ChaosRedis(folder / "redis"),
                 reliability=dict(reliability or {}))


@contextlib.contextmanager
def running_stack(folder: Path, database: Database,
                  reliability: dict[str, int] | None = None) -> Iterator[Stack]:
    """A started stack that is always torn down; raises StackError on teardown if a
    process was left behind."""
    stack = new_stack(folder, database, reliability)
    stack.start()
    leftovers: list[str] = []
    try:
        yield stack
    finally:
        leftovers = stack.stop()
    if leftovers:
        raise StackError("processes left behind after teardown (killed now): "
                         + "; ".join(leftovers))


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []
