"""`helpline run`: the whole local stack as one foreground process group.

Starts an embedded Redis (unless `REDIS_URL` is set), the local Twilio stand-in
(unless real Twilio credentials are set), the web server, a recordings worker, a
transcriber and the scheduler; migrates and seeds the database first. The runner
binds the web and stand-in ports itself and hands the sockets down (`listeners`), so
no other program can take a port between choosing and serving it. The banner comes
only once `/healthz/ready` answers 200, naming the ports really used; a child that
dies during start-up stops the start with a clear line instead. Once running, a
child that exits is restarted with backoff (and the stack says so) — one crash never
stops the helpline. Ctrl-C (or SIGTERM) stops every child and waits for it, so
nothing is left behind.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

import requests

from helpline import listeners, local_stack, migrate, queues, web_server
from helpline.backoff import Backoff
from helpline.config import load_config
from helpline.demo import DEMO_PASSWORD, DEMO_STAFF, seed_demo
from helpline.embedded_redis import EmbeddedRedis
from helpline.services import open_database
from helpline.settings import load_settings

SIMULATOR_PORT = 5050
WORKER_QUEUES = ",".join((queues.RECORDINGS, queues.MAINTENANCE))
STOP_GRACE_SECONDS = 10
# A cold start on a busy two-core machine has taken 35 s; the banner waits for ready.
READY_TIMEOUT_SECONDS = 300.0
READY_REPORT_SECONDS = 15.0


@dataclass
class Child:
    """A process of the stack and how to start it again."""

    args: list[str]
    env: dict[str, str]
    # Listening sockets the runner holds and the child serves on (and gets again
    # when it is restarted).
    pass_fds: tuple[int, ...] = ()
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    restarts: int = 0
    backoff: Backoff = field(default_factory=Backoff)

    def spawn(self) -> None:
        self.process = subprocess.Popen(self.args, env=self.env, pass_fds=self.pass_fds)
        self.started_at = time.monotonic()
        self.restart_at = None


@dataclass
class Stack:
    children: dict[str, Child] = field(default_factory=dict)
    # One-off tasks (e.g. rendering prompts): stopped with the stack, may end by themselves.
    tasks: list[subprocess.Popen[bytes]] = field(default_factory=list)
    redis: EmbeddedRedis | None = None
    # Sockets the children serve on: held here for as long as the stack lives.
    listeners: list[socket.socket] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str],
              listener: socket.socket | None = None) -> None:
        fds = (listener.fileno(),) if listener is not None else ()
        self.children[name] = child = Child(args, env, pass_fds=fds)
        child.spawn()

    def exited(self) -> tuple[str, int] | None:
        """The first child found exited (name, exit code), or None."""
        for name, child in self.children.items():
            if child.process is not None and child.process.poll() is not None:
                return name, child.process.returncode
        return None

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
        for listener in self.listeners:
            listener.close()


class StartupFailed(Exception):
    """The stack did not come up. `str()` is the one line shown to the operator."""


def run_stack(port: int | None = None, seed: bool = True,
              stand_in_port: int | None = None) -> int:
    settings = load_settings()
    # A bad configuration file stops the stack here, one line per problem, before any
    # child starts and fails on it.
    load_config(settings.config_path)
    # A port the operator asked for is that port or an error; the defaults give way
    # to a free port, so a second stack (another clone) started alongside comes up.
    web_explicit = port is not None or bool(os.environ.get("PORT"))
    port = settings.port if port is None else port
    env = dict(os.environ)
    stack = Stack()

    def _on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Explicit for SIGINT too: a stack started in the background inherits SIGINT ignored.
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        web_socket = _listen("web", port, fallback=not web_explicit, stack=stack)
        port = listeners.port_of(web_socket)
        env["PORT"] = str(port)

        local_twilio = (settings.twilio_api_base is None and not os.environ.get(
            "TWILIO_AUTH_TOKEN") and importlib.util.find_spec("simulator.server") is not None)
        stand_in_socket = simulator_port = None
        if local_twilio:
            wanted = SIMULATOR_PORT if stand_in_port is None else stand_in_port
            stand_in_socket = _listen("twilio-stand-in", wanted,
                                      fallback=stand_in_port is None, stack=stack)
            simulator_port = listeners.port_of(stand_in_socket)

        migrate.upgrade(settings.database_url)
        created = _seed(settings.database_url) if seed else []

        if settings.redis_url is None:
            stack.redis = EmbeddedRedis(settings.instance_dir / "redis").start()
            env["REDIS_URL"] = stack.redis.url

        if stand_in_socket is not None:
            env["TWILIO_API_BASE"] = f"http://127.0.0.1:{simulator_port}"
            env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
            stack.start("twilio-stand-in", [sys.executable, "-m", "simulator.server",
                                            "--fd", str(stand_in_socket.fileno()),
                                            "--app-url", env["PUBLIC_BASE_URL"]], env,
                        listener=stand_in_socket)

        # Every gunicorn worker keeps its metric samples in this instance's folder
        # (emptied by helpline.gunicorn_conf as gunicorn starts); the web process only.
        web_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(settings.instance_dir / "metrics")}
        stack.start("web", [sys.executable, "-m", "gunicorn", *web_server.APP_CONFIG,
                            "--bind", f"fd://{web_socket.fileno()}",
                            *web_server.GUNICORN_OPTIONS, *web_server.GRACEFUL_STOP,
                            *web_server.control_socket_options(), "helpline.wsgi:app"],
                    web_env, listener=web_socket)
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

        stand_in_url = f"http://127.0.0.1:{simulator_port}" if local_twilio else None
        _wait_ready(port, stand_in_url, stack)
        local_stack.write(settings.instance_dir, local_stack.LocalStack(
            pid=os.getpid(), app_url=f"http://127.0.0.1:{port}", stand_in_url=stand_in_url))
        _announce(port, created, simulator_port, stack)
        while True:
            for line in stack.supervise():
                print(line, file=sys.stderr, flush=True)
            time.sleep(0.5)
    except StartupFailed as exc:
        print(f"helpline run: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nhelpline run: stopping…", file=sys.stderr)
        return 0
    finally:
        # Ignore further Ctrl-C while children are being stopped.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        local_stack.remove(settings.instance_dir, os.getpid())
        stack.stop()
        print("helpline run: stopped", file=sys.stderr)


def _listen(name: str, port: int, *, fallback: bool, stack: Stack) -> socket.socket:
    try:
        sock = listeners.listen(port, fallback=fallback)
    except listeners.PortInUse as exc:
        option = "--port" if name == "web" else "--stand-in-port"
        raise StartupFailed(f"{name}: {exc} — stop the program using it, or choose "
                            f"another with {option}") from None
    stack.listeners.append(sock)
    return sock


def _seed(database_url: str) -> list[str]:
    database = open_database(database_url)
    try:
        with database.session() as session:
            return seed_demo(session)
    finally:
        database.dispose()


def _wait_ready(port: int, stand_in_url: str | None, stack: Stack,
                timeout: float = READY_TIMEOUT_SECONDS) -> None:
    """Returns once `/healthz/ready` answers 200 (and the stand-in answers). A child
    that exits meanwhile fails the start (a port, setting or install problem a
    restart would only repeat), and so does a stack still not ready after `timeout`."""
    url = f"http://127.0.0.1:{port}/healthz/ready"
    started = time.monotonic()
    next_report = started + READY_REPORT_SECONDS
    not_ready = "the web server does not answer yet"
    while True:
        exited = stack.exited()
        if exited is not None:
            name, code = exited
            raise StartupFailed(f"{name} exited with code {code} while starting (its "
                                "messages are above); everything has been stopped")
        try:
            response = requests.get(url, timeout=5)
            if response.status_code != 200:
                not_ready = _failing_checks(response)
            elif stand_in_url is not None and not _answers(stand_in_url + "/sim/health"):
                not_ready = "the Twilio stand-in does not answer yet"
            else:
                return
        except requests.RequestException:
            pass
        now = time.monotonic()
        if now - started > timeout:
            raise StartupFailed(f"not ready after {timeout:.0f} s ({not_ready}); "
                                "everything has been stopped")
        if now >= next_report:
            print(f"helpline run: waiting for {url}: {not_ready}", file=sys.stderr,
                  flush=True)
            next_report = now + READY_REPORT_SECONDS
        time.sleep(0.3)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).ok
    except requests.RequestException:
        return False


def _failing_checks(response: requests.Response) -> str:
    try:
        checks = response.json().get("checks", {})
    except ValueError:
        return f"HTTP {response.status_code}"
    failing = [f"{name}: {check.get('error', 'not ok')}" for name, check in checks.items()
               if not check.get("ok")]
    return "; ".join(failing) or f"HTTP {response.status_code}"


def _announce(port: int, created: list[str], simulator_port: int | None,
              stack: Stack) -> None:
    base = f"http://127.0.0.1:{port}"
    lines = [
        "",
        "Helpline is running.",
        f"  Agent console      {base}/",
        f"  Health             {base}/healthz/ready",
    ]
    if simulator_port is not None:
        lines.append(f"  Demo phone         http://127.0.0.1:{simulator_port}/")
        lines.append("  A call from here   helpline call --to +661800000102 --press 2 "
                     "(finds this stack by itself)")
    if stack.redis is not None:
        lines.append(f"  Redis (embedded)   {stack.redis.url}")
    lines.append(f"  Demo logins (password {DEMO_PASSWORD!r}):")
    for email, role, name, _skills, _locale in DEMO_STAFF:
        lines.append(f"    {role:<10} {email:<32} {name}")
    if not created:
        lines.append("    (demo staff existed already; passwords unchanged)")
    lines.append("Press Ctrl-C to stop everything.")
    print("\n".join(lines), flush=True)
