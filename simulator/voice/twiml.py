"""TwiML text → a list of verb dataclasses. Pure: no I/O, no clock.

Validation follows what Twilio's parser rejects: a document that is not
well-formed XML or whose root is not <Response> is error 12100; an unknown verb
or noun, a noun in the wrong place or an attribute value Twilio would refuse is
12200. Either way the caller hears Twilio's "application error" and the call ends.
Attribute defaults are Twilio's documented ones.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from simulator import errors


class TwimlError(Exception):
    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True)
class Say:
    text: str
    voice: str | None = None
    language: str | None = None
    loop: int = 1


@dataclass(frozen=True)
class Play:
    url: str
    loop: int = 1
    digits: str | None = None


@dataclass(frozen=True)
class Pause:
    length: float = 1.0


Prompt = Say | Play | Pause


@dataclass(frozen=True)
class Gather:
    action: str | None = None
    method: str = "POST"
    timeout: float = 5.0
    num_digits: int | None = None
    finish_on_key: str = "#"
    action_on_empty_result: bool = False
    input: str = "dtmf"
    prompts: tuple[Prompt, ...] = ()


@dataclass(frozen=True)
class Redirect:
    url: str
    method: str = "POST"


@dataclass(frozen=True)
class Enqueue:
    queue_name: str
    action: str | None = None
    method: str = "POST"
    wait_url: str | None = None
    wait_url_method: str = "POST"


@dataclass(frozen=True)
class Leave:
    pass


@dataclass(frozen=True)
class DialTarget:
    kind: str          # client / number / queue
    value: str         # identity, E.164 number or queue name
    url: str | None = None
    method: str = "POST"


@dataclass(frozen=True)
class Conference:
    """<Dial><Conference>: a named room. Defaults are Twilio's."""
    name: str
    muted: bool = False
    beep: str = "true"                  # true / false / onEnter / onExit
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    wait_url: str | None = None         # accepted; the stand-in plays its own hold music
    wait_method: str = "POST"
    max_participants: int = 250
    record: str = "do-not-record"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_event: tuple[str, ...] = ("start", "end")
    participant_label: str | None = None
    recording_status_callback: str | None = None
    recording_status_callback_method: str = "POST"
    recording_status_callback_event: tuple[str, ...] = ("completed",)
    coach: str | None = None            # the CallSid this participant coaches (whispers to)


@dataclass(frozen=True)
class Dial:
    targets: tuple[DialTarget, ...]
    action: str | None = None
    method: str = "POST"
    timeout: float = 30.0
    caller_id: str | None = None
    record: str = "do-not-record"
    recording_status_callback: str | None = None
    recording_status_callback_method: str = "POST"
    recording_status_callback_event: tuple[str, ...] = ("completed",)
    time_limit: float = 14400.0
    hangup_on_star: bool = False
    conference: Conference | None = None    # then `targets` is empty


@dataclass(frozen=True)
class Record:
    action: str | None = None
    method: str = "POST"
    timeout: float = 5.0
    finish_on_key: str = "1234567890*#"
    max_length: float = 3600.0
    play_beep: bool = True
    trim: str = "trim-silence"
    recording_status_callback: str | None = None
    recording_status_callback_method: str = "POST"
    recording_status_callback_event: tuple[str, ...] = ("completed",)


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class Reject:
    reason: str = "rejected"


Verb = Say | Play | Pause | Gather | Redirect | Enqueue | Leave | Dial | Record | Hangup | Reject

DIAL_RECORD_VALUES = {"do-not-record", "record-from-answer", "record-from-ringing",
                      "record-from-answer-dual", "record-from-ringing-dual", "true", "false"}
GATHER_INPUTS = {"dtmf", "speech", "dtmf speech", "speech dtmf"}
DTMF_KEYS = set("0123456789*#")
CONFERENCE_BEEPS = {"true", "false", "onEnter", "onExit"}
CONFERENCE_RECORD_VALUES = {"do-not-record", "record-from-start"}
# Twilio's recordingStatusCallbackEvent values (<Dial>, <Record>, <Conference>); a
# failed recording is reported as RecordingStatus=failed with the completed event.
RECORDING_EVENTS = {"in-progress", "completed", "absent"}
CONFERENCE_EVENTS = {"start", "end", "join", "leave", "mute", "hold", "modify", "speaker",
                     "announcement"}


def parse(text: str | bytes) -> list[Verb]:
    """Parse a TwiML document; raise `TwimlError` as Twilio's debugger would."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise TwimlError(errors.DOCUMENT_PARSE_FAILURE, f"not well-formed XML: {exc}") from None
    if root.tag != "Response":
        raise TwimlError(errors.DOCUMENT_PARSE_FAILURE,
                         f"root element is <{root.tag}>, expected <Response>")
    return [_verb(element) for element in root]


def _verb(el: ET.Element) -> Verb:
    parser: Callable[[ET.Element], Verb] | None = _VERBS.get(el.tag)
    if parser is None:
        raise TwimlError(errors.SCHEMA_VALIDATION, f"unknown verb <{el.tag}>")
    return parser(el)


def _text(el: ET.Element) -> str:
    return (el.text or "").strip()


def _method(el: ET.Element, name: str = "method") -> str:
    value = el.get(name, "POST").upper()
    if value not in {"GET", "POST"}:
        raise TwimlError(errors.SCHEMA_VALIDATION, f"<{el.tag}> {name}={value!r} is not GET/POST")
    return value


def _number(el: ET.Element, name: str, default: float, minimum: float = 0) -> float:
    raw = el.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise TwimlError(errors.SCHEMA_VALIDATION,
                         f"<{el.tag}> {name}={raw!r} is not a number") from None
    if value < minimum:
        raise TwimlError(errors.SCHEMA_VALIDATION, f"<{el.tag}> {name}={raw!r} is below {minimum}")
    return value


def _int(el: ET.Element, name: str, default: int, minimum: int = 0) -> int:
    value = _number(el, name, default, minimum)
    if value != int(value):
        raise TwimlError(errors.SCHEMA_VALIDATION, f"<{el.tag}> {name} must be a whole number")
    return int(value)


def _bool(el: ET.Element, name: str, default: bool) -> bool:
    raw = el.get(name)
    if raw is None:
        return default
    if raw.lower() not in {"true", "false"}:
        raise TwimlError(errors.SCHEMA_VALIDATION, f"<{el.tag}> {name}={raw!r} is not true/false")
    return raw.lower() == "true"


def _no_children(el: ET.Element) -> None:
    for child in el:
        raise TwimlError(errors.SCHEMA_VALIDATION, f"<{child.tag}> is not allowed in <{el.tag}>")


def _say(el: ET.Element) -> Say:
    # SSML children (<break>, <prosody>...) are allowed; their text is spoken.
    text = " ".join("".join(el.itertext()).split())
    return Say(text=text, voice=el.get("voice"), language=el.get("language"),
               loop=_int(el, "loop", 1))


def _play(el: ET.Element) -> Play:
    _no_children(el)
    url = _text(el)
    digits = el.get("digits")
    if not url and not digits:
        raise TwimlError(errors.SCHEMA_VALIDATION, "<Play> needs a URL or digits")
    return Play(url=url, loop=_int(el, "loop", 1), digits=digits)


def _pause(el: ET.Element) -> Pause:
    _no_children(el)
    return Pause(length=_number(el, "length", 1.0))


def _gather(el: ET.Element) -> Gather:
    prompts: list[Prompt] = []
    for child in el:
        if child.tag == "Say":
            prompts.append(_say(child))
        elif child.tag == "Play":
            prompts.append(_play(child))
        elif child.tag == "Pause":
            prompts.append(_pause(child))
        else:
            raise TwimlError(errors.SCHEMA_VALIDATION, f"<{child.tag}> is not allowed in <Gather>")
    finish_on_key = el.get("finishOnKey", "#")
    if finish_on_key and (len(finish_on_key) > 1 or finish_on_key not in DTMF_KEYS):
        raise TwimlError(errors.SCHEMA_VALIDATION, f"<Gather> finishOnKey={finish_on_key!r}")
    input_mode = " ".join(el.get("input", "dtmf").split())
    if input_mode not in GATHER_INPUTS:
        raise TwimlError(errors.SCHEMA_VALIDATION, f"<Gather> input={input_mode!r}")
    num_digits = el.get("numDigits")
    return Gather(
        action=el.get("action"), method=_method(el), timeout=_number(el, "timeout", 5.0),
        num_digits=_int(el, "numDigits", 0, minimum=1) if num_digits is not None else None,
        finish_on_key=finish_on_key,
        action_on_empty_result=_bool(el, "actionOnEmptyResult", False),
        input=input_mode, prompts=tuple(prompts))


def _redirect(el: ET.Element) -> Redirect:
    _no_children(el)
    url = _text(el)
    if not url:
        raise TwimlError(errors.SCHEMA_VALIDATION, "<Redirect> needs a URL")
    return Redirect(url=url, method=_method(el))


def _enqueue(el: ET.Element) -> Enqueue:
    _no_children(el)
    name = _text(el)
    if not name and not el.get("workflowSid"):
        raise TwimlError(errors.SCHEMA_VALIDATION, "<Enqueue> needs a queue name")
    return Enqueue(queue_name=name, action=el.get("action"), method=_method(el),
                   wait_url=el.get("waitUrl"), wait_url_method=_method(el, "waitUrlMethod"))


def _leave(el: ET.Element) -> Leave:
    _no_children(el)
    return Leave()


def _dial(el: ET.Element) -> Dial:
    targets: list[DialTarget] = []
    conference: Conference | None = None
    plain = _text(el)
    if plain:
        targets.append(DialTarget("number", plain))
    for child in el:
        if child.tag == "Client":
            identity = child.find("Identity")
            value = _text(identity) if identity is not None else _text(child)
            targets.append(DialTarget("client", value, child.get("url"), _method(child)))
        elif child.tag == "Number":
            targets.append(DialTarget("number", _text(child), child.get("url"), _method(child)))
        elif child.tag == "Queue":
            targets.append(DialTarget("queue", _text(child), child.get("url"), _method(child)))
        elif child.tag == "Conference":
            conference = _conference(child)
        elif child.tag in {"Sip", "Sim", "Application", "WhatsApp"}:
            raise TwimlError(errors.SCHEMA_VALIDATION,
                             f"<Dial><{child.tag}> is not supported by the stand-in")
        else:
            raise TwimlError(errors.SCHEMA_VALIDATION, f"<{child.tag}> is not allowed in <Dial>")
    if conference is not None and (targets or len(el) > 1):
        # Twilio: a <Conference> is the only noun of its <Dial>.
        raise TwimlError(errors.SCHEMA_VALIDATION, "<Conference> must be the only noun in <Dial>")
    if conference is None and (not targets or any(not target.value for target in targets)):
        raise TwimlError(errors.SCHEMA_VALIDATION,
                         "<Dial> needs a number, client, queue or conference")
    record = el.get("record", "do-not-record")
    if record not in DIAL_RECORD_VALUES:
        raise TwimlError(errors.SCHEMA_VALIDATION, f"<Dial> record={record!r}")
    record = {"true": "record-from-answer", "false": "do-not-record"}.get(record, record)
    return Dial(
        targets=tuple(targets), action=el.get("action"), method=_method(el),
        timeout=_number(el, "timeout", 30.0), caller_id=el.get("callerId"), record=record,
        recording_status_callback=el.get("recordingStatusCallback"),
        recording_status_callback_method=_method(el, "recordingStatusCallbackMethod"),
        recording_status_callback_event=_recording_events(el, "Dial"),
        time_limit=_number(el, "timeLimit", 14400.0),
        hangup_on_star=_bool(el, "hangupOnStar", False), conference=conference)


def _conference(el: ET.Element) -> Conference:
    _no_children(el)
    name = _text(el)
    if not name:
        raise TwimlError(errors.SCHEMA_VALIDATION, "<Conference> needs a room name")
    beep = el.get("beep", "true")
    if beep not in CONFERENCE_BEEPS:
        raise TwimlError(errors.SCHEMA_VALIDATION, f"<Conference> beep={beep!r}")
    record = el.get("record", "do-not-record")
    if record not in CONFERENCE_RECORD_VALUES:
        raise TwimlError(errors.SCHEMA_VALIDATION, f"<Conference> record={record!r}")
    events = tuple(el.get("statusCallbackEvent", "start end").replace(",", " ").split())
    if any(event not in CONFERENCE_EVENTS for event in events):
        raise TwimlError(errors.SCHEMA_VALIDATION,
                         f"<Conference> statusCallbackEvent={el.get('statusCallbackEvent')!r}")
    max_participants = _int(el, "maxParticipants", 250, minimum=2)
    if max_participants > 250:
        raise TwimlError(errors.SCHEMA_VALIDATION, "<Conference> maxParticipants is above 250")
    return Conference(
        name=name, muted=_bool(el, "muted", False), beep=beep,
        start_conference_on_enter=_bool(el, "startConferenceOnEnter", True),
        end_conference_on_exit=_bool(el, "endConferenceOnExit", False),
        wait_url=el.get("waitUrl"), wait_method=_method(el, "waitMethod"),
        max_participants=max_participants, record=record,
        status_callback=el.get("statusCallback"),
        status_callback_method=_method(el, "statusCallbackMethod"),
        status_callback_event=events, participant_label=el.get("participantLabel"),
        recording_status_callback=el.get("recordingStatusCallback"),
        recording_status_callback_method=_method(el, "recordingStatusCallbackMethod"),
        recording_status_callback_event=_recording_events(el, "Conference"),
        coach=el.get("coach") or None)


def _recording_events(el: ET.Element, verb: str) -> tuple[str, ...]:
    raw = el.get("recordingStatusCallbackEvent", "completed")
    events = tuple(raw.replace(",", " ").split())
    if not events or any(event not in RECORDING_EVENTS for event in events):
        raise TwimlError(errors.SCHEMA_VALIDATION,
                         f"<{verb}> recordingStatusCallbackEvent={raw!r}")
    return events


def _record(el: ET.Element) -> Record:
    _no_children(el)
    finish_on_key = el.get("finishOnKey", "1234567890*#")
    if any(key not in DTMF_KEYS for key in finish_on_key):
        raise TwimlError(errors.SCHEMA_VALIDATION, f"<Record> finishOnKey={finish_on_key!r}")
    return Record(
        action=el.get("action"), method=_method(el), timeout=_number(el, "timeout", 5.0),
        finish_on_key=finish_on_key, max_length=_number(el, "maxLength", 3600.0, minimum=1),
        play_beep=_bool(el, "playBeep", True), trim=el.get("trim", "trim-silence"),
        recording_status_callback=el.get("recordingStatusCallback"),
        recording_status_callback_method=_method(el, "recordingStatusCallbackMethod"),
        recording_status_callback_event=_recording_events(el, "Record"))


def _hangup(el: ET.Element) -> Hangup:
    _no_children(el)
    return Hangup()


def _reject(el: ET.Element) -> Reject:
    _no_children(el)
    reason = el.get("reason", "rejected")
    if reason not in {"rejected", "busy"}:
        raise TwimlError(errors.SCHEMA_VALIDATION, f"<Reject> reason={reason!r}")
    return Reject(reason=reason)


_VERBS: dict[str, Callable[[ET.Element], Verb]] = {
    "Say": _say, "Play": _play, "Pause": _pause, "Gather": _gather, "Redirect": _redirect,
    "Enqueue": _enqueue, "Leave": _leave, "Dial": _dial, "Record": _record,
    "Hangup": _hangup, "Reject": _reject,
}

__all__ = ["Conference", "Dial", "DialTarget", "Enqueue", "Gather", "Hangup", "Leave", "Pause",
           "Play", "Prompt", "Record", "Redirect", "Reject", "Say", "TwimlError", "Verb", "parse"]
