"""The helpline's configuration: languages, numbers, menus, queue thresholds.

Parsed from YAML into frozen dataclasses, through a strict schema (pydantic): an
unknown key, a wrong type or a value out of range is an error, never a silent default
(a misspelt `retension:` would otherwise keep audio for the default 90 days). Each
problem is one line naming its exact place (``numbers[2] (+66...).menu[1]: unknown
language 'xx'``), and every problem is reported at once so an admin can fix a file in
one pass. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import phonenumbers
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from helpline.config_problems import Loc, dotted_place, one_line_problems

MainMenuAction = Literal["agent", "voicemail", "callback", "information", "repeat"]
MAIN_MENU_ACTIONS: tuple[str, ...] = get_args(MainMenuAction)
TranscriptionEngine = Literal["vosk", "whisper", "human"]
TRANSCRIPTION_ENGINES: tuple[str, ...] = get_args(TranscriptionEngine)
VALID_KEYS = set("0123456789*#")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
KEYPAD_LANGUAGES = 9


class ConfigError(Exception):
    """The configuration cannot be used. `problems` are one line each; `str()` prefixes
    each with the file they are in, as start-up prints them."""

    def __init__(self, problems: Sequence[str], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.source}: {p}" if self.source else p for p in self.problems]


# The kinds of value the file holds. Strict: YAML's `true`/`false` are booleans but the
# text "no" is not one, and "10" is not a number.
Text = Annotated[str, Field(strict=True, min_length=1)]
Seconds = Annotated[int, Field(strict=True, ge=1)]   # a period or a timeout
Delay = Annotated[int, Field(strict=True, ge=0)]     # 0 means at once
Count = Annotated[int, Field(strict=True, ge=1)]
Days = Annotated[int, Field(strict=True, ge=1)]
Proficiency = Annotated[int, Field(strict=True, ge=1, le=5)]   # agents' skills are 1-5
Positive = Annotated[float, Field(strict=True, gt=0)]
NonNegative = Annotated[float, Field(strict=True, ge=0)]
Probability = Annotated[float, Field(strict=True, ge=0, le=1)]


def _phone_key(key: object) -> object:
    # YAML reads an unquoted 1 as a number; it still names the phone's 1 key.
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 9:
        key = str(key)
    if not isinstance(key, str) or key not in VALID_KEYS:
        raise ValueError(f"{key!r} is not a phone key (0-9, * or #)")
    return key


PhoneKey = Annotated[str, BeforeValidator(_phone_key)]


def _language_code(code: str) -> str:
    if not LANGUAGE_CODE.fullmatch(code):
        raise ValueError(f"{code!r} is not a language code like my, shn or id")
    return code


LanguageCode = Annotated[str, Field(strict=True), AfterValidator(_language_code)]


def _configured(info: ValidationInfo) -> Mapping[str, object] | None:
    """The configured languages (code → parent), given as context by `parse_config` so
    every reference is checked in the same pass as the types; None when `languages`
    itself is broken (that one problem is reported, not every reference to it)."""
    context = info.context if isinstance(info.context, Mapping) else {}
    languages = context.get("languages")
    return languages if isinstance(languages, Mapping) else None


def _known_language(code: str, info: ValidationInfo) -> str:
    languages = _configured(info)
    if languages is not None and code not in languages:
        raise ValueError(f"unknown language {code!r}")
    return code


KnownLanguage = Annotated[str, Field(strict=True), AfterValidator(_known_language)]


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    native_name: str
    parent: str | None = None
    espeak_voice: str | None = None
    twilio_say_language: str | None = None
    fallback: str | None = None
    # The Twilio <Say> voice that speaks this language better than espeak-ng (real
    # Twilio accounts only), and the order prompt sources are tried in (prompts.resolver).
    twilio_voice: str | None = None
    prompt_order: tuple[str, ...] | None = None

    @property
    def is_dialect(self) -> bool:
        return self.parent is not None


@dataclass(frozen=True)
class Number:
    number: str
    name: str
    country: str
    language: str | None = None
    menu: tuple[str, ...] = ()
    default_language: str | None = None
    staff_line: bool = False

    @property
    def languages(self) -> tuple[str, ...]:
        return self.menu if self.menu else ((self.language,) if self.language else ())

    @property
    def fallback_language(self) -> str:
        return self.default_language or self.languages[0]


# The sections below are validated as they are: the schema reads each field's type,
# range and default from here, and rejects keys that are not fields.
_SECTION = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class QueueThresholds:
    __pydantic_config__ = _SECTION

    max_wait_seconds: Seconds = 600
    announce_interval_seconds: Seconds = 45
    wrap_up_seconds: Delay = 60
    reservation_timeout_seconds: Seconds = 15
    # A callback that does not reach the caller returns to its place in line, offered
    # again after this long; after this many attempts it stops, with a note on its ticket.
    callback_retry_after_seconds: Seconds = 300
    callback_max_attempts: Count = 3


@dataclass(frozen=True)
class RoutingRules:
    __pydantic_config__ = _SECTION

    proficiency_threshold: Proficiency = 3
    widen_proficiency_after_seconds: Delay = 60
    widened_proficiency_threshold: Proficiency = 1
    widen_dialect_after_seconds: Delay = 120


@dataclass(frozen=True)
class Supervision:
    """What supervisors may do to calls and agents, and what agents are told of it."""

    __pydantic_config__ = _SECTION

    # Work reassigned to a named agent who is busy waits for them this long at most,
    # then goes back to ordinary routing in the place in line it had.
    reassign_wait_seconds: Seconds = 120
    # The agent's screen says when a supervisor listens to, coaches on or joins their call.
    agent_sees_listening: Annotated[bool, Field(strict=True)] = True


@dataclass(frozen=True)
class MenuOption:
    key: str
    action: str


@dataclass(frozen=True)
class Voicemail:
    __pydantic_config__ = _SECTION

    max_length_seconds: Seconds = 180
    finish_on_key: PhoneKey = "#"
    min_length_seconds: NonNegative = 1.0


@dataclass(frozen=True)
class Retention:
    __pydantic_config__ = _SECTION

    audio_days: Days = 90
    transcript_days: Days = 365


@dataclass(frozen=True)
class Reliability:
    """How quickly the helpline notices and repairs work that fell through a fault."""

    __pydantic_config__ = _SECTION

    # Re-enqueue every recording whose next step has no live job this often.
    intake_sweep_seconds: Seconds = 30
    # A running job renews its lease; a started job whose lease lapsed was abandoned.
    job_lease_seconds: Seconds = 15
    # Ask Twilio for recordings whose status callback never reached us this often.
    recovery_sweep_seconds: Seconds = 60
    # Machine transcription is tried this many times before people take over.
    max_transcription_attempts: Count = 3


@dataclass(frozen=True)
class WhisperLimits:
    """How far a Whisper draft may go before it is rejected and people transcribe."""

    __pydantic_config__ = _SECTION

    # CPU seconds (all threads) per second of audio; past it decoding stops and the
    # draft is rejected. Measured 0.15-0.35 on speech; repetition loops cost far more.
    cpu_seconds_per_audio_second: Positive = 1.0
    # Every clip pays for a whole 30 s encoder window, so a short one gets at least this.
    min_cpu_seconds: NonNegative = 5.0
    # Tokens one 30 s window may produce, per second of audio in it (speech is 3-6).
    max_tokens_per_audio_second: Positive = 8.0
    # gzip ratio of the text above which it is a repetition loop (Whisper's own 2.4).
    compression_ratio_threshold: Positive = 2.4
    # A segment is silence when its no-speech probability is above this and its mean
    # token log-probability below -1 (Whisper's own rule and values).
    no_speech_threshold: Probability = 0.6


@dataclass(frozen=True)
class TranscriptionEngines:
    """Which engine makes the machine transcript of each language.

    A language not listed uses Vosk where a Vosk model is installed or named in
    VOSK_MODELS, and people otherwise. Codes need no line of their own: Korean has no
    line in the demo but is transcribed with its Vosk model by `helpline transcribe`.
    """

    __pydantic_config__ = _SECTION

    engines: Mapping[LanguageCode, TranscriptionEngine] = field(default_factory=dict)
    whisper: WhisperLimits = field(default_factory=WhisperLimits)

    def engine_for(self, language: str) -> str | None:
        return self.engines.get(language)


@dataclass(frozen=True)
class RecordingLine:
    """The staff recording line: a number of its own on which staff, identified by their
    staff number and a personal PIN, record prompts by phone (prompts.recording_line).
    Its calls never enter the IVR, the queues or the voicemail box, so it is not one of
    `numbers`."""

    number: str
    pin_attempts: int = 3            # wrong PINs before the call is ended
    max_take_seconds: int = 30       # the <Record> maxLength (a prompt is a sentence)


@dataclass(frozen=True)
class HelplineConfig:
    languages: Mapping[str, Language]
    numbers: tuple[Number, ...]
    queue: QueueThresholds = field(default_factory=QueueThresholds)
    routing: RoutingRules = field(default_factory=RoutingRules)
    supervision: Supervision = field(default_factory=Supervision)
    main_menu: tuple[MenuOption, ...] = ()
    voicemail: Voicemail = field(default_factory=Voicemail)
    retention: Retention = field(default_factory=Retention)
    reliability: Reliability = field(default_factory=Reliability)
    transcription: TranscriptionEngines = field(default_factory=TranscriptionEngines)
    default_number: str | None = None
    recording_line: RecordingLine | None = None

    def number(self, e164: str) -> Number | None:
        for candidate in self.numbers:
            if candidate.number == e164:
                return candidate
        return None

    def language(self, code: str) -> Language:
        return self.languages[code]

    def to_json(self) -> dict[str, Any]:
        return {
            "languages": [
                {"code": lang.code, "name": lang.name, "native_name": lang.native_name,
                 "parent": lang.parent, "espeak_voice": lang.espeak_voice,
                 "twilio_say_language": lang.twilio_say_language,
                 "twilio_voice": lang.twilio_voice,
                 "prompt_order": list(lang.prompt_order) if lang.prompt_order else None}
                for lang in self.languages.values()
            ],
            "numbers": [
                {"number": num.number, "name": num.name, "country": num.country,
                 "language": num.language, "menu": list(num.menu),
                 "default_language": num.fallback_language, "staff_line": num.staff_line}
                for num in self.numbers
            ],
            "recording_line": ({"number": self.recording_line.number}
                               if self.recording_line else None),
        }


# ---------------------------------------------------------------- the file's schema
# Entries whose shape in the file differs from the objects above (a language's code is
# its key; a number's menu is a list). Sections are the dataclasses themselves.

class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LanguageEntry(_Entry):
    name: Text
    native_name: Text
    parent: Annotated[str, Field(strict=True)] | None = None
    espeak_voice: Text | None = None
    twilio_say_language: Text | None = None
    fallback: KnownLanguage | None = None
    twilio_voice: Text | None = None
    prompt_order: list[Text] | None = None

    @field_validator("parent")
    @classmethod
    def _parent_is_a_language(cls, parent: str | None, info: ValidationInfo) -> str | None:
        languages = _configured(info)
        if parent is None or languages is None:
            return parent
        if parent not in languages:
            raise ValueError(f"dialect's parent {parent!r} is not a configured language")
        if languages[parent] is not None:
            raise ValueError(f"{parent!r} is itself a dialect")
        return parent

    @field_validator("twilio_voice")
    @classmethod
    def _voice_speaks_the_language(cls, voice: str | None,
                                   info: ValidationInfo) -> str | None:
        # Imported here: feature packages build on this module, not it on them.
        from prompts.twilio_say import voice_problem

        problem = voice and voice_problem(voice, info.data.get("twilio_say_language"))
        if problem:
            raise ValueError(problem)
        return voice

    @field_validator("prompt_order")
    @classmethod
    def _known_sources_once_each(cls, order: list[str] | None) -> list[str] | None:
        from prompts.sources import SOURCES

        if order is None:
            return None
        unknown = [source for source in order if source not in SOURCES]
        if unknown:
            raise ValueError(f"unknown source(s) {', '.join(unknown)} "
                             f"(known: {', '.join(SOURCES)})")
        if not order or len(set(order)) != len(order):
            raise ValueError(f"expected a list of distinct sources from {', '.join(SOURCES)}")
        return order


def _e164(number: object) -> object:
    if isinstance(number, int) and not isinstance(number, bool):
        raise ValueError(f"write the number in quotes (\"+{number}\"): unquoted, YAML "
                         "reads it as a plain number")
    if isinstance(number, str) and not _is_e164(number):
        raise ValueError(f"{number!r} is not in E.164 form (+ and country code)")
    return number


def _country(code: str) -> str:
    if not COUNTRY_CODE.fullmatch(code):
        raise ValueError("expected a two-letter country code like TH")
    return code


class NumberEntry(_Entry):
    number: Annotated[str, BeforeValidator(_e164), Field(strict=True)]
    name: Text | None = None
    country: Annotated[str, Field(strict=True), AfterValidator(_country)]
    language: KnownLanguage | None = None
    menu: list[KnownLanguage] = []
    default_language: Annotated[str, Field(strict=True)] | None = None
    staff_line: Annotated[bool, Field(strict=True)] = False

    @field_validator("menu")
    @classmethod
    def _fits_a_keypad(cls, menu: list[str]) -> list[str]:
        if len(menu) > KEYPAD_LANGUAGES:
            raise ValueError(f"at most {KEYPAD_LANGUAGES} languages fit on a keypad")
        if len(set(menu)) != len(menu):
            raise ValueError("lists a language twice")
        return menu

    @field_validator("default_language")
    @classmethod
    def _offered_here(cls, default: str | None, info: ValidationInfo) -> str | None:
        if "menu" not in info.data or "language" not in info.data:
            return default   # already reported
        offered = info.data["menu"] or [info.data["language"]]
        if default is not None and default not in offered:
            raise ValueError(f"{default!r} is not offered on this line")
        return default

    @model_validator(mode="after")
    def _one_way_to_choose(self) -> NumberEntry:
        if self.language and self.menu:
            raise ValueError("has both language and menu; keep one")
        if not self.language and not self.menu:
            raise ValueError("has neither language nor menu")
        return self


class MenuOptionEntry(_Entry):
    key: PhoneKey
    action: MainMenuAction


_DEFAULT_MAIN_MENU = [
    MenuOptionEntry(key="1", action="agent"),
    MenuOptionEntry(key="2", action="voicemail"),
    MenuOptionEntry(key="3", action="callback"),
    MenuOptionEntry(key="4", action="information"),
    MenuOptionEntry(key="*", action="repeat"),
]


class RecordingLineEntry(_Entry):
    number: Annotated[str, BeforeValidator(_e164), Field(strict=True)]
    pin_attempts: Annotated[int, Field(strict=True, ge=1, le=10)] = 3
    max_take_seconds: Annotated[int, Field(strict=True, ge=5, le=120)] = 30


class ConfigFile(_Entry):
    """The YAML file, top level."""

    languages: Annotated[dict[LanguageCode, LanguageEntry], Field(min_length=1)]
    numbers: Annotated[list[NumberEntry], Field(min_length=1)]
    default_number: Annotated[str, Field(strict=True)] | None = None
    main_menu: list[MenuOptionEntry] = Field(default_factory=lambda: list(_DEFAULT_MAIN_MENU))
    queue: QueueThresholds = QueueThresholds()
    routing: RoutingRules = RoutingRules()
    supervision: Supervision = Supervision()
    voicemail: Voicemail = Voicemail()
    retention: Retention = Retention()
    reliability: Reliability = Reliability()
    transcription: TranscriptionEngines = TranscriptionEngines()
    recording_line: RecordingLineEntry | None = None

    @field_validator("queue", "routing", "supervision", "voicemail", "retention",
                     "reliability", "transcription", mode="before")
    @classmethod
    def _empty_section_means_defaults(cls, section: object) -> object:
        # `retention:` with every line under it commented out reads as null.
        return {} if section is None else section


class _KeyGivenTwice(yaml.constructor.ConstructorError):
    pass


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice in one mapping is an error:
    PyYAML keeps the later one silently (two `retention:` sections, the first forgotten)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line: dict[object, int] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                given_before = key in first_line
            except TypeError:
                continue   # an unhashable key: PyYAML's own check reports it
            if given_before:
                raise _KeyGivenTwice(None, None, f"{key} is given twice (first at line "
                                     f"{first_line[key]})", key_node.start_mark)
            first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load_config(path: Path) -> HelplineConfig:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except _KeyGivenTwice as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise ConfigError([f"line {line}: {exc.problem}"], source=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError([f"not valid YAML{where}"], source=str(path)) from exc
    except OSError as exc:
        raise ConfigError([f"cannot be read ({exc.strerror})"], source=str(path)) from exc
    try:
        return parse_config(raw)
    except ConfigError as exc:
        raise ConfigError(exc.problems, source=str(path)) from None


def parse_config(raw: object) -> HelplineConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError(["top level: expected a mapping with languages and numbers"])
    try:
        document = ConfigFile.model_validate(raw, context={"languages": _parents(raw)})
    except ValidationError as exc:
        raise ConfigError(one_line_problems(exc, ConfigFile, _place_in(raw))) from None
    problems = _across_entries(document)
    if problems:
        raise ConfigError(problems)
    return _build(document)


def _parents(raw: Mapping[str, Any]) -> dict[str, object] | None:
    """Each language's parent as written, so references are checked in the same pass."""
    languages = raw.get("languages")
    if not isinstance(languages, Mapping) or not languages:
        return None
    return {str(code): details.get("parent") if isinstance(details, Mapping) else None
            for code, details in languages.items()}


def _place_in(raw: Mapping[str, Any]) -> Callable[[Loc], str]:
    """Places as admins find them: a number's entry names the number it is about."""
    numbers = raw.get("numbers")

    def place(loc: Loc) -> str:
        text = dotted_place(loc)
        if (len(loc) >= 2 and loc[0] == "numbers" and isinstance(loc[1], int)
                and isinstance(numbers, list) and loc[1] < len(numbers)):
            entry = numbers[loc[1]]
            e164 = entry.get("number") if isinstance(entry, Mapping) else None
            head = f"numbers[{loc[1]}]"
            text = f"{head} ({e164 or 'no number'}){text[len(head):]}"
        return text

    return place


def _across_entries(document: ConfigFile) -> list[str]:
    """Rules between entries, once every entry is valid on its own."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(document.numbers):
        if entry.number in seen:
            problems.append(f"numbers[{index}] ({entry.number}).number: duplicate of "
                            f"numbers[{seen[entry.number]}]")
        seen.setdefault(entry.number, index)
    line = document.recording_line
    if line is not None and line.number in seen:
        problems.append(f"recording_line.number: {line.number} is also numbers"
                        f"[{seen[line.number]}]; the recording line needs a number of its own")
    if document.default_number is not None and document.default_number not in seen:
        problems.append(f"default_number: {document.default_number!r} is not one of the "
                        "numbers")
    keys: set[str] = set()
    for index, option in enumerate(document.main_menu):
        if option.key in keys:
            problems.append(f"main_menu[{index}].key: {option.key!r} is used twice")
        keys.add(option.key)
    if document.main_menu and not any(o.action == "agent" for o in document.main_menu):
        problems.append("main_menu: no option reaches an agent")
    return problems


def _build(document: ConfigFile) -> HelplineConfig:
    return HelplineConfig(
        languages={code: Language(
            code=code, name=entry.name, native_name=entry.native_name, parent=entry.parent,
            espeak_voice=entry.espeak_voice, twilio_say_language=entry.twilio_say_language,
            fallback=entry.fallback, twilio_voice=entry.twilio_voice,
            prompt_order=tuple(entry.prompt_order) if entry.prompt_order else None,
        ) for code, entry in document.languages.items()},
        numbers=tuple(Number(
            number=entry.number, name=entry.name or entry.number, country=entry.country,
            language=entry.language, menu=tuple(entry.menu),
            default_language=entry.default_language, staff_line=entry.staff_line,
        ) for entry in document.numbers),
        main_menu=tuple(MenuOption(key=o.key, action=o.action) for o in document.main_menu),
        queue=document.queue, routing=document.routing, supervision=document.supervision,
        voicemail=document.voicemail,
        retention=document.retention, reliability=document.reliability,
        transcription=document.transcription, default_number=document.default_number,
        recording_line=RecordingLine(
            number=document.recording_line.number,
            pin_attempts=document.recording_line.pin_attempts,
            max_take_seconds=document.recording_line.max_take_seconds,
        ) if document.recording_line else None,
    )


def _is_e164(number: str) -> bool:
    if not E164.fullmatch(number):
        return False
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    # Fictional demo numbers are allowed: "possible" checks length per country,
    # not whether an operator has assigned the range.
    return bool(phonenumbers.is_possible_number(parsed))
