"""The composition root: `create_app()` builds every collaborator once and wires the blueprints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from helpline.services import Services, build_services
from helpline.settings import Settings, load_settings


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    test_config: Mapping[str, Any] | None = None,
) -> Flask:
    settings = settings or (services.settings if services else load_settings())
    svc = services or build_services(settings)

    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure cookies whenever the public address is https (production).
        SESSION_COOKIE_SECURE=bool(settings.public_base_url
                                   and settings.public_base_url.startswith("https://")),
        MAX_CONTENT_LENGTH=50 * 1024 * 1024,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["helpline"] = svc

    from helpline import health

    app.register_blueprint(health.bp)

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        svc.db.scoped.remove()

    return app
