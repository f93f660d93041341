"""`helpline run`: the whole local stack as one foreground process group.

Starts an embedded Redis (unless `REDIS_URL` is set), the local Twilio stand-in
(unless real Twilio credentials are set), the web server, a recordings worker, a
transcriber and the scheduler; migrates and seeds the database first. A child that
exits is restarted with backoff (and the stack says so) — one crash never stops the
helpline. Ctrl-C (or SIGTERM) stops every child and waits for it, so nothing is left
behind.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import requests

from helpline import migrate, queues
from helpline.backoff import Backoff
from helpline.db import Database
from helpline.demo import DEMO_PASSWORD, DEMO_STAFF, seed_demo
from helpline.embedded_redis import EmbeddedRedis, free_port
from helpline.settings import load_settings

SIMULATOR_PORT = 5050
WORKER_QUEUES = ",".join((queues.RECORDINGS, queues.MAINTENANCE))
STOP_GRACE_SECONDS = 10


@dataclass
class Child:
    """A process of the stack and how to start it again."""

    args: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    restarts: int = 0
    backoff: Backoff = field(default_factory=Backoff)

    def spawn(self) -> None:
        self.process = subprocess.Popen(self.args, env=self.env)
        self.started_at = time.monotonic()
        self.restart_at = None


@dataclass
class Stack:
    children: dict[str, Child] = field(default_factory=dict)
    # One-off tasks (e.g. rendering prompts): stopped with the stack, may end by themselves.
    tasks: list[subprocess.Popen[bytes]] = field(default_factory=list)
    redis: EmbeddedRedis | None = None

    def start(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.children[name] = child = Child(args, env)
        child.spawn()

    def start_task(self, args: list[str], env: dict[str, str]) -> None:
        self.tasks.append(subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL))

    def supervise(self) -> list[str]:
        """Restarts children that exited, with backoff; returns what it said."""
        said = []
        now = time.monotonic()
        # Reap one-off tasks that have finished (no zombies in the process table).
        self.tasks = [task for task in self.tasks if task.poll() is None]
        for name, child in self.children.items():
            process = child.process
            if child.restart_at is None and process is not None and process.poll() is not None:
                if now - child.started_at > child.backoff.healthy_after:
                    child.backoff.reset()
                delay = child.backoff.next()
                child.restart_at = now + delay
                said.append(f"helpline run: {name} exited with code {process.returncode}; "
                            f"restarting in {delay:.0f} s")
            elif child.restart_at is not None and now >= child.restart_at:
                child.spawn()
                child.restarts += 1
                said.append(f"helpline run: {name} restarted")
        return said

    def stop(self) -> None:
        processes = [c.process for c in self.children.values() if c.process is not None]
        for process in [*processes, *self.tasks]:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in [*processes, *self.tasks]:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.redis is not None:
            self.redis.stop()


def run_stack(port: int | None = None, seed: bool = True,
              stand_in_port: int | None = None) -> int:
    settings = load_settings()
    port = port or settings.port
    env = dict(os.environ)
    env["PORT"] = str(port)
    stack = Stack()

    def _on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Explicit for SIGINT too: a stack started in the background inherits SIGINT ignored.
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        migrate.upgrade(settings.database_url)
        created = _seed(settings.database_url) if seed else []

        if settings.redis_url is None:
            stack.redis = EmbeddedRedis(settings.instance_dir / "redis").start()
            env["REDIS_URL"] = stack.redis.url

        local_twilio = (settings.twilio_api_base is None and not os.environ.get(
            "TWILIO_AUTH_TOKEN") and importlib.util.find_spec("simulator.server") is not None)
        simulator_port = stand_in_port or _port_or_free(SIMULATOR_PORT)
        if local_twilio:
            env["TWILIO_API_BASE"] = f"http://127.0.0.1:{simulator_port}"
            env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
            stack.start("twilio-stand-in", [sys.executable, "-m", "simulator.server",
                                            "--port", str(simulator_port),
                                            "--app-url", env["PUBLIC_BASE_URL"]], env)

        stack.start("web", [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                            "--workers", "2", "--worker-class", "gthread", "--threads", "8",
                            "--timeout", "120", "--graceful-timeout", "5",
                            "helpline.wsgi:app"], env)
        # As in the Procfile: recordings never wait behind transcription, and the
        # speech model lives only in the transcriber. Neither forks per job: a fork
        # cost more than a download (measured: 50 voicemails at once), and a job that
        # dies with its worker is re-queued by the intake sweep.
        cli = [sys.executable, "-m", "helpline.cli"]
        stack.start("worker", [*cli, "worker", "--queues", WORKER_QUEUES, "--simple"], env)
        stack.start("transcriber", [*cli, "worker", "--queues", queues.TRANSCRIPTION,
                                    "--simple"], env)
        stack.start("scheduler", [*cli, "scheduler"], env)
        # Render prompt audio ahead of the first caller (cached; quick when nothing changed).
        stack.start_task([*cli, "prompts", "render"], env)

        _wait_healthy(port, stack)
        _announce(port, created, simulator_port if local_twilio else None)
        while True:
            for line in stack.supervise():
                print(line, file=sys.stderr, flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nhelpline run: stopping…", file=sys.stderr)
        return 0
    finally:
        # Ignore further Ctrl-C while children are being stopped.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        print("helpline run: stopped", file=sys.stderr)


def _seed(database_url: str) -> list[str]:
    database = Database(database_url)
    try:
        with database.session() as session:
            return seed_demo(session)
    finally:
        database.dispose()


def _wait_healthy(port: int, stack: Stack, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/healthz"
    while time.monotonic() < deadline:
        for line in stack.supervise():
            print(line, file=sys.stderr, flush=True)
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)


def _port_or_free(preferred: int) -> int:
    """The preferred port when nothing listens there, else any free one."""
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            return free_port()


def _announce(port: int, created: list[str], simulator_port: int | None) -> None:
    base = f"http://127.0.0.1:{port}"
    lines = [
        "",
        "Helpline is running.",
        f"  Agent console      {base}/",
        f"  Health             {base}/healthz",
    ]
    if simulator_port is not None:
        lines.append(f"  Demo phone         http://127.0.0.1:{simulator_port}/")
    lines.append(f"  Demo logins (password {DEMO_PASSWORD!r}):")
    for email, role, name, _skills, _locale in DEMO_STAFF:
        lines.append(f"    {role:<10} {email:<32} {name}")
    if not created:
        lines.append("    (demo staff existed already; passwords unchanged)")
    lines.append("Press Ctrl-C to stop everything.")
    print("\n".join(lines), flush=True)
