"""The recording line's webhooks (`/twilio/recording-line/...`) and the take audio
Twilio plays back (`/prompts/takes/<token>.wav`).

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

from flask import Blueprint, Flask, abort, request, send_file, url_for
from werkzeug.wrappers import Response

from agent_console.models import StaffUser
from agent_console.prompt_audio import (
    CLIPPED,
    NOT_AUDIO,
    SILENT,
    TOO_LONG,
    TOO_SHORT,
)
from helpline.config import RecordingLine
from helpline.services import Services, services
from helpline.twilio_auth import is_valid_twilio_request, public_base, twilio_request
from prompts import store as prompt_store
from prompts.errors import PromptUnavailable
from prompts.recording_line import pins, takes
from prompts.recording_line.jobs import FETCH_FAILED, enqueue_take, takes_folder
from prompts.recording_line.twiml import Reply
from prompts.recording_list import ToRecord, find, next_unrecorded, to_record
from prompts.resolver import PromptResolver

bp = Blueprint("recording_line", __name__)

SESSION_SECONDS = 2 * 3600
POLLS = 20                 # waits of POLL_SECONDS for the take's processing
POLL_SECONDS = 2
SIGN_IN_TRIES = 3          # staff numbers not entered before the line hangs up
IDLE_MENUS = 2             # menus in a row without a key before the line hangs up
SPOKEN_REFUSALS = {
    SILENT: "Nothing could be heard in that recording.",
    CLIPPED: "That recording was too loud and distorted. Hold the phone a little "
             "further away.",
    TOO_SHORT: "That recording was too short.",
    TOO_LONG: "That recording was too long. A prompt may be at most thirty seconds.",
    NOT_AUDIO: "That recording could not be read.",
    FETCH_FAILED: "That recording could not be fetched.",
}


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
        return _twiml(_reply().redirect(url_for("recording_line.incoming")))


# ------------------------------------------------------------------ helpers

def _line() -> RecordingLine:
    line = services().config.recording_line
    if line is None:
        abort(404)
    return line


def _reply() -> Reply:
    base = public_base(request, services().settings.public_base_url)
    return Reply(lambda path: path if "://" in path else base + path)


def _twiml(reply: Reply) -> Response:
    return Response(str(reply), mimetype="application/xml")


def _redis() -> Any:
    return services().require_redis()


def _session_key() -> str:
    return f"recording_line:call:{request.form.get('CallSid', '')}"


def _signed_in(svc: Services) -> StaffUser | None:
    raw = _redis().get(_session_key())
    if not raw or not request.form.get("CallSid"):
        return None
    staff = svc.db.scoped().get(StaffUser, int(raw))
    return staff if staff is not None and staff.active else None


def _may_record(staff: StaffUser) -> list[str]:
    return [code for code in services().config.languages
            if staff.role == "admin"
            or staff.proficiency(code) >= prompt_store.REVIEWER_MIN_PROFICIENCY]


def _resolver() -> PromptResolver:
    return services().extras["prompts"]  # type: ignore[no-any-return]


def _items(language: str) -> list[ToRecord]:
    resolver = _resolver()
    return to_record(services().config, resolver, resolver.state(), language)


def _again(reply: Reply) -> Response:
    """Not signed in (the session lapsed, or a URL reached out of order)."""
    return _twiml(reply.say("Please sign in again.").redirect(
        url_for("recording_line.incoming")))


def _spoken_id(item: ToRecord) -> str:
    words = item.prompt_id.replace("_", " ")
    return f"{words}, {item.variant.replace('.', ' ')}" if item.variant else words


def _signed_in_or_again():  # type: ignore[no-untyped-def]
    svc = services()
    staff = _signed_in(svc)
    language = request.args.get("lang", "")
    if staff is None or (language and language not in _may_record(staff)):
        return None, None, _again(_reply())
    return staff, language, None


# ------------------------------------------------------------------ signing in

@bp.post("/twilio/recording-line/incoming")
@twilio_request
def incoming() -> Response:
    _line()
    tries = _count("tries")
    reply = _reply()
    if tries >= SIGN_IN_TRIES:
        return _twiml(reply.say("Goodbye.").hangup())
    return _twiml(reply.gather(
        url_for("recording_line.staff_number", tries=tries), finish_on_key="#", timeout=10,
        fill=lambda g: reply.say("Helpline prompt recording line. Enter your staff number, "
                                 "then the hash key.", into=g)))


def _count(name: str) -> int:
    raw = request.args.get(name, "0")
    return int(raw) if raw.isdigit() and len(raw) < 3 else 99


@bp.post("/twilio/recording-line/staff")
@twilio_request
def staff_number() -> Response:
    _line()
    digits = request.form.get("Digits", "")
    reply = _reply()
    if not digits.isdigit():
        return _twiml(reply.say("No staff number was entered.").redirect(
            url_for("recording_line.incoming", tries=_count("tries") + 1)))
    return _twiml(reply.gather(
        url_for("recording_line.pin", staff=digits[:9]), finish_on_key="#", timeout=10,
        fill=lambda g: reply.say("Enter your recording PIN, then the hash key.", into=g)))


@bp.post("/twilio/recording-line/pin")
@twilio_request
def pin() -> Response:
    line = _line()
    svc = services()
    db = svc.db.scoped()
    reply = _reply()
    result = pins.sign_in(db, staff_number=request.args.get("staff", ""),
                          pin=request.form.get("Digits", ""))
    db.commit()
    redis = _redis()
    if result.staff is None:
        failures_key = f"{_session_key()}:pin_failures"
        failures = redis.incr(failures_key)
        redis.expire(failures_key, SESSION_SECONDS)
        if result.locked or failures >= line.pin_attempts:
            return _twiml(reply.say("That PIN is locked or was entered wrongly too often. "
                                    "Set a new one in the console, or try again later. "
                                    "Goodbye.").hangup())
        return _twiml(reply.say("That staff number and PIN do not match.").redirect(
            url_for("recording_line.incoming")))
    redis.set(_session_key(), result.staff.id, ex=SESSION_SECONDS)
    languages = _may_record(result.staff)
    if not languages:
        return _twiml(reply.say("You are not set up to record any language. Goodbye.")
                      .hangup())
    if len(languages) == 1:
        return _twiml(reply.redirect(url_for("recording_line.menu", lang=languages[0])))
    return _twiml(reply.redirect(url_for("recording_line.languages")))


# ------------------------------------------------------------------ choosing

@bp.post("/twilio/recording-line/languages")
@twilio_request
def languages() -> Response:
    staff, _, refused = _signed_in_or_again()
    if refused is not None:
        return refused
    codes = _may_record(staff)[:9]
    config = services().config
    reply = _reply()
    options = [f"For {config.language(code).name}, press {n}." for n, code in
               enumerate(codes, start=1)]
    idle = request.args.get("idle", "0")
    if not idle.isdigit() or int(idle) >= IDLE_MENUS:
        return _twiml(reply.say("Goodbye.").hangup())
    return _twiml(reply.gather(url_for("recording_line.language", idle=idle), num_digits=1,
                               fill=lambda g: reply.say(*options, into=g))
                  .redirect(url_for("recording_line.languages", idle=int(idle) + 1)))


@bp.post("/twilio/recording-line/language")
@twilio_request
def language() -> Response:
    staff, _, refused = _signed_in_or_again()
    if refused is not None:
        return refused
    codes = _may_record(staff)[:9]
    digit = request.form.get("Digits", "")
    if not digit.isdigit() or not 1 <= int(digit) <= len(codes):
        return _twiml(_reply().redirect(url_for("recording_line.languages",
                                                idle=_count("idle") + 1)))
    return _twiml(_reply().redirect(url_for("recording_line.menu", lang=codes[int(digit) - 1])))


@bp.post("/twilio/recording-line/menu")
@twilio_request
def menu() -> Response:
    _, language, refused = _signed_in_or_again()
    if refused is not None or not language:
        return refused or _again(_reply())
    idle = request.args.get("idle", "0")
    idle_count = int(idle) if idle.isdigit() else IDLE_MENUS
    reply = _reply()
    if idle_count >= IDLE_MENUS:
        return _twiml(reply.say("Goodbye.").hangup())
    items = _items(language)
    done = sum(1 for item in items if item.recorded)
    name = services().config.language(language).name
    return _twiml(reply.gather(
        url_for("recording_line.menu_choice", lang=language, idle=idle_count), num_digits=1,
        fill=lambda g: reply.say(
            f"{name}. {done} of {len(items)} prompts are recorded.",
            "To record the next unrecorded prompt, press 1.",
            "To go through every prompt in order, press 2.",
            "To choose a prompt by its number, press 3.",
            "To choose another language, press star. To end the call, press 0.", into=g))
        .redirect(_idle_menu(language, idle_count + 1)))


def _idle_menu(language: str, idle: int = 1) -> str:
    """Where a Gather nobody answered goes: the menu, counting how often in a row, so a
    phone left off the hook ends the call instead of looping."""
    return url_for("recording_line.menu", lang=language, idle=idle)


@bp.post("/twilio/recording-line/menu-choice")
@twilio_request
def menu_choice() -> Response:
    _, language, refused = _signed_in_or_again()
    if refused is not None or not language:
        return refused or _again(_reply())
    items, digit, reply = _items(language), request.form.get("Digits", ""), _reply()
    if digit == "1":
        following = next_unrecorded(items)
        if following is None:
            return _twiml(reply.say("Every prompt is recorded.").redirect(
                url_for("recording_line.menu", lang=language)))
        return _twiml(reply.redirect(_prompt_url(language, following)))
    if digit == "2" and items:
        return _twiml(reply.redirect(_prompt_url(language, items[0])))
    if digit == "3":
        return _twiml(reply.gather(
            url_for("recording_line.prompt_number", lang=language), finish_on_key="#",
            fill=lambda g: reply.say(f"Enter a prompt number from 1 to {len(items)}, "
                                     "then the hash key.", into=g))
            .redirect(url_for("recording_line.menu", lang=language)))
    if digit == "*":
        return _twiml(reply.redirect(url_for("recording_line.languages")))
    if digit == "0":
        return _twiml(reply.say("Goodbye.").hangup())
    # Nothing (or a key the menu does not have): the menu again, counted.
    return _twiml(reply.redirect(_idle_menu(language, _count("idle") + 1)))


@bp.post("/twilio/recording-line/prompt-number")
@twilio_request
def prompt_number() -> Response:
    _, language, refused = _signed_in_or_again()
    if refused is not None or not language:
        return refused or _again(_reply())
    items, digits = _items(language), request.form.get("Digits", "")
    if not digits.isdigit() or not 1 <= int(digits) <= len(items):
        return _twiml(_reply().say("There is no prompt with that number.").redirect(
            url_for("recording_line.menu", lang=language)))
    return _twiml(_reply().redirect(_prompt_url(language, items[int(digits) - 1])))


def _prompt_url(language: str, item: ToRecord) -> str:
    return url_for("recording_line.prompt", lang=language, take=item.key)


@bp.post("/twilio/recording-line/prompt")
@twilio_request
def prompt() -> Response:
    _, language, refused = _signed_in_or_again()
    if refused is not None or not language:
        return refused or _again(_reply())
    items = _items(language)
    item = find(items, request.args.get("take"))
    reply = _reply()
    if item is None:
        return _twiml(reply.redirect(url_for("recording_line.menu", lang=language)))
    number = items.index(item) + 1
    try:
        heard = _resolver().resolve(item.prompt_id, language, item.params)
    except PromptUnavailable:
        heard = []      # nothing speaks it yet: said below, and the recording is the fix
    state = ("recorded and reviewed" if item.reviewed else
             "recorded, waiting for review" if item.recorded else "not recorded yet")
    choice = url_for("recording_line.prompt_choice", lang=language, take=item.key)

    def fill(gather: Any) -> None:
        reply.say(f"Prompt {number}: {_spoken_id(item)}. It is {state}.", into=gather)
        if heard:
            reply.say("Callers hear now:", into=gather)
            reply.utterances(heard, into=gather)
        else:
            reply.say("Callers hear nothing for it yet.", into=gather)
        reply.say("To record it, press 1. To hear it again, press 2. "
                  "For the next prompt, press 3. For the menu, press star.", into=gather)

    return _twiml(reply.gather(choice, num_digits=1, fill=fill).redirect(
        _idle_menu(language)))


@bp.post("/twilio/recording-line/prompt-choice")
@twilio_request
def prompt_choice() -> Response:
    _, language, refused = _signed_in_or_again()
    if refused is not None or not language:
        return refused or _again(_reply())
    items = _items(language)
    item = find(items, request.args.get("take"))
    digit, reply = request.form.get("Digits", ""), _reply()
    if item is None or digit == "*":
        return _twiml(reply.redirect(url_for("recording_line.menu", lang=language)))
    if digit == "1":
        return _twiml(reply.redirect(url_for("recording_line.record", lang=language,
                                             take=item.key)))
    if digit == "3":
        following = items[(items.index(item) + 1) % len(items)]
        return _twiml(reply.redirect(_prompt_url(language, following)))
    if digit == "2":
        return _twiml(reply.redirect(_prompt_url(language, item)))
    return _twiml(reply.redirect(_idle_menu(language)))


# ------------------------------------------------------------------ recording

@bp.post("/twilio/recording-line/record")
@twilio_request
def record() -> Response:
    line = _line()
    _, language, refused = _signed_in_or_again()
    if refused is not None or not language:
        return refused or _again(_reply())
    item = find(_items(language), request.args.get("take"))
    if item is None:
        return _twiml(_reply().redirect(url_for("recording_line.menu", lang=language)))
    return _twiml(_reply()
                  .say("Speak after the beep. Press the hash key when you have finished.")
                  .record(url_for("recording_line.recorded", lang=language, take=item.key),
                          max_length=line.max_take_seconds)
                  # Twilio goes on here only when nothing was recorded.
                  .say("Nothing was recorded.")
                  .redirect(_prompt_url(language, item)))


@bp.post("/twilio/recording-line/recorded")
@twilio_request
def recorded() -> Response:
    staff, language, refused = _signed_in_or_again()
    if refused is not None or not language:
        return refused or _again(_reply())
    item = find(_items(language), request.args.get("take"))
    recording_sid = request.form.get("RecordingSid", "")
    if item is None or not recording_sid.startswith("RE"):
        return _twiml(_reply().say("Nothing was recorded.").redirect(
            url_for("recording_line.menu", lang=language)))
    take = takes.save(_redis(), takes.Take(
        token=takes.new_token(), call_sid=request.form.get("CallSid", ""),
        staff_id=staff.id, language=language, prompt_id=item.prompt_id,
        variant=item.variant, recording_sid=recording_sid))
    enqueue_take(services(), take.token)
    return _twiml(_reply().say("One moment.").redirect(
        url_for("recording_line.take", token=take.token, n=0)))


def _own_take(staff: StaffUser) -> takes.Take | None:
    take = takes.load(_redis(), request.args.get("token", ""))
    if take is None or take.staff_id != staff.id \
            or take.call_sid != request.form.get("CallSid"):
        return None
    return take


@bp.post("/twilio/recording-line/take")
@twilio_request
def take() -> Response:
    staff, _, refused = _signed_in_or_again()
    if refused is not None:
        return refused
    found, reply = _own_take(staff), _reply()
    if found is None:
        return _again(reply)
    back = _prompt_url_for(found)
    if found.status == takes.PENDING:
        polls = request.args.get("n", "0")
        n = int(polls) + 1 if polls.isdigit() else POLLS
        if n >= POLLS:
            return _twiml(reply.say("The recording could not be processed. Please record "
                                    "it again.").redirect(back))
        return _twiml(reply.pause(POLL_SECONDS).redirect(
            url_for("recording_line.take", token=found.token, n=n)))
    if found.status == takes.REFUSED:
        takes.forget(_redis(), takes_folder(services()), found.token)
        return _twiml(reply.say(SPOKEN_REFUSALS.get(found.refusal, "That recording could "
                                                    "not be used."), "Please record it again.")
                      .redirect(back))
    decide = url_for("recording_line.decide", token=found.token)
    audio = url_for("recording_line.take_audio", token=found.token)

    def fill(gather: Any) -> None:
        reply.say("Your recording:", into=gather)
        reply.play(audio, into=gather)
        reply.say("To keep it, press 1. To record it again, press 2. To hear it again, "
                  "press 3.", into=gather)

    # Unanswered: the take is not kept (Keep is a choice), and the line moves on.
    return _twiml(reply.gather(decide, num_digits=1, fill=fill).redirect(
        _idle_menu(found.language)))


def _prompt_url_for(found: takes.Take) -> str:
    return url_for("recording_line.prompt", lang=found.language, take=found.key)


@bp.post("/twilio/recording-line/decide")
@twilio_request
def decide() -> Response:
    staff, _, refused = _signed_in_or_again()
    if refused is not None:
        return refused
    found, reply = _own_take(staff), _reply()
    if found is None or found.status != takes.READY:
        return _again(reply)
    digit = request.form.get("Digits", "")
    folder = takes_folder(services())
    if digit == "2":
        takes.forget(_redis(), folder, found.token)
        return _twiml(reply.redirect(url_for("recording_line.record", lang=found.language,
                                             take=found.key)))
    if digit == "3":
        return _twiml(reply.redirect(url_for("recording_line.take", token=found.token, n=0)))
    if digit != "1":       # nothing pressed: not kept (Keep is a choice)
        return _twiml(reply.redirect(_idle_menu(found.language)))
    wav = takes.path(folder, found.token).read_bytes()
    db = services().db.scoped()
    prompt_store.add_recording(db, recordings_dir=_resolver().recordings_dir,
                               language=found.language, prompt_id=found.prompt_id,
                               variant=found.variant, wav=wav, seconds=found.seconds,
                               source="phone", recorded_by_id=staff.id)
    db.commit()
    takes.forget(_redis(), folder, found.token)
    from prompts.views import prompts_changed  # prompts.views wires this module in

    prompts_changed()
    following = next_unrecorded(_items(found.language), after=found.key)
    reply.say("Kept. Callers hear it once a reviewer approves it.")
    if following is None:
        return _twiml(reply.say("Every prompt of this language is recorded.").redirect(
            url_for("recording_line.menu", lang=found.language)))
    return _twiml(reply.redirect(_prompt_url(found.language, following)))


@bp.get("/prompts/takes/<token>.wav")
def take_audio(token: str) -> Response:
    """A processed take, for Twilio to play back. No signature (Twilio fetches <Play>
    media unsigned): the token is random, lives an hour and names staff audio only."""
    found = takes.load(_redis(), token)
    if found is None or found.status != takes.READY:
        abort(404)
    path = takes.path(takes_folder(services()), token)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=0)
