"""The helpline's configuration: languages, numbers, menus, queue thresholds.

Parsed from YAML into frozen dataclasses. Validation collects every problem with
the exact place it sits (``numbers[2].menu[1]: unknown language 'xx'``) so an
admin can fix a file in one pass. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

MAIN_MENU_ACTIONS = ("agent", "voicemail", "callback", "information", "repeat")
VALID_KEYS = set("0123456789*#")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class ConfigError(Exception):
    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    native_name: str
    parent: str | None = None
    espeak_voice: str | None = None
    twilio_say_language: str | None = None
    fallback: str | None = None

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


@dataclass(frozen=True)
class QueueThresholds:
    max_wait_seconds: int = 600
    announce_interval_seconds: int = 45
    wrap_up_seconds: int = 60
    reservation_timeout_seconds: int = 15
    # A callback that does not reach the caller returns to its place in line, offered
    # again after this long; after this many attempts it stops, with a note on its ticket.
    callback_retry_after_seconds: int = 300
    callback_max_attempts: int = 3


@dataclass(frozen=True)
class RoutingRules:
    proficiency_threshold: int = 3
    widen_proficiency_after_seconds: int = 60
    widened_proficiency_threshold: int = 1
    widen_dialect_after_seconds: int = 120


@dataclass(frozen=True)
class MenuOption:
    key: str
    action: str


@dataclass(frozen=True)
class Voicemail:
    max_length_seconds: int = 180
    finish_on_key: str = "#"
    min_length_seconds: float = 1.0


@dataclass(frozen=True)
class Retention:
    audio_days: int = 90
    transcript_days: int = 365


@dataclass(frozen=True)
class Reliability:
    """How quickly the helpline notices and repairs work that fell through a fault."""

    # Re-enqueue every recording whose next step has no live job this often.
    intake_sweep_seconds: int = 30
    # A running job renews its lease; a started job whose lease lapsed was abandoned.
    job_lease_seconds: int = 15
    # Ask Twilio for recordings whose status callback never reached us this often.
    recovery_sweep_seconds: int = 60
    # Machine transcription is tried this many times before people take over.
    max_transcription_attempts: int = 3


@dataclass(frozen=True)
class HelplineConfig:
    languages: Mapping[str, Language]
    numbers: tuple[Number, ...]
    queue: QueueThresholds = field(default_factory=QueueThresholds)
    routing: RoutingRules = field(default_factory=RoutingRules)
    main_menu: tuple[MenuOption, ...] = ()
    voicemail: Voicemail = field(default_factory=Voicemail)
    retention: Retention = field(default_factory=Retention)
    reliability: Reliability = field(default_factory=Reliability)
    default_number: str | None = None

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
                 "twilio_say_language": lang.twilio_say_language}
                for lang in self.languages.values()
            ],
            "numbers": [
                {"number": num.number, "name": num.name, "country": num.country,
                 "language": num.language, "menu": list(num.menu),
                 "default_language": num.fallback_language, "staff_line": num.staff_line}
                for num in self.numbers
            ],
        }


def load_config(path: Path) -> HelplineConfig:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError([f"{path}: not valid YAML{where}"]) from exc
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror})"]) from exc
    return parse_config(raw)


def parse_config(raw: object) -> HelplineConfig:
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        raise ConfigError(["top level: expected a mapping with languages and numbers"])

    languages = _parse_languages(raw.get("languages"), problems)
    numbers = _parse_numbers(raw.get("numbers"), languages, problems)
    main_menu = _parse_main_menu(raw.get("main_menu", _DEFAULT_MAIN_MENU), problems)
    queue = _parse_section(raw, "queue", QueueThresholds, problems)
    routing = _parse_section(raw, "routing", RoutingRules, problems)
    voicemail = _parse_section(raw, "voicemail", Voicemail, problems)
    retention = _parse_section(raw, "retention", Retention, problems)
    reliability = _parse_section(raw, "reliability", Reliability, problems)
    default_number = raw.get("default_number")
    if default_number is not None and not any(n.number == default_number for n in numbers):
        problems.append(f"default_number: {default_number!r} is not one of the numbers")
    if isinstance(voicemail, Voicemail) and voicemail.finish_on_key not in VALID_KEYS:
        problems.append(f"voicemail.finish_on_key: {voicemail.finish_on_key!r} is not a key")

    if problems:
        raise ConfigError(problems)
    return HelplineConfig(
        languages=languages, numbers=tuple(numbers), queue=queue, routing=routing,
        main_menu=tuple(main_menu), voicemail=voicemail, retention=retention,
        reliability=reliability,
        default_number=default_number,
    )


_DEFAULT_MAIN_MENU = [
    {"key": "1", "action": "agent"},
    {"key": "2", "action": "voicemail"},
    {"key": "3", "action": "callback"},
    {"key": "4", "action": "information"},
    {"key": "*", "action": "repeat"},
]


def _parse_languages(raw: object, problems: list[str]) -> dict[str, Language]:
    if not isinstance(raw, Mapping) or not raw:
        problems.append("languages: expected a mapping of language code to details")
        return {}
    languages: dict[str, Language] = {}
    for code, details in raw.items():
        where = f"languages.{code}"
        if not isinstance(details, Mapping):
            problems.append(f"{where}: expected name and native_name")
            continue
        name, native = details.get("name"), details.get("native_name")
        if not isinstance(name, str) or not name:
            problems.append(f"{where}.name: missing")
        if not isinstance(native, str) or not native:
            problems.append(f"{where}.native_name: missing")
        unknown = set(details) - {"name", "native_name", "parent", "espeak_voice",
                                  "twilio_say_language", "fallback"}
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        languages[str(code)] = Language(
            code=str(code), name=str(name or ""), native_name=str(native or ""),
            parent=details.get("parent"), espeak_voice=details.get("espeak_voice"),
            twilio_say_language=details.get("twilio_say_language"),
            fallback=details.get("fallback"),
        )
    for code, lang in languages.items():
        if lang.parent is not None:
            parent = languages.get(lang.parent)
            if parent is None:
                problems.append(f"languages.{code}.parent: dialect's parent "
                                f"{lang.parent!r} is not a configured language")
            elif parent.parent is not None:
                problems.append(f"languages.{code}.parent: {lang.parent!r} is itself a dialect")
        if lang.fallback is not None and lang.fallback not in languages:
            problems.append(f"languages.{code}.fallback: unknown language {lang.fallback!r}")
    return languages


def _parse_numbers(raw: object, languages: Mapping[str, Language],
                   problems: list[str]) -> list[Number]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        problems.append("numbers: expected a list of helpline numbers")
        return []
    numbers: list[Number] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        where = f"numbers[{index}]"
        if not isinstance(item, Mapping):
            problems.append(f"{where}: expected a mapping with number and language or menu")
            continue
        e164 = str(item.get("number", ""))
        where = f"{where} ({e164 or 'no number'})"
        if not e164:
            problems.append(f"{where}.number: missing")
        elif not _is_e164(e164):
            problems.append(f"{where}.number: {e164!r} is not in E.164 form (+ and country code)")
        elif e164 in seen:
            problems.append(f"{where}.number: duplicate of numbers[{seen[e164]}]")
        else:
            seen[e164] = index
        language, menu = item.get("language"), item.get("menu") or []
        if language and menu:
            problems.append(f"{where}: has both language and menu; keep one")
        elif not language and not menu:
            problems.append(f"{where}: has neither language nor menu")
        if language and language not in languages:
            problems.append(f"{where}.language: unknown language {language!r}")
        if not isinstance(menu, Sequence) or isinstance(menu, str):
            problems.append(f"{where}.menu: expected a list of language codes")
            menu = []
        if len(menu) > 9:
            problems.append(f"{where}.menu: at most 9 languages fit on a keypad")
        for position, code in enumerate(menu):
            if code not in languages:
                problems.append(f"{where}.menu[{position}]: unknown language {code!r}")
        if len(set(menu)) != len(menu):
            problems.append(f"{where}.menu: lists a language twice")
        default = item.get("default_language")
        if default is not None and default not in (menu or [language]):
            problems.append(f"{where}.default_language: {default!r} is not offered on this line")
        country = str(item.get("country", ""))
        if not re.fullmatch(r"[A-Z]{2}", country):
            problems.append(f"{where}.country: expected a two-letter country code like TH")
        numbers.append(Number(
            number=e164, name=str(item.get("name") or e164), country=country,
            language=language, menu=tuple(menu), default_language=default,
            staff_line=bool(item.get("staff_line", False)),
        ))
    return numbers


def _is_e164(number: str) -> bool:
    if not E164.match(number):
        return False
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    # Fictional demo numbers are allowed: "possible" checks length per country,
    # not whether an operator has assigned the range.
    return bool(phonenumbers.is_possible_number(parsed))


def _parse_main_menu(raw: object, problems: list[str]) -> list[MenuOption]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        problems.append("main_menu: expected a list of {key, action}")
        return []
    options: list[MenuOption] = []
    keys: set[str] = set()
    for index, item in enumerate(raw):
        where = f"main_menu[{index}]"
        if not isinstance(item, Mapping):
            problems.append(f"{where}: expected key and action")
            continue
        key, action = str(item.get("key", "")), str(item.get("action", ""))
        if key not in VALID_KEYS:
            problems.append(f"{where}.key: {key!r} is not a phone key")
        elif key in keys:
            problems.append(f"{where}.key: {key!r} is used twice")
        keys.add(key)
        if action not in MAIN_MENU_ACTIONS:
            problems.append(f"{where}.action: {action!r} is not one of "
                            f"{', '.join(MAIN_MENU_ACTIONS)}")
        options.append(MenuOption(key=key, action=action))
    if options and not any(o.action == "agent" for o in options):
        problems.append("main_menu: no option reaches an agent")
    return options


def _parse_section(raw: Mapping[str, Any], name: str, cls: Any, problems: list[str]) -> Any:
    section = raw.get(name) or {}
    if not isinstance(section, Mapping):
        problems.append(f"{name}: expected a mapping")
        return cls()
    defaults = cls()
    values: dict[str, Any] = {}
    for key, value in section.items():
        if not hasattr(defaults, key):
            problems.append(f"{name}.{key}: unknown setting")
            continue
        expected = type(getattr(defaults, key))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool) and expected is not bool:
            problems.append(f"{name}.{key}: expected {expected.__name__}, got {value!r}")
            continue
        if isinstance(value, int | float) and value < 0:
            problems.append(f"{name}.{key}: must not be negative")
            continue
        values[key] = value
    return cls(**values)
