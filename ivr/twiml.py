"""Renders IVR decisions as TwiML. The only IVR module that imports `twilio.twiml`."""

from __future__ import annotations

from collections.abc import Callable
from math import ceil
from typing import Any

from twilio.twiml.voice_response import Gather as TwimlGather
from twilio.twiml.voice_response import VoiceResponse

from ivr.steps import (
    HOLD_AUDIO_SECONDS,
    Decision,
    Gather,
    Hangup,
    Hold,
    Prompt,
    Record,
    Redirect,
    Route,
)
from prompts.twilio_say import say_voice

HOLD_AUDIO_PATH = "/prompts/audio/hold.wav"

UrlFor = Callable[[Route], str]
Absolute = Callable[[str], str]


def render(decision: Decision, *, resolve: Callable[[Prompt], list[Any]], url_for: UrlFor,
           absolute: Absolute) -> str:
    response = VoiceResponse()
    for step in decision.steps:
        _render_step(response, step, resolve, url_for, absolute)
    return str(response)


def _render_step(parent: Any, step: Any, resolve: Callable[[Prompt], list[Any]],
                 url_for: UrlFor, absolute: Absolute) -> None:
    if isinstance(step, Prompt):
        _render_prompt(parent, step, resolve, absolute)
    elif isinstance(step, Hold):
        parent.play(absolute(HOLD_AUDIO_PATH), loop=max(1, ceil(step.seconds /
                                                                HOLD_AUDIO_SECONDS)))
    elif isinstance(step, Gather):
        options: dict[str, Any] = {}
        if step.num_digits is not None:
            options["num_digits"] = step.num_digits
        if step.finish_on_key is not None:
            options["finish_on_key"] = step.finish_on_key
        gather = TwimlGather(action=url_for(step.action), method="POST", timeout=step.timeout,
                             action_on_empty_result=True, **options)
        for inner in step.prompts:
            _render_step(gather, inner, resolve, url_for, absolute)
        parent.append(gather)
    elif isinstance(step, Redirect):
        parent.redirect(url_for(step.action), method="POST")
    elif isinstance(step, Record):
        parent.record(action=url_for(step.action), method="POST",
                      max_length=step.max_length_seconds, finish_on_key=step.finish_on_key,
                      play_beep=True, trim="trim-silence",
                      recording_status_callback=url_for(step.status_callback),
                      recording_status_callback_method="POST",
                      # "absent" too: a voicemail nothing was recorded in leaves a trace
                      recording_status_callback_event="completed absent")
    elif isinstance(step, Hangup):
        parent.hangup()
    else:  # pragma: no cover - the domain only produces the steps above
        raise TypeError(f"cannot render {step!r}")


def _render_prompt(parent: Any, step: Prompt, resolve: Callable[[Prompt], list[Any]],
                   absolute: Absolute) -> None:
    for utterance in resolve(step):
        if utterance.kind == "play":
            parent.play(absolute(utterance.url))
        else:
            # Twilio's default voice speaks neither Thai nor Indonesian: name one that does
            # (the language's configured twilio_voice, or the locale's default one).
            parent.say(utterance.text, language=utterance.say_language,
                       voice=getattr(utterance, "say_voice", None)
                       or say_voice(utterance.say_language))


def last_resort(audio_url: str) -> str:
    """When even prompt resolution fails: the apology audio by URL, then goodbye."""
    response = VoiceResponse()
    response.play(audio_url)
    response.hangup()
    return str(response)
