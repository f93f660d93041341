"""The prompt catalogue: which prompts exist, which parameters each takes, and the text
of each prompt in each language (`prompts/texts/<language>.yaml`). Pure apart from
reading those files once.

A parameter is never free text: keys are one keypad key, counts are integers 1-999,
digit strings are 2-4 digits, days are today / tomorrow / mon..sun, clock times HHMM.
That is what lets the audio view render a sentence on a
public URL without becoming a text-to-speech service for anyone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from prompts import clock_words, numbers
from prompts.errors import CatalogueError, InvalidPromptParams, UnknownPrompt

TEXTS_DIR = Path(__file__).parent / "texts"

# Parameter kinds: a keypad key, a count (queue position, minutes), a digit string,
# a day and a clock time (when the next shift starts).
KEY, COUNT, DIGITS, DAY, CLOCK = "key", "count", "digits", "day", "clock"
PARAM_KINDS = {"digit": KEY, "key": KEY, "position": COUNT, "minutes": COUNT,
               "last_digits": DIGITS, "day": DAY, "time": CLOCK}
KEYS = frozenset("0123456789*#")
MAX_COUNT = 999

# Every prompt id the IVR may ask for, with the parameters its sentence takes.
PROMPTS: Mapping[str, tuple[str, ...]] = {
    "language_option": ("digit",),
    "welcome": (),
    "no_input": (),
    "not_recognised": (),
    "consent_notice": (),
    "menu_agent": ("digit",),
    "menu_voicemail": ("digit",),
    "menu_callback": ("digit",),
    "menu_information": ("digit",),
    "menu_repeat": ("digit",),
    "information": (),
    "queue_joined": (),
    "queue_position": ("position",),
    "queue_wait": ("minutes",),
    "queue_options": (),
    "no_agents": (),
    "max_wait_reached": (),
    "offer_voicemail_or_callback": (),
    "voicemail_prompt": ("key",),
    "voicemail_thanks": (),
    "voicemail_empty": (),
    "callback_confirm_number": ("last_digits",),
    "callback_enter_number": (),
    "callback_invalid_number": (),
    "callback_confirmed": (),
    "connecting": (),
    "technical_problem": (),
    "goodbye": (),
    "transfer": (),
    "next_advisor_at": ("day", "time"),
    "callback_from": ("day", "time"),
}
PROMPT_IDS: tuple[str, ...] = tuple(PROMPTS)

# Values used when a parameterised prompt is rendered ahead of time or checked.
SAMPLE_PARAMS = {"digit": "1", "key": "#", "position": "3", "minutes": "5",
                 "last_digits": "4567", "day": "tomorrow", "time": "0800"}


@dataclass(frozen=True)
class PromptText:
    prompt_id: str
    language: str        # the catalogue row it belongs to (e.g. "shn")
    text: str            # with {param} placeholders
    spoken_in: str       # the language the words are in (e.g. "my" for a Burmese text naming Shan)
    reviewed: bool = False
    reviewed_by: str | None = None
    one: str | None = None  # wording when the count in the sentence is 1

    def render(self, params: Mapping[str, str]) -> str:
        template = self.one if self.one and _is_one(params) else self.text
        spoken = {name: spoken_param(self.spoken_in, name, value)
                  for name, value in params.items()}
        return template.format(**spoken)


def _is_one(params: Mapping[str, str]) -> bool:
    return any(PARAM_KINDS[name] == COUNT and value == "1" for name, value in params.items())


def spoken_param(language: str, name: str, value: str) -> str:
    kind = PARAM_KINDS[name]
    if kind == KEY:
        return numbers.spoken_key(language, value)
    if kind == COUNT:
        return numbers.spoken_count(language, int(value))
    if kind == DAY:
        return clock_words.spoken_day(language, value)
    if kind == CLOCK:
        return clock_words.spoken_time(language, value)
    return numbers.spoken_digit_string(language, value)


def params_for(prompt_id: str) -> tuple[str, ...]:
    try:
        return PROMPTS[prompt_id]
    except KeyError:
        raise UnknownPrompt(f"unknown prompt id {prompt_id!r}") from None


def normalise_params(prompt_id: str, params: Mapping[str, int | str] | None, *,
                     strict: bool = False) -> dict[str, str]:
    """The prompt's parameters as canonical strings, or InvalidPromptParams.

    The IVR passes what it has (position 0 or 1400 in a flood): counts are clamped to
    1-999 so a caller still hears a sentence. `strict` (the public audio URL) accepts
    only canonical values, so one sentence has exactly one URL.
    """
    expected = params_for(prompt_id)
    given = {str(k): v for k, v in (params or {}).items()}
    missing = [name for name in expected if name not in given]
    extra = sorted(set(given) - set(expected))
    if missing or extra:
        raise InvalidPromptParams(
            f"{prompt_id} takes {', '.join(expected) or 'no parameters'}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unexpected {', '.join(extra)}" if extra else ""))
    clean: dict[str, str] = {}
    for name in expected:
        raw = str(given[name]).strip()
        value = _normalise_value(PARAM_KINDS[name], raw, strict)
        if value is None or (strict and value != raw):
            raise InvalidPromptParams(f"{prompt_id}: {name}={raw[:12]!r} is not valid")
        clean[name] = value
    return clean


def _normalise_value(kind: str, raw: str, strict: bool) -> str | None:
    if kind == KEY:
        return raw if raw in KEYS and len(raw) == 1 else None
    if kind == DIGITS:
        return raw if re.fullmatch(r"[0-9]{2,4}", raw) else None
    if kind == DAY:
        return raw if raw in clock_words.DAYS else None
    if kind == CLOCK:
        return raw if re.fullmatch(r"([01][0-9]|2[0-3])[0-5][0-9]", raw) else None
    if not re.fullmatch(r"-?[0-9]{1,6}", raw):
        return None
    number = int(raw)
    if strict and not 1 <= number <= MAX_COUNT:
        return None
    return str(min(max(number, 1), MAX_COUNT))


class Catalogue:
    """Texts by (prompt id, language), loaded from one YAML file per language."""

    def __init__(self, texts: Mapping[tuple[str, str], PromptText],
                 namings: Mapping[tuple[str, str], PromptText] | None = None) -> None:
        self._texts = dict(texts)
        self._namings = dict(namings or {})

    @classmethod
    def load(cls, directory: Path = TEXTS_DIR) -> Catalogue:
        texts: dict[tuple[str, str], PromptText] = {}
        namings: dict[tuple[str, str], PromptText] = {}
        problems: list[str] = []
        for path in sorted(directory.glob("*.yaml")):
            entries, named = _read_language_file(path, problems)
            for entry in entries:
                texts[(entry.prompt_id, entry.language)] = entry
            for other, entry in named.items():
                namings[(entry.language, other)] = entry
        if problems:
            raise CatalogueError("; ".join(problems))
        return cls(texts, namings)

    def text(self, prompt_id: str, language: str) -> PromptText | None:
        return self._texts.get((prompt_id, language))

    def language_option_naming(self, spoken: str, named: str) -> PromptText | None:
        """`language_option` said in `spoken` but naming `named` ("ภาษาลาว กด 2" in
        Thai): what a menu plays for a language that falls back to another. The
        fallback's own option ("ภาษาไทย กด 2") would send a Lao caller to the wrong
        queue."""
        return self._namings.get((spoken, named))

    def languages(self) -> list[str]:
        return sorted({language for _, language in self._texts})

    def entries(self, language: str | None = None) -> list[PromptText]:
        return [entry for (_, lang), entry in self._texts.items()
                if language is None or lang == language]

    def find_prompt(self, language: str, text: str) -> str | None:
        """The prompt id whose sentence (with any parameters filled in) is `text`."""
        wanted = _squash(text)
        namings = list(self._namings.values())
        for entries in (self.entries(language), self.entries() + namings):
            matches = [(len(re.sub(r"{\w+}", "", template)), entry.prompt_id)
                       for entry in entries for template in filter(None, (entry.text, entry.one))
                       if _template_pattern(template).fullmatch(wanted)]
            if matches:
                # "To leave a voice message, press {digit}." also matches the two-option
                # sentence that starts the same way; the longest fixed wording is the one.
                return max(matches)[1]
        return None


def _read_language_file(path: Path, problems: list[str]
                        ) -> tuple[list[PromptText], dict[str, PromptText]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        problems.append(f"{path.name}: not valid YAML ({exc})")
        return [], {}
    language = raw.get("language") if isinstance(raw, Mapping) else None
    prompts = raw.get("prompts") if isinstance(raw, Mapping) else None
    namings = raw.get("language_option_naming", {}) if isinstance(raw, Mapping) else None
    if language != path.stem or not isinstance(prompts, Mapping) \
            or not isinstance(namings, Mapping):
        problems.append(f"{path.name}: expected language: {path.stem} and a prompts mapping")
        return [], {}
    entries = [entry for prompt_id, item in prompts.items()
               if (entry := _entry(f"{path.name}: {prompt_id}", prompt_id, language, item,
                                   problems))]
    named = {str(other): entry for other, item in namings.items()
             if (entry := _entry(f"{path.name}: language_option_naming.{other}",
                                 "language_option", language, item, problems))}
    return entries, named


def _entry(where: str, prompt_id: str, language: str, item: object,
           problems: list[str]) -> PromptText | None:
    if prompt_id not in PROMPTS:
        problems.append(f"{where}: not a prompt id")
        return None
    if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
        problems.append(f"{where}: expected text and reviewed")
        return None
    reviewed, reviewed_by = bool(item.get("reviewed", False)), item.get("reviewed_by")
    if reviewed and not reviewed_by:
        problems.append(f"{where}: reviewed: true needs reviewed_by (who approved it)")
    for template in filter(None, (item["text"], item.get("one"))):
        used = set(re.findall(r"{(\w+)}", template))
        if used != set(PROMPTS[prompt_id]):
            problems.append(f"{where}: placeholders {sorted(used)} but the prompt takes "
                            f"{list(PROMPTS[prompt_id])}")
    return PromptText(prompt_id=prompt_id, language=language,
                      text=" ".join(item["text"].split()),
                      spoken_in=str(item.get("spoken_in", language)), reviewed=reviewed,
                      reviewed_by=reviewed_by, one=item.get("one"))


def _squash(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=1024)
def _template_pattern(template: str) -> re.Pattern[str]:
    pieces = re.split(r"{\w+}", template)
    return re.compile("(.+?)".join(re.escape(piece) for piece in pieces))


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    return Catalogue.load()


def find_prompt(language: str, text: str) -> str | None:
    """Reverse lookup for the call simulator: which prompt is this spoken sentence?"""
    return default_catalogue().find_prompt(language, text)
