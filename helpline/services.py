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

    def __post_init__(self) -> None:
        from agent_console.audit_chain import derive_key
        from agent_console.audit_ledger import bind_key

        # Every session of this database can then seal audit entries, with the MAC
        # key derived from SECRET_KEY (agent_console.audit_chain).
        bind_key(self.db.session_factory, derive_key(self.settings.secret_key))

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


def open_database(url: str, **options: Any) -> Database:
    """The database with every feature's models mapped. Rows of one package refer to
    another's tables (a recording to its ticket, a ticket to its calls), and SQLAlchemy
    must know them all before the first query or flush; `helpline.db` imports no
    feature package, so the composition root does it here."""
    import helpline.models  # noqa: F401

    return Database(url, **options)


def build_services(settings: Settings, config: HelplineConfig | None = None,
                   clock: Clock | None = None, *, web: bool = False) -> Services:
    """`web`: fail fast on a locked database or a hung Redis (a webhook must answer
    within 2 s); otherwise wait a little, as jobs and commands can."""
    from helpline.config import load_config
    from helpline.db import JOB_WAIT_SECONDS, WEB_WAIT_SECONDS

    redis_client = (redis.Redis.from_url(settings.redis_url,
                                         socket_timeout=1 if web else 5,
                                         socket_connect_timeout=0.5 if web else 2,
                                         health_check_interval=30)
                    if settings.redis_url else None)
    return Services(
        settings=settings,
        config=config or load_config(settings.config_path),
        db=open_database(settings.database_url,
                    wait_seconds=WEB_WAIT_SECONDS if web else JOB_WAIT_SECONDS,
                    fast_commits=web),
        pii=PiiProtector(settings.pii_key, settings.pii_retired_keys),
        redis=redis_client,
        clock=clock or SystemClock(),
    )


def services() -> Services:
    """The running app's services (inside a request or app context)."""
    return current_app.extensions["helpline"]  # type: ignore[no-any-return]
