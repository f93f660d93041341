"""The embedded Redis's port is chosen before redis-server binds it: when another
program (a second stack starting alongside) takes it in between, the stack gets a
Redis of its own on another port — never someone else's server on the old one."""

from __future__ import annotations

import socket

import pytest
import redis

from helpline.embedded_redis import EmbeddedRedis


def its_own(server: EmbeddedRedis) -> bool:
    info = redis.Redis.from_url(server.url).info("server")
    return server.process is not None and info["process_id"] == server.process.pid


def test_a_port_taken_before_redis_binds_it_gives_way_to_another(tmp_path):
    server = EmbeddedRedis(tmp_path / "mine", persist=False)
    chosen = server.port
    with socket.socket() as thief:
        thief.bind(("127.0.0.1", chosen))
        thief.listen()
        server.start()
    try:
        assert server.port != chosen and its_own(server)
    finally:
        server.stop()


def test_another_redis_on_the_chosen_port_is_never_taken_for_ours(tmp_path):
    server = EmbeddedRedis(tmp_path / "mine", persist=False)
    other = EmbeddedRedis(tmp_path / "other", port=server.port, persist=False).start()
    try:
        server.start()
        assert server.port != other.port and its_own(server) and its_own(other)
    finally:
        server.stop()
        other.stop()


def test_a_port_asked_for_is_that_port_or_an_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = EmbeddedRedis(tmp_path / "mine", port=taken.getsockname()[1], persist=False)
        with pytest.raises(RuntimeError, match="did not start"):
            server.start(timeout=5)
