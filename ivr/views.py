"""Twilio voice webhooks: verify, parse, ask the IVR state machine, carry out, render.

Every response is TwiML. Any failure becomes a spoken apology in the caller's
language and a chance to leave a message — never an HTTP 500 to Twilio.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, request
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException

from helpline.clock import as_datetime
from helpline.config import HelplineConfig
from helpline.pii import InvalidPhoneNumber, normalise_number
from helpline.pii_rotation import relink_caller
from helpline.services import Services, services
from helpline.twilio_auth import public_base, twilio_request
from helpline.webhook_input import field
from ivr import domain, store
from ivr.queueing import call_queue
from ivr.steps import (
    CallerInput,
    ChooseLanguage,
    ConsentNoticePlayed,
    Context,
    Decision,
    JoinQueue,
    LeaveQueue,
    Line,
    LogEvent,
    NextShift,
    Prompt,
    QueueView,
    Route,
    SaveCallback,
    SetOutcome,
)
from ivr.twiml import last_resort, render
from prompts.freshness import VersionedCache

bp = Blueprint("ivr", __name__, url_prefix="/twilio")
log = logging.getLogger(__name__)

PATHS = {
    "language": "/twilio/voice/language",
    "main": "/twilio/voice/main",
    "wait": "/twilio/voice/queue/wait",
    "queue_key": "/twilio/voice/queue/key",
    "offer": "/twilio/voice/offer",
    "voicemail": "/twilio/voice/voicemail",
    "voicemail_done": "/twilio/voice/voicemail/done",
    "voicemail_saved": "/twilio/voice/voicemail/saved",
    "callback_choice": "/twilio/voice/callback/choice",
    "callback_enter": "/twilio/voice/callback/enter",
    "callback_entered": "/twilio/voice/callback/entered",
    "recording_status": "/twilio/recordings/status",
}
ENDED_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
# Steps served without the database: where a call goes when the helpline is failing.
DATABASE_FREE = {"voicemail_saved"}


@dataclass(frozen=True)
class VoiceRequest:
    """The fields of a Twilio voice webhook the IVR uses, tolerant of missing ones."""

    call_sid: str
    to: str
    caller: str | None          # E.164, in memory only; None when withheld or malformed
    digits: str | None
    recording_seconds: float | None
    call_status: str
    call_duration: int | None

    @classmethod
    def parse(cls, form: dict[str, str], region: str | None) -> VoiceRequest:
        from helpline.webhook_input import bounded

        # A field out of its shape or bound (a CallSid with a NUL, a 100 KB one) is
        # treated as missing: it is never stored, used as a Redis key or echoed.
        form = bounded(form)
        return cls(
            call_sid=form.get("CallSid", "").strip(),
            to=(form.get("To") or form.get("Called") or "").strip(),
            caller=_caller_number(form.get("From") or form.get("Caller") or "", region),
            digits=(form.get("Digits") or "").strip() or None,
            recording_seconds=_float(form.get("RecordingDuration")),
            call_status=form.get("CallStatus", "").strip().lower(),
            call_duration=_int_or_none(form.get("CallDuration")),
        )


@bp.post("/voice/incoming")
@twilio_request
def incoming() -> Response:
    svc = services()
    line = _line(svc.config, _to())
    voice = _parse(line)
    if not voice.call_sid:
        return _twiml(_apology(svc.config, line.default_language))
    now = as_datetime(svc.clock)
    session = svc.db.scoped()
    link_key = svc.pii.link_key(voice.caller) if voice.caller else None
    # Decide first (nothing here writes), then write in one short transaction.
    decision = domain.incoming(_context(svc, line, voice))
    with svc.db.writing():
        if voice.caller:
            # A caller stored under older PII keys moves to today's link first.
            relink_caller(session, svc.pii, voice.caller)
        call, created = store.start_call(session, call_sid=voice.call_sid,
                                         number_called=voice.to, caller_link_key=link_key,
                                         now=now, link_version=svc.pii.version)
        if created and not line.known:
            store.add_notice(session, kind="unknown_number",
                             message=f"A call reached {voice.to}, which is not configured; "
                                     f"it took the flow of {line.number}.",
                             detail={"number_called": voice.to, "call_sid": voice.call_sid},
                             now=now)
        _carry_out(svc, call, voice, decision)
        session.commit()
    return _twiml(decision)


def _state_view(route_name: str):
    @twilio_request
    def view() -> Response:
        svc = services()
        line = _line(svc.config, _to())
        voice = _parse(line)
        state = Route(route_name, tuple(sorted(request.args.items())))
        call = store.find_call(svc.db.scoped(), voice.call_sid) if voice.call_sid else None
        if call is None:
            # A step without a known call (malformed, or its start was never stored):
            # the caller can still leave a message, and the call ends there.
            return _twiml(_apology(svc.config, _language(state, line)))
        context = _context(svc, line, voice, state=state, call_language=call.language)
        decision = domain.next_step(state, CallerInput(voice.digits), context)
        if any(isinstance(effect, SaveCallback) for effect in decision.effects):
            # A number to call back is something the caller gave us: to the disk.
            svc.db.durable(svc.db.scoped())
        with svc.db.writing():
            _carry_out(svc, call, voice, decision)
            svc.db.scoped().commit()
        return _twiml(decision)

    view.__name__ = f"step_{route_name}"
    return view


for _name, _path in PATHS.items():
    if _path.startswith("/twilio/voice/") and _name not in DATABASE_FREE:
        bp.add_url_rule(_path.removeprefix("/twilio"), view_func=_state_view(_name),
                        methods=["POST"])


@bp.post("/voice/voicemail/saved")
@twilio_request
def voicemail_saved() -> Response:
    """After the fallback voicemail: nothing to look up, so nothing that can fail."""
    line = _line(services().config, _to())
    language = _known_language(request.args.get("lang")) or line.default_language
    seconds = _float(request.form.get("RecordingDuration")) or 0.0
    return _twiml(domain.voicemail_saved(language, recorded=seconds > 0))


@bp.post("/voice/status")
@twilio_request
def call_status() -> tuple[str, int]:
    svc = services()
    voice = VoiceRequest.parse(request.form.to_dict(), None)
    if voice.call_status not in ENDED_STATUSES or not voice.call_sid:
        return "", 204
    session = svc.db.scoped()
    call = store.find_call(session, voice.call_sid)
    if call is None or call.ended_at is not None:
        return "", 204  # unknown, or a replayed callback: nothing more to record
    last_queue_event = (store.latest_event_kind(session, call, ("queue_joined", "queue_left"))
                        if call.outcome is None else None)
    with svc.db.writing():
        _record_end(svc, session, call, voice, last_queue_event)
        session.commit()
    return "", 204


def _record_end(svc: Services, session, call, voice: VoiceRequest,
                last_queue_event: str | None) -> None:
    now = as_datetime(svc.clock)
    call.ended_at = now
    call.duration_seconds = voice.call_duration
    if call.outcome is None:
        if last_queue_event == "queue_joined":
            call_queue(svc).leave(call.call_sid, "abandoned")
            call.outcome = "abandoned_in_queue"
            store.add_event(session, call, "queue_left", {"reason": "abandoned"}, now)
        else:
            call.outcome = "hung_up_in_menu"
    store.add_event(session, call, "ended", {"status": voice.call_status,
                                             "outcome": call.outcome}, now)


@bp.errorhandler(Exception)
def _spoken_apology(error: Exception):
    if isinstance(error, HTTPException):
        return error
    # Never the caller's number here: only the CallSid and the failure.
    log.exception("IVR step failed for call %s at %s",
                  field(request.form, "CallSid") or "?", request.path)
    try:
        services().db.scoped().rollback()
    except Exception:  # noqa: BLE001 - the apology must go out whatever else is broken
        log.exception("rollback failed")
    if request.path == "/twilio/voice/status":
        # A status callback has no caller listening; the reconciliation sweeps settle
        # the call later from Twilio's own record of it.
        return "", 204
    language = _known_language(request.args.get("lang")) or _safe_default_language()
    try:
        if request.path == PATHS["voicemail_done"]:
            # The message is recorded already; its callback takes it in.
            seconds = _float(request.form.get("RecordingDuration")) or 0.0
            return _twiml(domain.voicemail_saved(language, recorded=seconds > 0))
        return _twiml(_apology(services().config, language))
    except Exception:  # noqa: BLE001
        log.exception("apology rendering failed")
        # The recorded (or cached) apology by URL alone: no resolver, no database.
        audio = f"/prompts/audio/{language}/technical_problem.wav"
        return Response(last_resort(audio), mimetype="text/xml")


# ---------------------------------------------------------------- carrying out effects


def _carry_out(svc: Services, call, voice: VoiceRequest, decision: Decision) -> None:
    session = svc.db.scoped()
    now = as_datetime(svc.clock)
    parents = _dialect_parents(svc.config)
    callback_not_before: float | None = None
    for effect in decision.effects:
        if isinstance(effect, ChooseLanguage):
            call.language = effect.language
            call.dialect = effect.language if effect.language in parents else None
            store.add_event(session, call, "language_chosen", {"language": effect.language}, now)
        elif isinstance(effect, ConsentNoticePlayed):
            call.consented_to_recording = True
        elif isinstance(effect, JoinQueue):
            language, dialect = domain.routing_language(call.language or "en", parents)
            # A callback promised for the next shift: routing offers it from then only.
            not_before = callback_not_before if effect.callback else None
            try:
                call_queue(svc).join(call_sid=call.call_sid, language=language,
                                     dialect=dialect, urgent=call.urgent,
                                     callback=effect.callback, not_before=not_before)
            except RedisError:
                if not effect.callback:
                    raise   # a live caller cannot wait in a queue that is not there
                # The request is a row committed with this step; the intake sweep
                # queues it when Redis is back (ivr.callback_intake).
                log.warning("callback request of call %s saved, not queued yet",
                            call.call_sid)
            if not effect.callback:
                call.queued_at = call.queued_at or now
                store.add_event(session, call, "queue_joined", {"language": language}, now)
            elif call.queued_at is not None:
                # The live caller leaves; their place stays with the callback request.
                store.add_event(session, call, "queue_left", {"reason": "callback"}, now)
            if not_before is not None:
                store.add_event(session, call, "callback_scheduled", {
                    "not_before": datetime.fromtimestamp(not_before, UTC).isoformat()}, now)
        elif isinstance(effect, LeaveQueue):
            call_queue(svc).leave(call.call_sid, effect.reason)
            store.add_event(session, call, "queue_left", {"reason": effect.reason}, now)
        elif isinstance(effect, SaveCallback):
            number = _callback_number(svc.config, voice, call, entered=effect.entered)
            callback_not_before = effect.not_before
            store.save_callback(session, call, language=call.language or "en",
                                number_encrypted=svc.pii.encrypt(number), now=now,
                                not_before=(datetime.fromtimestamp(effect.not_before, UTC)
                                            if effect.not_before is not None else None))
            store.add_event(session, call, "callback_requested",
                            {"number_source": "entered" if effect.entered else "caller"}, now)
        elif isinstance(effect, SetOutcome):
            call.outcome = effect.outcome
        elif isinstance(effect, LogEvent):
            store.add_event(session, call, effect.kind, dict(effect.detail), now)


def _callback_number(config: HelplineConfig, voice: VoiceRequest, call, *, entered: bool) -> str:
    if not entered:
        assert voice.caller is not None, "the domain offers the calling number only if known"
        return voice.caller
    line = config.number(call.number_called)
    return normalise_number(voice.digits or "", line.country if line else None)


# ---------------------------------------------------------------- building the context


def _context(svc: Services, line: Line, voice: VoiceRequest, *,
             state: Route | None = None, call_language: str | None = None) -> Context:
    config = svc.config
    queue_view = None
    if state is not None and state.name == "wait":
        status = call_queue(svc).status(voice.call_sid)
        queue_view = QueueView(position=status.position, waiting_seconds=status.waiting_seconds,
                               estimated_wait_seconds=status.estimated_wait_seconds,
                               agents_logged_in=status.agents_logged_in) if status else None
    entered_valid = None
    if state is not None and state.name == "callback_entered":
        entered_valid = _valid_entered_number(voice.digits, _line_country(config, voice.to))
    next_shift = None
    if state is not None and state.name in NEXT_SHIFT_STATES:
        language = call_language or _language(state, line)
        if state.name != "wait":
            next_shift = _next_shift(svc, language, serving=None)
        elif queue_view is not None and queue_view.agents_logged_in == 0:
            next_shift = _next_shift(svc, language, serving=0)
    return Context(
        line=line,
        main_menu=tuple((option.key, option.action) for option in config.main_menu),
        dialect_parents=_dialect_parents(config),
        max_wait_seconds=config.queue.max_wait_seconds,
        announce_interval_seconds=config.queue.announce_interval_seconds,
        voicemail_max_seconds=config.voicemail.max_length_seconds,
        voicemail_finish_key=config.voicemail.finish_on_key,
        voicemail_min_seconds=config.voicemail.min_length_seconds,
        queue=queue_view,
        # Two digits, as agents see in masked numbers: this lands in a prompt URL,
        # so in Twilio's and our access logs.
        caller_number_last_digits=voice.caller[-2:] if voice.caller else None,
        entered_number_valid=entered_valid,
        recording_seconds=voice.recording_seconds,
        next_shift=next_shift,
    )


# Steps that may tell the caller when the next advisor is on, or save a callback then.
NEXT_SHIFT_STATES = frozenset({"wait", "callback_choice", "callback_entered"})


def _next_shift(svc: Services, language: str, *, serving: int | None) -> NextShift | None:
    """When the next advisor for `language` comes on — only if nobody serving it is on
    shift or logged in now (`serving`: how many are logged in, None to ask routing)."""
    from call_routing.rota.lookup import next_advisor  # the rota is routing's

    if serving is None:
        queue_language, dialect = domain.routing_language(language, _dialect_parents(svc.config))
        try:
            serving = call_queue(svc).agents_logged_in(queue_language, dialect)
        except RedisError:
            return None   # unknown: schedule nothing rather than delay a callback wrongly
    if serving:
        return None
    found = next_advisor(svc, language, svc.clock.now())
    return NextShift(found.starts_at, found.when.day, found.when.time) if found else None


def _valid_entered_number(digits: str | None, region: str | None) -> bool:
    if not digits or not digits.isdigit():
        return False
    if not domain.MIN_CALLBACK_DIGITS <= len(digits) <= domain.MAX_CALLBACK_DIGITS:
        return False
    try:
        normalise_number(digits, region)
    except InvalidPhoneNumber:
        return False
    return True


def _line(config: HelplineConfig, to: str) -> Line:
    number = config.number(to)
    known = number is not None
    if number is None:
        number = config.number(config.default_number or "") or config.numbers[0]
    return Line(number=number.number, languages=number.languages,
                       default_language=number.fallback_language, known=known)


def _line_country(config: HelplineConfig, to: str) -> str | None:
    number = config.number(to)
    return number.country if number else None


def _dialect_parents(config: HelplineConfig) -> dict[str, str]:
    return {code: lang.parent for code, lang in config.languages.items() if lang.parent}


def _language(state: Route, line: Line) -> str:
    return state.param("lang") or line.default_language


def _to() -> str:
    from helpline.webhook_input import field

    return field(request.form, "To") or field(request.form, "Called")


def _parse(line: Line) -> VoiceRequest:
    config = services().config
    number = config.number(line.number)
    return VoiceRequest.parse(request.form.to_dict(), number.country if number else None)


def _apology(config: HelplineConfig, language: str) -> Decision:
    return domain.apology(language, max_seconds=config.voicemail.max_length_seconds,
                          finish_key=config.voicemail.finish_on_key)


def _known_language(code: str | None) -> str | None:
    """A `lang` from the URL only if it is one of ours (it lands in prompt paths)."""
    try:
        return code if code in services().config.languages else None
    except Exception:  # noqa: BLE001
        return None


def _safe_default_language() -> str:
    try:
        return _line(services().config, _to()).default_language
    except Exception:  # noqa: BLE001
        return "en"


# ---------------------------------------------------------------- rendering


def _twiml(decision: Decision) -> Response:
    svc = services()
    base = public_base(request, svc.settings.public_base_url)
    line_fallback = _line(svc.config, _to()).default_language
    # The same steps render to the same document until prompts change: most webhooks
    # (menus, hold cycles) are a dictionary lookup, with no disk and no XML building.
    xml = _rendered(svc).get(
        (decision.steps, base, line_fallback),
        lambda: render_at(decision, base=base, resolver=svc.extras["prompts"],
                          line_fallback=line_fallback))
    return Response(xml, mimetype="text/xml")


def _rendered(svc: Services) -> VersionedCache:
    cache = svc.extras.get("ivr.twiml")
    if cache is None:
        cache = svc.extras["ivr.twiml"] = VersionedCache(svc.extras["prompts.version"])
    return cache


def render_at(decision: Decision, *, base: str, resolver, line_fallback: str) -> str:
    """The decision as TwiML whose URLs start at `base` (the webhooks, and
    `helpline twilio fallback-twiml`, which Twilio serves without us)."""

    # One look at the prompts' review state for the whole document, not one per prompt.
    state = resolver.state()

    def resolve(step: Prompt):
        return resolver.resolve(step.id, step.language, dict(step.params),
                                line_fallback=line_fallback, state=state)

    def url_for(target: Route) -> str:
        query = urlencode(target.params)
        return f"{base}{PATHS[target.name]}" + (f"?{query}" if query else "")

    return render(decision, resolve=resolve, url_for=url_for,
                  absolute=lambda path: path if path.startswith("http") else base + path)


# ---------------------------------------------------------------- parsing helpers


def _caller_number(raw: str, region: str | None) -> str | None:
    if raw.strip().lower() in store.WITHHELD:
        return None
    try:
        return normalise_number(raw, region)
    except InvalidPhoneNumber:
        return None


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _int_or_none(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None
