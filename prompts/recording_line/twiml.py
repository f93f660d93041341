"""TwiML for the recording line: the only module of it that imports `twilio.twiml`.

The line's own instructions are spoken by Twilio's <Say> in English (staff on this line
read the console in English or their own language, and <Say> speaks none of Khmer, Lao
or the Myanmar dialects); the prompt being recorded plays as callers hear it now."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from twilio.twiml.voice_response import Gather, VoiceResponse

from prompts.twilio_say import say_voice

INSTRUCTIONS_LANGUAGE = "en-US"
Absolute = Callable[[str], str]


class Reply:
    """One TwiML response, built verb by verb."""

    def __init__(self, absolute: Absolute) -> None:
        self._absolute = absolute
        self._response = VoiceResponse()

    def say(self, *sentences: str, into: Any = None) -> Reply:
        target = into if into is not None else self._response
        target.say(" ".join(sentences), language=INSTRUCTIONS_LANGUAGE,
                   voice=say_voice(INSTRUCTIONS_LANGUAGE))
        return self

    def play(self, url: str, into: Any = None) -> Reply:
        (into if into is not None else self._response).play(self._absolute(url))
        return self

    def utterances(self, utterances: Iterable[Any], into: Any = None) -> Reply:
        """A prompt as callers hear it (prompts.resolver's utterances)."""
        target = into if into is not None else self._response
        for utterance in utterances:
            if utterance.kind == "play":
                target.play(self._absolute(utterance.url))
            else:
                target.say(utterance.text, language=utterance.say_language,
                           voice=utterance.say_voice or say_voice(utterance.say_language))
        return self

    def gather(self, action: str, *, num_digits: int | None = None,
               finish_on_key: str | None = None, timeout: int = 8,
               fill: Callable[[Any], object] | None = None) -> Reply:
        options: dict[str, Any] = {}
        if num_digits is not None:
            options["num_digits"] = num_digits
        if finish_on_key is not None:
            options["finish_on_key"] = finish_on_key
        gather = Gather(action=self._absolute(action), method="POST", timeout=timeout,
                        action_on_empty_result=True, **options)
        if fill is not None:
            fill(gather)
        self._response.append(gather)
        return self

    def record(self, action: str, *, max_length: int) -> Reply:
        # trim-silence (Twilio's default, said outright): Twilio cuts the silence at
        # both ends before we fetch it; prompt_audio trims what is left more finely.
        self._response.record(action=self._absolute(action), method="POST",
                              max_length=max_length, timeout=5, finish_on_key="#",
                              play_beep=True, trim="trim-silence")
        return self

    def pause(self, seconds: int) -> Reply:
        self._response.pause(length=seconds)
        return self

    def redirect(self, url: str) -> Reply:
        self._response.redirect(self._absolute(url), method="POST")
        return self

    def hangup(self) -> Reply:
        self._response.hangup()
        return self

    def __str__(self) -> str:
        return str(self._response)
