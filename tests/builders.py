"""Keyword-only builders for tests: environments, staff, signed Twilio requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twilio.request_validator import RequestValidator

TEST_AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
TEST_ACCOUNT_SID = "AC" + "1" * 32
TEST_PII_KEY = "q2cV0bJ0mF3y3c9U5Qx4bq1u2Zt8l0o1x2Y3w4V5u6s="


TEST_SECRET_KEY = "test-secret-key-that-is-long-enough"
TWILIO_ACCOUNT_SETTINGS = ("TWILIO_API_BASE", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")


def make_environ(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The settings of an app under test. With no Twilio account named (no
    TWILIO_API_BASE, TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN) it is a local stack that
    only receives webhooks, as `load_settings` reads it: the stand-in's account and the
    auth token in its instance folder, written here as TEST_AUTH_TOKEN so tests sign
    with it. Naming one gives TEST_ACCOUNT_SID and TEST_AUTH_TOKEN as the account —
    a real Twilio account unless TWILIO_API_BASE points at the stand-in, which then
    needs an https PUBLIC_BASE_URL."""
    instance = Path(overrides.get("HELPLINE_INSTANCE_DIR") or tmp_path / "instance")
    env = {
        "HELPLINE_INSTANCE_DIR": str(instance),
        "SECRET_KEY": TEST_SECRET_KEY,
        "HELPLINE_PII_KEY": TEST_PII_KEY,
        "RECORDINGS_DIR": str(tmp_path / "recordings"),
    }
    if set(TWILIO_ACCOUNT_SETTINGS) & set(overrides):
        env.update(TWILIO_ACCOUNT_SID=TEST_ACCOUNT_SID, TWILIO_AUTH_TOKEN=TEST_AUTH_TOKEN)
    else:
        _write_local_auth_token(instance)
    env.update(overrides)
    return env


def _write_local_auth_token(instance: Path) -> None:
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = instance / "twilio_auth_token"
    if not token.exists():
        token.write_text(TEST_AUTH_TOKEN + "\n")
        token.chmod(0o600)


def twilio_signature(url: str, params: dict[str, Any], auth_token: str = TEST_AUTH_TOKEN) -> str:
    return str(RequestValidator(auth_token).compute_signature(url, params))


def signed_post(client: Any, path: str, params: dict[str, Any], *,
                auth_token: str = TEST_AUTH_TOKEN, base_url: str = "http://localhost",
                headers: dict[str, str] | None = None) -> Any:
    """POST form parameters to the app the way Twilio does, signature included."""
    signature = twilio_signature(base_url + path, params, auth_token)
    return client.post(path, data=params,
                       headers={"X-Twilio-Signature": signature, **(headers or {})})


def create_staff_member(session: Any, *, email: str = "agent@example.org", role: str = "agent",
                        password: str = "correct horse battery",
                        skills: dict[str, int] | None = None, **kwargs: Any) -> Any:
    from agent_console.staff import create_staff

    return create_staff(session, email=email, role=role, password=password,
                        skills=skills if skills is not None else {"km": 5}, **kwargs)


def login_as(client: Any, user: Any) -> None:
    """Log a test client in as `user` the way Flask-Login records it in the session."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def put_agent_on_a_call(services: Any, *, email: str = "busy@example.org",
                        skills: dict[str, int] | None = None,
                        call_sid: str = "CA" + "b" * 32) -> int:
    """An agent serving `skills` who is busy talking to a caller the test does not follow:
    callers of those languages hear they are in line (someone can answer soon) rather
    than being sent to voicemail, and wait. Returns the agent's id."""
    from call_routing.service import routing_service

    skills = skills or {"km": 5}
    with services.db.session() as session:
        agent_id = create_staff_member(session, email=email, skills=skills).id
    engine = routing_service(services).engine
    # Available without taking anyone waiting, then offered this urgent call first.
    engine.set_presence(agent_id, "available", skills=skills, route=False)
    engine.join(call_sid, next(iter(skills)), None, urgent=True)
    engine.accept(agent_id, call_sid)
    return int(agent_id)
