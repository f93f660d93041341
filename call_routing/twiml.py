"""TwiML for the agent's side of a call. The only routing module importing `twilio.twiml`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from twilio.twiml.voice_response import Dial, VoiceResponse

from prompts.twilio_say import say_voice

DIAL_TIMEOUT_SECONDS = 20   # the agent accepted on screen; their phone should pick up fast
# Twilio's recording events: "completed" (a failed recording arrives with it, as
# RecordingStatus=failed) and "absent" (nothing was recorded), so neither passes silently.
RECORDING_EVENTS = "completed absent"


def _speak(response: VoiceResponse, utterances: Iterable[Any]) -> None:
    for utterance in utterances:
        if utterance.kind == "play":
            response.play(utterance.url)
        else:
            # As the IVR does (ivr.twiml): Twilio's default voice speaks neither Thai nor
            # Indonesian, so <Say> names the language's voice, or the locale's own.
            response.say(utterance.text, language=utterance.say_language,
                         voice=getattr(utterance, "say_voice", None)
                         or say_voice(utterance.say_language))


def bridge(utterances: Iterable[Any], *, client_identity: str | None, number: str | None,
           record: bool, action_url: str, recording_status_url: str) -> str:
    """"Connecting you", then ring the agent's browser or phone; the action hears how it went."""
    response = VoiceResponse()
    _speak(response, utterances)
    options: dict[str, Any] = {"action": action_url, "method": "POST",
                               "timeout": DIAL_TIMEOUT_SECONDS}
    if record:
        options.update(record="record-from-answer-dual",
                       recording_status_callback=recording_status_url,
                       recording_status_callback_method="POST",
                       recording_status_callback_event=RECORDING_EVENTS)
    dial = Dial(**options)
    if number is not None:
        dial.number(number)
    else:
        dial.client(client_identity)
    response.append(dial)
    return str(response)


def conference(name: str, *, record: bool, recording_status_url: str,
               action_url: str | None, ends_when_leaving: bool,
               utterances: Iterable[Any] = ()) -> str:
    """Join the three-way conference named by the caller's CallSid."""
    response = VoiceResponse()
    _speak(response, utterances)
    dial = Dial(action=action_url, method="POST") if action_url else Dial()
    options: dict[str, Any] = {"start_conference_on_enter": True,
                               "end_conference_on_exit": ends_when_leaving, "beep": False}
    if record:
        options.update(record="record-from-start",
                       recording_status_callback=recording_status_url,
                       recording_status_callback_method="POST",
                       recording_status_callback_event=RECORDING_EVENTS)
    dial.conference(name, **options)
    response.append(dial)
    return str(response)


def redirect(url: str) -> str:
    response = VoiceResponse()
    response.redirect(url, method="POST")
    return str(response)


def hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def callback_dial(number: str, *, caller_id: str | None, ring_seconds: int,
                  action_url: str) -> str:
    """The agent's leg of a callback: ring the caller from the helpline's number."""
    response = VoiceResponse()
    dial = Dial(caller_id=caller_id or None, timeout=ring_seconds, action=action_url,
                method="POST")
    dial.number(number)
    response.append(dial)
    return str(response)
