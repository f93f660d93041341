"""<Say>, <Play>, <Pause> and <Gather>: what the caller hears, and the keys they
press while hearing it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator import errors
from simulator.call import Dequeued, Heard, HungUp, Redirected
from simulator.voice import twiml
from simulator.voice.document import SAY_CHARACTERS_PER_SECOND, Fetch, resolve

if TYPE_CHECKING:
    from simulator.voice.execution import CallExecution

DEFAULT_PLAY_SECONDS = 5.0          # a <Play> whose file could not be measured
EXTRA_LOOP_FOR_ZERO = 1000          # Twilio's loop="0": "repeat until the call ends"


def prompt(run: CallExecution, verb: twiml.Prompt, base: str, keys: bool = False,
           budget: float | None = None) -> bool:
    """Say, Play or Pause; True if a key interrupted it (inside a <Gather>).

    `budget`: seconds until a scripted key barges in (None: no such key)."""
    if isinstance(verb, twiml.Pause):
        return _play_for(run, verb.length, keys, budget)
    loops = verb.loop or EXTRA_LOOP_FOR_ZERO
    if isinstance(verb, twiml.Say):
        if (verb.voice is None and verb.language
                and verb.language.lower() not in errors.DEFAULT_VOICE_LANGUAGES):
            run.notice(errors.SAY_WITHOUT_VOICE,
                       f"<Say language={verb.language!r}> names no voice: Twilio's default "
                       f"voice does not speak it")
        seconds = max(len(verb.text) / SAY_CHARACTERS_PER_SECOND, 0.5)
        heard = Heard("say", text=verb.text, language=verb.language, voice=verb.voice)
    else:
        if not verb.url:
            run.call.heard.append(Heard("digits", text=verb.digits, at=run._since_start()))
            return _play_for(run, 0.5 * len(verb.digits or ""), keys, budget)
        url = resolve(base, verb.url)
        measured, problem = (run.engine.media_duration(url) if run.engine.measure_audio
                             else (None, ""))
        if problem:
            run.notice(errors.PLAY_FETCH_FAILURE, problem, url)
        seconds = measured if measured is not None else DEFAULT_PLAY_SECONDS
        heard = Heard("play", audio_url=url)
    heard.at = run._since_start()
    heard.seconds = round(seconds * min(loops, 1000), 3)
    run.call.heard.append(heard)
    for _ in range(loops):
        try:
            if _play_for(run, seconds, keys, budget):
                heard.interrupted = True
                return True
        except (Redirected, HungUp, Dequeued):
            heard.interrupted = True
            raise
        if budget is not None:
            budget -= seconds
    return False


def _play_for(run: CallExecution, seconds: float, keys: bool, budget: float | None) -> bool:
    """Let audio of `seconds` play; True if a key stopped it (live, or scripted within
    `budget` seconds)."""
    if budget is not None and budget < seconds:
        run.wait(max(budget, 0.0))
        return True
    return run.wait(seconds, keys)


def gather(run: CallExecution, verb: twiml.Gather, base: str) -> Fetch | None:
    keypad = run.call.keypad
    assert keypad is not None
    # A key stops the nested prompts at once (Twilio: "<Gather> verb stops speaking"),
    # and the timeout runs from that key, or from the end of the prompts.
    started = run.clock.now()
    barge_in_at = keypad.barge_in_at()
    for nested in verb.prompts:
        budget = None if barge_in_at is None else barge_in_at - (run.clock.now() - started)
        if keypad.has_keys() or (budget is not None and budget <= 0):
            break
        if prompt(run, nested, base, keys=True, budget=budget):
            break
    entry = keypad.collect(num_digits=verb.num_digits, finish_on_key=verb.finish_on_key,
                           timeout=verb.timeout,
                           wait=lambda seconds, keys: run.wait(seconds, keys),
                           elapsed=run.clock.now() - started)
    if not entry.digits and not verb.action_on_empty_result:
        return None         # no input: Twilio carries on with the next verb
    extra = {"Digits": entry.digits}
    if entry.finished_on_key:
        extra["FinishedOnKey"] = entry.finished_on_key
    return Fetch(resolve(base, verb.action or base), verb.method, "action", extra)
