"""Who is asking: Flask-Login wiring and role checks shared by every staff-facing view.

Twilio-facing routes never use this; they are authenticated by signature
(`helpline.twilio_auth`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, jsonify, request
from flask_login import LoginManager, UserMixin, current_user

from agent_console.models import StaffUser
from helpline.services import services

login_manager = LoginManager()
login_manager.login_view = "console.login"
# "basic": a session moved to another client is marked non-fresh; sensitive
# actions re-check the password rather than logging agents out mid-call.
login_manager.session_protection = "basic"


class StaffPrincipal(UserMixin):
    """The logged-in staff member as the web layer sees them (no ORM object in the session)."""

    def __init__(self, user: StaffUser) -> None:
        self.id = user.id
        self.email = user.email
        self.display_name = user.display_name
        self.role = user.role
        self.ui_locale = user.ui_locale
        self.languages = {skill.language: skill.proficiency for skill in user.skills}

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_supervisor(self) -> bool:
        return self.role in ("supervisor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@login_manager.user_loader
def _load_user(user_id: str) -> StaffPrincipal | None:
    if not user_id.isdigit():
        return None
    session = services().db.scoped()
    user = session.get(StaffUser, int(user_id))
    if user is None or not user.active:
        return None
    return StaffPrincipal(user)


@login_manager.unauthorized_handler
def _unauthorized() -> Any:
    if _wants_json():
        return jsonify(error="login_required", message="Log in first."), 401
    from flask import redirect, url_for

    return redirect(url_for(login_manager.login_view or "console.login", next=request.path))


def init_login(app: Flask) -> None:
    if "login_manager" not in app.extensions:
        login_manager.init_app(app)
        app.extensions["login_manager"] = login_manager


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Logged in, with one of `roles`; 401 for strangers, 403 for the wrong role."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                if _wants_json():
                    return jsonify(error="forbidden", message="Your role cannot do this."), 403
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def current_staff() -> StaffPrincipal:
    return current_user  # type: ignore[return-value]


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == (
        "application/json")
