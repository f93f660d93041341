"""The IVR as a pure state machine.

Each Twilio webhook is one transition: `next_step(state, caller_input, context)`
takes where the caller is (a `State`, carried in the URL Twilio follows), what
they pressed, and the facts the web layer looked up (the line, the queue), and
returns a `Decision`: the steps the caller hears (naming prompt ids, never
sentences) and the effects the web layer must carry out (join a queue, save a
callback, record an outcome). No Flask, Twilio, SQLAlchemy or Redis here.

Promises to callers encoded here: never silence, never a dead end — every
failure path ends with an agent, a voicemail, a callback, or a goodbye.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ivr.steps import (
    GATHER_TIMEOUT,
    HOLD_AUDIO_SECONDS,
    CallerInput,
    ChooseLanguage,
    ConsentNoticePlayed,
    Context,
    Decision,
    Effect,
    Gather,
    Hangup,
    Hold,
    JoinQueue,
    LeaveQueue,
    Line,
    LogEvent,
    Prompt,
    QueueView,
    Record,
    Redirect,
    Route,
    SaveCallback,
    SetOutcome,
    Step,
    prompt,
    route,
)

MAX_TRIES = 3
LANGUAGE_MENU_TIMEOUT = GATHER_TIMEOUT
MENU_TIMEOUT = GATHER_TIMEOUT
QUEUE_KEY_TIMEOUT = 1
# At most what the position, wait and options announcements take to say (12-18 s in the
# languages the stand-in measures): the hold after them is cut to end by the maximum wait.
ANNOUNCEMENT_SECONDS = 18
# The maximum wait counts as reached this close to it (rather than one more short loop).
MAX_WAIT_EARLY_SECONDS = 3
CALLBACK_ENTRY_TIMEOUT = 15
MIN_CALLBACK_DIGITS = 6
MAX_CALLBACK_DIGITS = 15


# ---------------------------------------------------------------- the machine


def next_step(state: Route, caller_input: CallerInput, context: Context) -> Decision:
    handler = _HANDLERS.get(state.name)
    if handler is None:
        return apology(context.line.default_language,
                       max_seconds=context.voicemail_max_seconds,
                       finish_key=context.voicemail_finish_key)
    return handler(state, caller_input, context)


def incoming(context: Context) -> Decision:
    line = context.line
    effects: tuple[Effect, ...] = ()
    if not line.known:
        effects = (LogEvent("unknown_number"),)
    if len(line.languages) == 1:
        decision = _welcome_and_main_menu(line.languages[0], context)
        return Decision(decision.steps, effects + decision.effects, decision.language)
    return Decision(_language_menu(line, tries=0, lead=()), effects, line.default_language)


def _language_menu(line: Line, tries: int, lead: tuple[Prompt, ...]) -> tuple[Step, ...]:
    options = tuple(prompt("language_option", code, digit=index + 1)
                    for index, code in enumerate(line.languages))
    # A "not recognised" notice is inside the Gather too: a key cuts it short.
    return (Gather(lead + options, route("language", tries=tries),
                   timeout=LANGUAGE_MENU_TIMEOUT),)


def _on_language(state: Route, caller_input: CallerInput, context: Context) -> Decision:
    line = context.line
    tries = _int(state.param("tries"))
    digits = caller_input.digits
    if digits and digits.isdigit() and 1 <= int(digits) <= len(line.languages):
        return _welcome_and_main_menu(line.languages[int(digits) - 1], context)
    if digits == "*":
        return Decision(_language_menu(line, tries, ()), language=line.default_language)
    failure = "no_input" if not digits else "not_recognised"
    if tries + 1 >= MAX_TRIES:
        decision = _welcome_and_main_menu(line.default_language, context)
        return Decision(decision.steps, (LogEvent("language_defaulted"),) + decision.effects,
                        decision.language)
    lead = (prompt(failure, line.default_language),)
    return Decision(_language_menu(line, tries + 1, lead), language=line.default_language)


def _welcome_and_main_menu(language: str, context: Context) -> Decision:
    # The whole introduction plays inside the main menu's Gather, so a caller who knows
    # the menu presses their choice at any moment and goes straight to it. The recording
    # notice comes first: Twilio's action request does not say how far the prompts had
    # got, and with the notice first every key, and every timeout, comes while it plays
    # or after — which is what ConsentNoticePlayed records ("the notice started").
    intro = (prompt("consent_notice", language), prompt("welcome", language))
    return Decision((_main_menu_gather(language, context, tries=0, lead=intro),),
                    (ChooseLanguage(language), ConsentNoticePlayed()), language)


def _main_menu_gather(language: str, context: Context, tries: int,
                      lead: tuple[Prompt, ...] = ()) -> Gather:
    options = tuple(prompt(f"menu_{action}", language, digit=key)
                    for key, action in context.main_menu)
    return Gather(lead + options, route("main", lang=language, tries=tries),
                  timeout=MENU_TIMEOUT)


def _on_main(state: Route, caller_input: CallerInput, context: Context) -> Decision:
    language = state.param("lang") or context.line.default_language
    tries = _int(state.param("tries"))
    actions = dict(context.main_menu)
    action = actions.get(caller_input.digits or "")
    if action is None:
        if tries + 1 >= MAX_TRIES:
            # Three times nothing usable: a person is the safest place to end up.
            decision = _join_queue(language, context)
            return Decision(decision.steps, (LogEvent("menu_defaulted"),) + decision.effects,
                            language)
        failure = "no_input" if not caller_input.digits else "not_recognised"
        return Decision((_main_menu_gather(language, context, tries + 1,
                                           lead=(prompt(failure, language),)),),
                        language=language)
    return _main_menu_action(action, language, context)


def _main_menu_action(action: str, language: str, context: Context) -> Decision:
    if action == "agent":
        return _join_queue(language, context)
    if action == "voicemail":
        return _voicemail(language, context)
    if action == "callback":
        return _callback_start(language, context)
    if action == "information":
        # Nearly a minute of rights information: any key skips the rest to that choice.
        return Decision((_main_menu_gather(language, context, tries=0,
                                           lead=(prompt("information", language),)),),
                        (LogEvent("information_played"),), language)
    return Decision((_main_menu_gather(language, context, tries=0),), language=language)


def _join_queue(language: str, context: Context) -> Decision:
    # The web layer joins the routing queue, then follows this redirect; the wait
    # loop decides (with live queue facts) whether anyone can serve the caller, so it
    # is the one to say "we are finding an advisor" (see `_on_wait_after_join`).
    return Decision((Redirect(route("wait", lang=language, joined=1)),), (JoinQueue(),),
                    language)


def _on_wait_after_join(state: Route, caller_input: CallerInput, context: Context) -> Decision:
    """The wait step. Its first pass after joining opens with "we are finding an advisor"
    only if the caller stays to wait for one — not right before "no advisor is available"
    or any other way out of the queue."""
    decision = _on_wait(state, caller_input, context)
    leaves = any(isinstance(effect, LeaveQueue | JoinQueue) for effect in decision.effects)
    if state.param("joined") != "1" or leaves:
        return decision
    finding = prompt("queue_joined", decision.language or context.line.default_language)
    steps = list(decision.steps)
    for index, step in enumerate(steps):
        if isinstance(step, Gather):
            # Inside the hold loop's Gather: its keys (voicemail, callback) work from the start.
            steps[index] = replace(step, prompts=(finding,) + step.prompts)
            break
    else:
        steps.insert(0, finding)
    return Decision(tuple(steps), decision.effects, decision.language)


def _on_wait(state: Route, caller_input: CallerInput, context: Context) -> Decision:
    language = state.param("lang") or context.line.default_language
    queue = context.queue
    if queue is None or not queue.in_queue:
        # Lost from the queue (e.g. expired state): rejoin rather than strand the caller.
        return Decision((Redirect(route("wait", lang=language)),), (JoinQueue(),), language)
    if queue.agents_logged_in == 0:
        # Nobody who could answer (on a break is not): say so now, not "about 2 minutes".
        return _offer(language, "no_agents", context, leave_reason="no_agents")
    remaining = context.max_wait_seconds - queue.waiting_seconds
    if remaining <= MAX_WAIT_EARLY_SECONDS:
        return _offer(language, "max_wait_reached", context, leave_reason="max_wait")
    return Decision((Gather(_announcements(language, queue, remaining, context),
                            route("queue_key", lang=language), timeout=QUEUE_KEY_TIMEOUT),
                     Redirect(route("wait", lang=language))), language=language)


def _announcements(language: str, queue: QueueView, remaining: float,
                   context: Context) -> tuple[Prompt | Hold, ...]:
    """Position, the wait (only when there is an honest estimate), the options, then
    hold — as many whole hold loops as end by the maximum wait. With too little time
    left even for the announcements, one hold loop: the caller hears the offer at most
    one loop past the maximum."""
    room = remaining - ANNOUNCEMENT_SECONDS - QUEUE_KEY_TIMEOUT
    if room < 0:
        return (Hold(HOLD_AUDIO_SECONDS),)
    said: tuple[Prompt, ...] = (prompt("queue_position", language, position=queue.position),)
    if queue.estimated_wait_seconds is not None:
        minutes = max(1, round(queue.estimated_wait_seconds / 60))
        said += (prompt("queue_wait", language, minutes=minutes),)
    said += (prompt("queue_options", language),)
    loops = min(max(1, context.announce_interval_seconds // HOLD_AUDIO_SECONDS),
                int(room // HOLD_AUDIO_SECONDS))
    return said + ((Hold(loops * HOLD_AUDIO_SECONDS),) if loops else ())


def _on_queue_key(state: Route, caller_input: CallerInput, context: Context) -> Decision:
    language = state.param("lang") or context.line.default_language
    if caller_input.digits == "1":
        decision = _voicemail(language, context)
        return Decision(decision.steps, (LeaveQueue("voicemail"),) + decision.effects, language)
    if caller_input.digits == "2":
        # The callback keeps the caller's place: the queue entry becomes a callback.
        return _callback_start(language, context)
    return Decision((Redirect(route("wait", lang=language)),), language=language)


def _offer(language: str, reason_prompt: str, context: Context, *, leave_reason: str,
           tries: int = 0) -> Decision:
    return Decision(
        (prompt(reason_prompt, language), *_next_shift_told(language, context),
         _offer_gather(language, tries)),
        (LeaveQueue(leave_reason), LogEvent("offered_alternatives", (("reason", leave_reason),))),
        language,
    )


def _next_shift_told(language: str, context: Context) -> tuple[Prompt, ...]:
    """Nobody for the language is on until the next shift: the caller hears when, so a
    callback "then" means something."""
    shift = context.next_shift
    if shift is None:
        return ()
    return (prompt("next_advisor_at", language, day=shift.day, time=shift.time),)


def _offer_gather(language: str, tries: int, *, after_empty_message: bool = False) -> Gather:
    target = route("offer", lang=language, tries=tries)
    if after_empty_message:
        target = target.with_params(after_empty=1)
    return Gather((prompt("offer_voicemail_or_callback", language),), target,
                  timeout=MENU_TIMEOUT)


def _on_offer(state: Route, caller_input: CallerInput, context: Context) -> Decision:
    language = state.param("lang") or context.line.default_language
    tries = _int(state.param("tries"))
    if caller_input.digits == "1":
        return _voicemail(language, context)
    if caller_input.digits == "2":
        return _callback_start(language, context)
    after_empty = state.param("after_empty") == "1"
    if tries + 1 >= MAX_TRIES:
        if after_empty:
            # A silent line that already left an empty message: end kindly, don't loop.
            return Decision((prompt("goodbye", language), Hangup()),
                            (LogEvent("ended_without_input"),), language)
        return _voicemail(language, context)
    failure = "no_input" if not caller_input.digits else "not_recognised"
    return Decision((prompt(failure, language),
                     _offer_gather(language, tries + 1, after_empty_message=after_empty)),
                    language=language)


def _voicemail(language: str, context: Context) -> Decision:
    return Decision(
        (prompt("voicemail_prompt", language, key=context.voicemail_finish_key),
         Record(action=route("voicemail_done", lang=language),
                status_callback=route("recording_status", kind="voicemail", lang=language),
                max_length_seconds=context.voicemail_max_seconds,
                finish_on_key=context.voicemail_finish_key),
         # Reached only if Twilio records nothing at all (caller silent, then hangs on).
         Redirect(route("voicemail_done", lang=language))),
        (LogEvent("voicemail_started"),),
        language,
    )


def _on_voicemail_done(state: Route, caller_input: CallerInput, context: Context) -> Decision:
    language = state.param("lang") or context.line.default_language
    seconds = context.recording_seconds or 0.0
    if seconds < context.voicemail_min_seconds:
        return Decision((prompt("voicemail_empty", language),
                         _offer_gather(language, 0, after_empty_message=True)),
                        (LogEvent("voicemail_too_short", (("seconds", f"{seconds:.1f}"),)),),
                        language)
    return Decision((prompt("voicemail_thanks", language), prompt("goodbye", language), Hangup()),
                    (SetOutcome("voicemail"),), language)


def _callback_start(language: str, context: Context) -> Decision:
    if context.caller_number_last_digits:
        return Decision(
            (Gather((prompt("callback_confirm_number", language,
                            last_digits=context.caller_number_last_digits),),
                    route("callback_choice", lang=language), timeout=MENU_TIMEOUT),
             Redirect(route("callback_enter", lang=language, tries=0))),
            language=language)
    return _callback_enter(language, tries=0, lead=())


def _on_callback_choice(state: Route, caller_input: CallerInput, context: Context) -> Decision:
    language = state.param("lang") or context.line.default_language
    if caller_input.digits == "1" and context.caller_number_last_digits:
        return _callback_saved(language, context, entered=False)
    return _callback_enter(language, tries=0, lead=())


def _callback_enter(language: str, tries: int, lead: tuple[Step, ...]) -> Decision:
    return Decision(
        lead + (Gather((prompt("callback_enter_number", language),),
                       route("callback_entered", lang=language, tries=tries),
                       num_digits=None, timeout=CALLBACK_ENTRY_TIMEOUT, finish_on_key="#"),),
        language=language)


def _on_callback_enter(state: Route, caller_input: CallerInput, context: Context) -> Decision:
    return _callback_enter(state.param("lang") or context.line.default_language,
                           _int(state.param("tries")), ())


def _on_callback_entered(state: Route, caller_input: CallerInput, context: Context) -> Decision:
    language = state.param("lang") or context.line.default_language
    tries = _int(state.param("tries"))
    if context.entered_number_valid:
        return _callback_saved(language, context, entered=True)
    if tries + 1 >= MAX_TRIES:
        decision = _voicemail(language, context)
        return Decision((prompt("callback_invalid_number", language),) + decision.steps,
                        decision.effects, language)
    return _callback_enter(language, tries + 1, (prompt("callback_invalid_number", language),))


def _callback_saved(language: str, context: Context, *, entered: bool) -> Decision:
    # With nobody for the language on shift, the callback is scheduled into the next
    # shift, and the caller hears from when (not a call in the night they won't expect).
    shift = context.next_shift
    when = () if shift is None else (
        prompt("callback_from", language, day=shift.day, time=shift.time),)
    return Decision(
        (prompt("callback_confirmed", language), *when, prompt("goodbye", language), Hangup()),
        (SaveCallback(entered=entered, not_before=shift.starts_at if shift else None),
         JoinQueue(callback=True), SetOutcome("callback_requested")),
        language)


def _on_voicemail(state: Route, caller_input: CallerInput, context: Context) -> Decision:
    return _voicemail(state.param("lang") or context.line.default_language, context)


def _int(raw: str) -> int:
    return int(raw) if raw.isdigit() else 0


_HANDLERS = {
    "language": _on_language,
    "main": _on_main,
    "wait": _on_wait_after_join,
    "queue_key": _on_queue_key,
    "offer": _on_offer,
    "voicemail": _on_voicemail,
    "voicemail_done": _on_voicemail_done,
    "callback_choice": _on_callback_choice,
    "callback_enter": _on_callback_enter,
    "callback_entered": _on_callback_entered,
}


# The voicemail offered when the helpline itself is failing (no database, no queue).
FALLBACK_VOICEMAIL_SECONDS = 180
FALLBACK_FINISH_KEY = "#"


def apology(language: str, *, max_seconds: int = FALLBACK_VOICEMAIL_SECONDS,
            finish_key: str = FALLBACK_FINISH_KEY) -> Decision:
    """What any failure sounds like: an apology, then a voicemail that ends the call.

    The recording stays with Twilio until its callback (or the recovery sweep) takes
    it in, and the step after it looks nothing up — so whatever keeps failing, the
    caller can leave their message and hears the apology at most once.
    """
    return Decision(
        (prompt("technical_problem", language),
         prompt("voicemail_prompt", language, key=finish_key),
         Record(action=route("voicemail_saved", lang=language),
                status_callback=route("recording_status", kind="voicemail", lang=language),
                max_length_seconds=max_seconds, finish_on_key=finish_key),
         Redirect(route("voicemail_saved", lang=language))),
        (LogEvent("apology"),), language)


def voicemail_saved(language: str, *, recorded: bool) -> Decision:
    """The end of a call whose message is with Twilio: thanks (if there is one), goodbye."""
    thanks = (prompt("voicemail_thanks", language),) if recorded else ()
    return Decision(thanks + (prompt("goodbye", language), Hangup()), (), language)


def routing_language(language: str, dialect_parents: Mapping[str, str]) -> tuple[str, str | None]:
    """(queue language, dialect) for a spoken language: Shan → ("my", "shn")."""
    parent = dialect_parents.get(language)
    return (parent, language) if parent else (language, None)
