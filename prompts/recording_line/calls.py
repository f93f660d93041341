"""What every recording-line webhook shares: the line's configuration, TwiML replies
with absolute URLs, who is signed in on this call (Redis, under the CallSid), which
languages they may record, the list to record, and the URLs the steps go between."""

from __future__ import annotations

from typing import Any

from flask import abort, request, url_for
from werkzeug.wrappers import Response

from agent_console.models import StaffUser
from helpline.config import RecordingLine
from helpline.services import Services, services
from helpline.twilio_auth import public_base
from prompts import store as prompt_store
from prompts.recording_line.domain import Next
from prompts.recording_line.twiml import Reply
from prompts.recording_list import ToRecord, to_record
from prompts.resolver import PromptResolver

SESSION_SECONDS = 2 * 3600
SIGN_IN_TRIES = 3          # staff numbers not entered before the line hangs up


def configured_line() -> RecordingLine:
    line = services().config.recording_line
    if line is None:
        abort(404)
    return line


def new_reply() -> Reply:
    base = public_base(request, services().settings.public_base_url)
    return Reply(lambda path: path if "://" in path else base + path)


def twiml(built: Reply) -> Response:
    return Response(str(built), mimetype="application/xml")


def redis_client() -> Any:
    return services().require_redis()


def session_key() -> str:
    return f"recording_line:call:{request.form.get('CallSid', '')}"


def signed_in(svc: Services) -> StaffUser | None:
    raw = redis_client().get(session_key())
    if not raw or not request.form.get("CallSid"):
        return None
    staff = svc.db.scoped().get(StaffUser, int(raw))
    return staff if staff is not None and staff.active else None


def may_record(staff: StaffUser) -> list[str]:
    return [code for code in services().config.languages
            if staff.role == "admin"
            or staff.proficiency(code) >= prompt_store.REVIEWER_MIN_PROFICIENCY]


def prompt_resolver() -> PromptResolver:
    return services().extras["prompts"]  # type: ignore[no-any-return]


def items_in(language: str) -> list[ToRecord]:
    resolver = prompt_resolver()
    return to_record(services().config, resolver, resolver.state(), language)


def again(built: Reply) -> Response:
    """Not signed in (the session lapsed, or a URL reached out of order)."""
    return twiml(built.say("Please sign in again.").redirect(
        url_for("recording_line.incoming")))


def spoken_id(item: ToRecord) -> str:
    words = item.prompt_id.replace("_", " ")
    return f"{words}, {item.variant.replace('.', ' ')}" if item.variant else words


def signed_in_or_again():  # type: ignore[no-untyped-def]
    svc = services()
    staff = signed_in(svc)
    language = request.args.get("lang", "")
    if staff is None or (language and language not in may_record(staff)):
        return None, None, again(new_reply())
    return staff, language, None


def count_arg(name: str) -> int:
    raw = request.args.get(name, "0")
    return int(raw) if raw.isdigit() and len(raw) < 3 else 99


def idle_menu(language: str, idle: int = 1) -> str:
    """Where a Gather nobody answered goes: the menu, counting how often in a row, so a
    phone left off the hook ends the call instead of looping."""
    return url_for("recording_line.menu", lang=language, idle=idle)


def prompt_url(language: str, key: str) -> str:
    return url_for("recording_line.prompt", lang=language, take=key)


def follow(built: Reply, nxt: Next, language: str) -> Response:
    """The TwiML that takes the call where `nxt` says (prompts.recording_line.domain)."""
    if nxt.say:
        built.say(nxt.say)
    if nxt.step == "end":
        return twiml(built.say("Goodbye.").hangup())
    targets = {
        "incoming": lambda: url_for("recording_line.incoming"),
        "languages": lambda: url_for("recording_line.languages", idle=nxt.idle),
        "menu": lambda: idle_menu(nxt.key or language, nxt.idle),
        "prompt": lambda: prompt_url(language, nxt.key or ""),
        "record": lambda: url_for("recording_line_takes.record", lang=language,
                                  take=nxt.key),
    }
    return twiml(built.redirect(targets[nxt.step]()))
