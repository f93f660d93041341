"""A redis-server the harness owns, configured like production (AOF, `appendfsync
everysec`, `noeviction`), so a scenario can kill it with SIGKILL and bring it back on
the same port and data directory, as an operator's restart would.

The stack is given its URL in `REDIS_URL`, so `helpline run` starts no Redis of its own.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import redis

from helpline.embedded_redis import free_port, redis_server_binary


class RedisServerError(RuntimeError):
    pass


class ChaosRedis:
    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 15.0) -> ChaosRedis:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.data_dir), "--save", "", "--daemonize", "no",
                "--appendonly", "yes", "--appendfsync", "everysec",
                "--maxmemory-policy", "noeviction",
                "--logfile", str(self.data_dir / "redis.log")]
        # Its own session: tearing the stack's process group down must not take Redis
        # with it before the harness has read what it needs.
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    # The AOF is replayed before Redis answers PING with PONG.
                    client.ping()
                    return self
                except (redis.ConnectionError, redis.BusyLoadingError, redis.TimeoutError):
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        raise RedisServerError(
                            f"redis-server on port {self.port} did not start within "
                            f"{timeout:.0f} s; see {self.data_dir / 'redis.log'}") from None
                    time.sleep(0.05)
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL: whatever the last second of writes did not fsync is lost, as in a
        real crash."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.process = None
        self.kills += 1

    def restart(self, timeout: float = 15.0) -> ChaosRedis:
        self.kill()
        return self.start(timeout)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)
