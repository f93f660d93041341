"""The recording line's webhooks up to the beep (`/twilio/recording-line/...`); the
take itself is `take_views`.

The number's Voice URL is `/twilio/recording-line/incoming`; a call to it that arrives
at the helpline's `/twilio/voice/incoming` instead (the number left on the helpline's
URL) is handed over before the IVR sees it, so either way its calls never reach the
IVR, the queues, tickets or voicemail.

A call: staff number then PIN (both ending with #) → a language the staff member may
record (admins: any; others: those they speak at 4 or more; skipped when there is one)
→ the language menu (1 the next unrecorded prompt, 2 every prompt in order, 3 a prompt
by its number, * another language) → a prompt: its number, then what callers hear now
(1 record, 2 hear it again, 3 the next prompt, * the menu) → the beep, the take, # →
processing (an rq job; the call waits with short pauses) → the processed take played
back (1 keep, 2 record again, 3 hear it again) → kept as a draft by the staff member,
and on to the next unrecorded prompt.

Who is on the call lives in Redis under the CallSid after the PIN was right, never in
a URL. Every webhook is signature-checked; every answer is valid TwiML.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, request, url_for
from werkzeug.wrappers import Response

from helpline.services import services
from helpline.twilio_auth import is_valid_twilio_request, twilio_request
from prompts.errors import PromptUnavailable
from prompts.recording_line import calls, domain, pins
from prompts.recording_line.calls import SESSION_SECONDS, SIGN_IN_TRIES
from prompts.recording_line.domain import IDLE_MENUS
from prompts.recording_list import find, next_unrecorded

bp = Blueprint("recording_line", __name__)


def init_app(app: Flask) -> None:
    @app.before_request
    def _hand_over_recording_line_calls() -> Any:
        if request.endpoint != "ivr.incoming":
            return None
        line = services().config.recording_line
        if line is None or request.form.get("To") != line.number:
            return None
        settings = services().settings
        if not is_valid_twilio_request(request, settings.twilio_auth_token,
                                       settings.public_base_url,
                                       settings.twilio_webhook_shared_key_secrets):
            abort(403)
        return calls.twiml(calls.new_reply().redirect(url_for("recording_line.incoming")))


# ------------------------------------------------------------------ signing in

@bp.post("/twilio/recording-line/incoming")
@twilio_request
def incoming() -> Response:
    calls.configured_line()
    tries = calls.count_arg("tries")
    reply = calls.new_reply()
    if tries >= SIGN_IN_TRIES:
        return calls.twiml(reply.say("Goodbye.").hangup())
    return calls.twiml(reply.gather(
        url_for("recording_line.staff_number", tries=tries), finish_on_key="#", timeout=10,
        fill=lambda g: reply.say("Helpline prompt recording line. Enter your staff number, "
                                 "then the hash key.", into=g)))


@bp.post("/twilio/recording-line/staff")
@twilio_request
def staff_number() -> Response:
    calls.configured_line()
    digits = request.form.get("Digits", "")
    reply = calls.new_reply()
    if not digits.isdigit():
        return calls.twiml(reply.say("No staff number was entered.").redirect(
            url_for("recording_line.incoming", tries=calls.count_arg("tries") + 1)))
    return calls.twiml(reply.gather(
        url_for("recording_line.pin", staff=digits[:9]), finish_on_key="#", timeout=10,
        fill=lambda g: reply.say("Enter your recording PIN, then the hash key.", into=g)))


@bp.post("/twilio/recording-line/pin")
@twilio_request
def pin() -> Response:
    line = calls.configured_line()
    svc = services()
    db = svc.db.scoped()
    reply = calls.new_reply()
    result = pins.sign_in(db, staff_number=request.args.get("staff", ""),
                          pin=request.form.get("Digits", ""))
    db.commit()
    redis = calls.redis_client()
    failures, languages = 0, []
    if result.staff is None:
        failures_key = f"{calls.session_key()}:pin_failures"
        failures = redis.incr(failures_key)
        redis.expire(failures_key, SESSION_SECONDS)
    else:
        redis.set(calls.session_key(), result.staff.id, ex=SESSION_SECONDS)
        languages = calls.may_record(result.staff)
    nxt = domain.after_pin(signed_in=result.staff is not None, locked=result.locked,
                           failures=failures, attempts=line.pin_attempts,
                           languages=languages)
    return calls.follow(reply, nxt, nxt.key or "")


# ------------------------------------------------------------------ choosing

@bp.post("/twilio/recording-line/languages")
@twilio_request
def languages() -> Response:
    staff, _, refused = calls.signed_in_or_again()
    if refused is not None:
        return refused
    codes = calls.may_record(staff)[:9]
    config = services().config
    reply = calls.new_reply()
    options = [f"For {config.language(code).name}, press {n}." for n, code in
               enumerate(codes, start=1)]
    idle = request.args.get("idle", "0")
    if not idle.isdigit() or int(idle) >= IDLE_MENUS:
        return calls.twiml(reply.say("Goodbye.").hangup())
    return calls.twiml(reply.gather(url_for("recording_line.language", idle=idle), num_digits=1,
                               fill=lambda g: reply.say(*options, into=g))
                  .redirect(url_for("recording_line.languages", idle=int(idle) + 1)))


@bp.post("/twilio/recording-line/language")
@twilio_request
def language() -> Response:
    staff, _, refused = calls.signed_in_or_again()
    if refused is not None:
        return refused
    nxt = domain.language_key(request.form.get("Digits", ""), calls.may_record(staff)[:9],
                              calls.count_arg("idle"))
    return calls.follow(calls.new_reply(), nxt, nxt.key or "")


@bp.post("/twilio/recording-line/menu")
@twilio_request
def menu() -> Response:
    _, language, refused = calls.signed_in_or_again()
    if refused is not None or not language:
        return refused or calls.again(calls.new_reply())
    idle = request.args.get("idle", "0")
    idle_count = int(idle) if idle.isdigit() else IDLE_MENUS
    reply = calls.new_reply()
    if idle_count >= IDLE_MENUS:
        return calls.twiml(reply.say("Goodbye.").hangup())
    items = calls.items_in(language)
    done = sum(1 for item in items if item.recorded)
    name = services().config.language(language).name
    return calls.twiml(reply.gather(
        url_for("recording_line.menu_choice", lang=language, idle=idle_count), num_digits=1,
        fill=lambda g: reply.say(
            f"{name}. {done} of {len(items)} prompts are recorded.",
            "To record the next unrecorded prompt, press 1.",
            "To go through every prompt in order, press 2.",
            "To choose a prompt by its number, press 3.",
            "To choose another language, press star. To end the call, press 0.", into=g))
        .redirect(calls.idle_menu(language, idle_count + 1)))


@bp.post("/twilio/recording-line/menu-choice")
@twilio_request
def menu_choice() -> Response:
    _, language, refused = calls.signed_in_or_again()
    if refused is not None or not language:
        return refused or calls.again(calls.new_reply())
    items = calls.items_in(language)
    following = next_unrecorded(items)
    nxt = domain.menu_key(request.form.get("Digits", ""), [item.key for item in items],
                          following.key if following else None, calls.count_arg("idle"))
    reply = calls.new_reply()
    if nxt.step == "ask_number":
        return calls.twiml(reply.gather(
            url_for("recording_line.prompt_number", lang=language), finish_on_key="#",
            fill=lambda g: reply.say(f"Enter a prompt number from 1 to {len(items)}, "
                                     "then the hash key.", into=g))
            .redirect(url_for("recording_line.menu", lang=language)))
    return calls.follow(reply, nxt, language)


@bp.post("/twilio/recording-line/prompt-number")
@twilio_request
def prompt_number() -> Response:
    _, language, refused = calls.signed_in_or_again()
    if refused is not None or not language:
        return refused or calls.again(calls.new_reply())
    keys = [item.key for item in calls.items_in(language)]
    nxt = domain.prompt_number(request.form.get("Digits", ""), keys)
    return calls.follow(calls.new_reply(), nxt, language)


@bp.post("/twilio/recording-line/prompt")
@twilio_request
def prompt() -> Response:
    _, language, refused = calls.signed_in_or_again()
    if refused is not None or not language:
        return refused or calls.again(calls.new_reply())
    items = calls.items_in(language)
    item = find(items, request.args.get("take"))
    reply = calls.new_reply()
    if item is None:
        return calls.twiml(reply.redirect(url_for("recording_line.menu", lang=language)))
    number = items.index(item) + 1
    try:
        heard = calls.prompt_resolver().resolve(item.prompt_id, language, item.params)
    except PromptUnavailable:
        heard = []      # nothing speaks it yet: said below, and the recording is the fix
    state = ("recorded and reviewed" if item.reviewed else
             "recorded, waiting for review" if item.recorded else "not recorded yet")
    choice = url_for("recording_line.prompt_choice", lang=language, take=item.key)

    def fill(gather: Any) -> None:
        reply.say(f"Prompt {number}: {calls.spoken_id(item)}. It is {state}.", into=gather)
        if heard:
            reply.say("Callers hear now:", into=gather)
            reply.utterances(heard, into=gather)
        else:
            reply.say("Callers hear nothing for it yet.", into=gather)
        reply.say("To record it, press 1. To hear it again, press 2. "
                  "For the next prompt, press 3. For the menu, press star.", into=gather)

    return calls.twiml(reply.gather(choice, num_digits=1, fill=fill).redirect(
        calls.idle_menu(language)))


@bp.post("/twilio/recording-line/prompt-choice")
@twilio_request
def prompt_choice() -> Response:
    _, language, refused = calls.signed_in_or_again()
    if refused is not None or not language:
        return refused or calls.again(calls.new_reply())
    items = calls.items_in(language)
    item = find(items, request.args.get("take"))
    if item is None:
        return calls.follow(calls.new_reply(), domain.Next("menu"), language)
    nxt = domain.prompt_key(request.form.get("Digits", ""), [i.key for i in items], item.key)
    return calls.follow(calls.new_reply(), nxt, language)
