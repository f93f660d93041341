"""The servers the webhook benchmark measures: the helpline app and the bare baseline,
each under gunicorn with `helpline run`'s options, on ports of their own, in a
temporary instance with its own Redis and database — never the operator's.
"""

from __future__ import annotations

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from helpline import migrate, web_server
from helpline.embedded_redis import EmbeddedRedis

BENCH_ACCOUNT_SID = "AC" + "b" * 32
READY_WITHIN_SECONDS = 60.0


@dataclass
class BenchServer:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    extra: list[object] = field(default_factory=list)

    def pids(self) -> list[int]:
        """gunicorn's arbiter and its workers."""
        import psutil

        try:
            parent = psutil.Process(self.process.pid)
            return [parent.pid, *(child.pid for child in parent.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []

    def cpu_seconds(self) -> float:
        import psutil

        total = 0.0
        for pid in self.pids():
            try:
                times = psutil.Process(pid).cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for resource in self.extra:
            stop = getattr(resource, "stop", None)
            if stop is not None:
                stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bench_environ(folder: Path, port: int, auth_token: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TWILIO_", "HELPLINE_", "DATABASE_URL", "REDIS_URL",
                                  "PUBLIC_BASE_URL"))}
    env.update({
        "HELPLINE_INSTANCE_DIR": str(folder / "instance"),
        "SECRET_KEY": secrets.token_hex(24),
        "HELPLINE_PII_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "TWILIO_ACCOUNT_SID": BENCH_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": auth_token,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "RECORDINGS_DIR": str(folder / "recordings"),
        # A made-up account on a local "Twilio" that never answers: the benchmark's
        # callers reach no agent, so the app never needs Twilio's REST API.
        "TWILIO_API_BASE": f"http://127.0.0.1:{free_port()}",
    })
    return env


def start_app(folder: Path, *, auth_token: str, database_url: str | None = None,
              config_path: Path | None = None) -> BenchServer:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = bench_environ(folder, port, auth_token)
    redis = EmbeddedRedis(folder / "redis", persist=False).start()
    env["REDIS_URL"] = redis.url
    env["DATABASE_URL"] = database_url or f"sqlite:///{folder / 'helpline.sqlite3'}"
    if config_path is not None:
        env["HELPLINE_CONFIG"] = str(config_path)
    migrate.upgrade(env["DATABASE_URL"])
    env["PROMETHEUS_MULTIPROC_DIR"] = str(folder / "metrics")
    server = _gunicorn("app", "helpline.wsgi:app", port, env, folder,
                       config=web_server.APP_CONFIG)
    server.extra.append(redis)
    return server


def start_baseline(folder: Path, *, auth_token: str) -> BenchServer:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = bench_environ(folder, port, auth_token)
    return _gunicorn("baseline", "simulator.baseline_app:app", port, env, folder)


def _gunicorn(name: str, wsgi: str, port: int, env: dict[str, str], folder: Path,
              *, config: tuple[str, ...] = ()) -> BenchServer:
    log_path = folder / f"{name}.log"
    command = [sys.executable, "-m", "gunicorn", *config, "--bind", f"127.0.0.1:{port}",
               *web_server.GUNICORN_OPTIONS, *web_server.GRACEFUL_STOP,
               *web_server.control_socket_options(), wsgi]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = BenchServer(name, f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(server.url + "/healthz/live", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    server.stop()
    tail = log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"the {name} server did not come up on port {port}:\n{tail}")
