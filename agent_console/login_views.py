"""Logging in and out, the home redirect, the UI language, and the Zawgyi check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from agent_console import audit
from agent_console.auth import StaffPrincipal, current_staff
from agent_console.i18n import UI_LOCALES
from agent_console.login_devices import COOKIE_NAME, MAX_AGE_SECONDS, KnownDevices
from agent_console.login_throttle import LoginThrottle, throttle_key
from agent_console.models import StaffUser
from agent_console.staff import check_password
from agent_console.zawgyi import looks_like_zawgyi, zawgyi_probability
from helpline.services import services

bp = Blueprint("console", __name__, template_folder="templates", static_folder="static",
               static_url_path="/console/static")


def _throttle() -> LoginThrottle | None:
    svc = services()
    if svc.redis is None:
        return None
    return LoginThrottle(svc.redis, throttle_key(svc.settings.secret_key))


def _safe_next(target: str | None) -> str | None:
    # Only paths on this site: an attacker's link must not bounce a fresh login elsewhere.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(role: str) -> str:
    if role == "admin":
        return url_for("admin.staff")
    if role == "supervisor":
        return url_for("wallboard.wallboard")
    return url_for("agent.agent_home")


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(home_for(current_staff().role))
    return redirect(url_for("console.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(home_for(current_staff().role))
        return render_template("console/login.html", email="")

    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    address = request.remote_addr or "unknown"
    throttle = _throttle()
    devices = KnownDevices(services().settings.secret_key)
    device = request.cookies.get(COOKIE_NAME)
    db = services().db.scoped()

    if throttle is not None:
        wait = throttle.retry_after(email, address, known_device=devices.knows(device, email))
        if wait:
            audit.record(db, actor_id=None, action="login_rate_limited", subject_type="staff",
                         subject_id=email, retry_after=wait)
            db.commit()
            minutes = max(1, round(wait / 60))
            message = _("Too many failed attempts. Try again in %(minutes)d minutes.",
                        minutes=minutes)
            response = render_template("console/login.html", email=email, error=message)
            return response, 429, {"Retry-After": str(wait)}

    user = db.scalar(select(StaffUser).where(StaffUser.email == email))
    # An unknown email costs the same Argon2 work as a known one: the time taken
    # must not say which emails have accounts.
    check = check_password(user.password_hash if user else None, password)
    if user is None or not user.active or not check.matches:
        if throttle is not None:
            throttle.failed(email, address)
        audit.record(db, actor_id=user.id if user else None, action="login_failed",
                     subject_type="staff", subject_id=email)
        db.commit()
        return render_template("console/login.html", email=email,
                               error=_("Email or password is not right.")), 401

    if throttle is not None:
        throttle.succeeded(email, address)
    if check.rehashed is not None:
        # Hashed with weaker parameters than today's: upgraded while we hold the password.
        user.password_hash = check.rehashed
    login_user(StaffPrincipal(user))
    audit.record(db, actor_id=user.id, action="login", subject_type="staff", subject_id=user.id)
    db.commit()
    response = redirect(_safe_next(request.args.get("next")) or home_for(user.role))
    response.set_cookie(COOKIE_NAME, devices.remember(device, email), max_age=MAX_AGE_SECONDS,
                        httponly=True, samesite="Lax", secure=request.is_secure)
    return response


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    _go_offline(current_staff().id)
    db = services().db.scoped()
    audit.record(db, actor_id=current_staff().id, action="logout", subject_type="staff",
                 subject_id=current_staff().id)
    db.commit()
    logout_user()
    flash(_("You are logged out."))
    return redirect(url_for("console.login"))


@bp.post("/console/locale")
@login_required
def change_locale():  # type: ignore[no-untyped-def]
    locale = request.form.get("locale", "")
    if locale not in UI_LOCALES:
        abort(400)
    db = services().db.scoped()
    user = db.get(StaffUser, current_staff().id)
    assert user is not None
    user.ui_locale = locale
    db.commit()
    return redirect(_safe_next(request.form.get("next")) or home_for(user.role))


@bp.post("/console/zawgyi")
@login_required
def zawgyi_check():  # type: ignore[no-untyped-def]
    """Called as an agent types: is the text Zawgyi-encoded Burmese?"""
    text = request.form.get("text") or (request.get_json(silent=True) or {}).get("text", "")
    text = text[:5000]
    zawgyi = looks_like_zawgyi(text)
    if request.headers.get("HX-Request"):
        return render_template("console/_zawgyi_warning.html", zawgyi=zawgyi)
    return jsonify(zawgyi=zawgyi, probability=round(zawgyi_probability(text), 4))


def _go_offline(agent_id: int) -> None:
    """An agent who logs out must not stay "available" and be offered calls nobody answers.

    On a call or in wrap-up the engine refuses; the call's end then settles the state.
    """
    from call_routing.errors import RoutingError
    from call_routing.service import routing_service

    try:
        routing_service(services()).set_state(agent_id, "offline")
    except RoutingError:
        pass
