"""The composition root: `create_app()` builds every collaborator once and wires the blueprints."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from helpline.services import Services, build_services
from helpline.settings import Settings, load_settings


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    test_config: Mapping[str, Any] | None = None,
) -> Flask:
    settings = settings or (services.settings if services else load_settings())
    svc = services or build_services(settings, web=True)

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

    from helpline import health, security_headers

    if settings.trusted_proxy_hops:
        # Only then are X-Forwarded-* believed: the client address, scheme and host
        # the proxy saw become request.remote_addr / scheme / host (and so the URL
        # Twilio signed). Without a proxy anyone could send those headers.
        hops = settings.trusted_proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    security_headers.init_app(app)
    # First, so every later hook and view logs with the request's id and CallSid.
    from helpline import observability

    observability.init_app(app)
    app.register_blueprint(health.bp)
    _wire_features(app)

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        svc.db.scoped.remove()

    return app


def feature_web_modules() -> tuple[ModuleType, ...]:
    """Each feature's web module, in wiring order: it may expose `init_app(app)`
    (extensions it needs) and `bp` or `blueprints`. Imported by name, so a missing or
    misspelt module stops start-up instead of leaving its URLs out (Twilio's webhooks
    among them)."""
    from agent_console import views as agent_console_views
    from call_routing import views as call_routing_views
    from ivr import views as ivr_views
    from prompts import views as prompts_views
    from recordings import views as recordings_views
    from transcription import views as transcription_views

    return (prompts_views, ivr_views, call_routing_views, recordings_views,
            transcription_views, agent_console_views)


def _wire_features(app: Flask) -> None:
    for module in feature_web_modules():
        init_app = getattr(module, "init_app", None)
        if init_app is not None:
            init_app(app)
        blueprints = getattr(module, "blueprints", None) or [getattr(module, "bp", None)]
        for blueprint in filter(None, blueprints):
            app.register_blueprint(blueprint)
