"""<Say>, <Play>, <Pause> and <Gather>: what the caller hears, and the keys they
press while hearing it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator import errors, twiml
from simulator.call import Dequeued, Heard, HungUp, Redirected
from simulator.execution import SAY_CHARACTERS_PER_SECOND, Fetch, resolve

if TYPE_CHECKING:
    from simulator.execution import CallExecution

DEFAULT_PLAY_SECONDS = 5.0          # a <Play> whose file could not be measured
EXTRA_LOOP_FOR_ZERO = 1000          # Twilio's loop="0": "repeat until the call ends"


def prompt(run: CallExecution, verb: twiml.Prompt, base: str, keys: bool = False) -> bool:
    """Say, Play or Pause; True if a key interrupted it (inside a <Gather>)."""
    if isinstance(verb, twiml.Pause):
        return run.wait(verb.length, keys)
    loops = verb.loop or EXTRA_LOOP_FOR_ZERO
    if isinstance(verb, twiml.Say):
        seconds = max(len(verb.text) / SAY_CHARACTERS_PER_SECOND, 0.5)
        heard = Heard("say", text=verb.text, language=verb.language, voice=verb.voice)
    else:
        if not verb.url:
            run.call.heard.append(Heard("digits", text=verb.digits, at=run._since_start()))
            return run.wait(0.5 * len(verb.digits or ""), keys)
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
            if run.wait(seconds, keys):
                heard.interrupted = True
                return True
        except (Redirected, HungUp, Dequeued):
            heard.interrupted = True
            raise
    return False


def gather(run: CallExecution, verb: twiml.Gather, base: str) -> Fetch | None:
    keypad = run.call.keypad
    assert keypad is not None
    for nested in verb.prompts:
        if keypad.has_keys() or prompt(run, nested, base, keys=True):
            break           # barge-in: a key stops the prompts
    entry = keypad.collect(num_digits=verb.num_digits, finish_on_key=verb.finish_on_key,
                           timeout=verb.timeout,
                           wait=lambda seconds, keys: run.wait(seconds, keys))
    if not entry.digits and not verb.action_on_empty_result:
        return None         # no input: Twilio carries on with the next verb
    extra = {"Digits": entry.digits}
    if entry.finished_on_key:
        extra["FinishedOnKey"] = entry.finished_on_key
    return Fetch(resolve(base, verb.action or base), verb.method, "action", extra)
