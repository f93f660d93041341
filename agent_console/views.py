"""The console's web layer: wires login, CSRF, Babel and the console's blueprints.

`helpline.app` imports this module, calls `init_app(app)` and registers
`blueprints`. Each blueprint lives in its own module with one job.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect

from agent_console.admin_views import bp as admin_bp
from agent_console.agent_views import bp as agent_bp
from agent_console.auth import init_login
from agent_console.i18n import UI_LOCALES, init_babel
from agent_console.login_views import bp as login_bp
from agent_console.prompt_recording_views import bp as prompt_recording_bp
from agent_console.recording_pin_views import bp as recording_pin_bp
from agent_console.recording_views import bp as recording_bp
from agent_console.rota_views import bp as rota_bp
from agent_console.wallboard_views import bp as wallboard_bp
from cases.taxonomy import BY_CODE
from cases.ticket_views import bp as ticket_bp

blueprints = [login_bp, agent_bp, ticket_bp, recording_bp, wallboard_bp, admin_bp, rota_bp,
              prompt_recording_bp, recording_pin_bp]

csrf = CSRFProtect()

# Requests that can never carry a CSRF token: Twilio's webhooks (authenticated by
# their signature instead) and the health check.
CSRF_EXEMPT_PREFIXES = ("/twilio/", "/healthz")


def init_app(app: Flask) -> None:
    init_login(app)
    init_babel(app)
    secure = bool(app.config.get("SESSION_COOKIE_SECURE"))
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SECURE", secure)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(hours=12))
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=12))
    # A shift is long: the token lives as long as the session, not Flask-WTF's hour.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
    # Every feature's blueprint is registered around this call, so instead of
    # exempting blueprints one by one the check runs in one before_request hook
    # that knows which paths are exempt.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # Unit tests of other packages post with Flask's test client and no token; the
    # live app (and this package's tests, which set it explicitly) always checks.
    app.config.setdefault("WTF_CSRF_ENABLED", not app.testing)
    csrf.init_app(app)

    @app.before_request
    def _check_csrf() -> None:
        if not app.config["WTF_CSRF_ENABLED"]:
            return
        if request.method not in app.config["WTF_CSRF_METHODS"]:
            return
        if request.path.startswith(CSRF_EXEMPT_PREFIXES):
            return
        csrf.protect(apply_exemptions=True)

    @app.errorhandler(CSRFError)
    def _csrf_refused(error: CSRFError):  # type: ignore[no-untyped-def]
        if request.path.startswith("/api/") or request.is_json or request.headers.get(
                "HX-Request"):
            return jsonify(error="csrf_failed", message=error.description), 400
        return render_template("console/error.html", code=400,
                               message=error.description), 400

    @app.context_processor
    def _console_globals() -> dict[str, object]:
        return {"ui_locales": UI_LOCALES, "current_locale": str(get_locale() or "en"),
                "category_label": category_label}


def category_label(code: str | None) -> str:
    category = BY_CODE.get(code or "")
    return _(category.label) if category else (code or "–")
