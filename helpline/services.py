"""The collaborators the composition root builds once and hands to every package."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import redis
from flask import current_app
from redis import Redis

from helpline.clock import Clock, SystemClock
from helpline.config import HelplineConfig
from helpline.db import Database
from helpline.pii import PiiProtector
from helpline.settings import Settings


@dataclass
class Services:
    settings: Settings
    config: HelplineConfig
    db: Database
    pii: PiiProtector
    redis: Redis | None
    clock: Clock = field(default_factory=SystemClock)
    # Per-feature collaborators built lazily by their packages (e.g. the routing
    # engine, the prompt resolver), keyed by feature name.
    extras: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def twilio(self) -> Any:
        from helpline.twilio_client import make_twilio_client

        return make_twilio_client(self.settings)

    def require_redis(self) -> Redis:
        if self.redis is None:
            raise RuntimeError("REDIS_URL is not set")
        return self.redis

    def queue(self, name: str) -> Any:
        from rq import Queue

        return Queue(name, connection=self.require_redis())


def build_services(settings: Settings, config: HelplineConfig | None = None,
                   clock: Clock | None = None) -> Services:
    from helpline.config import load_config

    redis_client = (redis.Redis.from_url(settings.redis_url, socket_timeout=5,
                                         socket_connect_timeout=2, health_check_interval=30)
                    if settings.redis_url else None)
    return Services(
        settings=settings,
        config=config or load_config(settings.config_path),
        db=Database(settings.database_url),
        pii=PiiProtector(settings.pii_key),
        redis=redis_client,
        clock=clock or SystemClock(),
    )


def services() -> Services:
    """The running app's services (inside a request or app context)."""
    return current_app.extensions["helpline"]  # type: ignore[no-any-return]
