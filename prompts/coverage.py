"""The coverage matrix: for each configured language and prompt id, what a caller hears
now — `recorded_reviewed` / `twilio_voice` / `tts_reviewed` / `recorded` (a draft) /
`tts` (espeak-ng of a draft text) / `say` / `fallback:<lang>` (another language's
words) / `missing` / `unused` (no line of the configuration plays it in this language).

A cell is judged at every value a call uses it with: the key each line's language menu
gives the language, the main menu's keys, the voicemail finish key, queue positions
and waits 1-10; a callback's number, a day and a time at one sample value each (a
recording says one value, so a language without its own TTS hears its fallback for the
values nobody recorded). The cell shows the worst of those values.

A language is served when every prompt resolves for it, counting the fallback of every
line that offers it. `helpline prompts check` exits 1 otherwise, and with
`--require-own-language` also while a caller of a configured language would hear
another language anywhere. The admin page shows the same dict.
"""

from __future__ import annotations

from typing import Any

from helpline.config import HelplineConfig
from prompts import sources, twilio_say
from prompts.catalogue import PROMPT_IDS, SAMPLE_PARAMS, params_for
from prompts.errors import PromptUnavailable
from prompts.resolver import PromptResolver, Resolution
from prompts.state import PromptState

MISSING, UNUSED, FALLBACK = "missing", "unused", "fallback"
# Best first: a cell shows the worst of its values.
RANK = {**{source: rank for rank, source in enumerate(sources.SOURCES)},
        FALLBACK: len(sources.SOURCES), MISSING: len(sources.SOURCES) + 1}
MENU_PROMPT_ACTIONS = {"menu_agent": "agent", "menu_voicemail": "voicemail",
                       "menu_callback": "callback", "menu_information": "information",
                       "menu_repeat": "repeat"}
COUNTS_CHECKED = tuple(str(n) for n in range(1, 11))


def coverage(config: HelplineConfig, resolver: PromptResolver, *,
             require_own_language: bool = False,
             state: PromptState | None = None) -> dict[str, Any]:
    snapshot = state if state is not None else resolver.state()
    rows: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    own: dict[str, dict[str, Any]] = {}
    for code in config.languages:
        line_fallbacks = _line_fallbacks(config, code)
        row = {prompt_id: _cell(resolver, snapshot, config, prompt_id, code, line_fallbacks)
               for prompt_id in PROMPT_IDS}
        rows[code] = row
        missing = [prompt_id for prompt_id, cell in row.items() if cell == MISSING]
        if missing:
            problems.append(f"{code}: {len(missing)} prompt(s) nothing can play "
                            f"({', '.join(missing[:4])}{', …' if len(missing) > 4 else ''}); "
                            f"{_fix_for(code)}")
        other = [prompt_id for prompt_id, cell in row.items()
                 if cell == MISSING or cell.startswith(FALLBACK)]
        own[code] = {"ok": not other, "other_language": other,
                     "hears": _tally(row)}
        if require_own_language and other:
            cells = ", ".join(f"{code}/{pid} ({row[pid]})" for pid in other)
            problems.append(f"{code}: callers hear another language in {len(other)} "
                            f"prompt(s): {cells}")
    return {
        "ok": not problems,
        "prompt_ids": list(PROMPT_IDS),
        "languages": rows,
        "own_language": own,
        "state_version": snapshot.version,
        "problems": problems,
        "warnings": _warnings(config, resolver),
        "unreviewed": {code: _unreviewed_texts(resolver, snapshot, code)
                       for code in config.languages},
    }


def checked_params(config: HelplineConfig, prompt_id: str, code: str) -> list[dict[str, str]]:
    """The parameter values a call plays `prompt_id` with for a caller of `code`
    (empty: no call plays it in this language)."""
    names = params_for(prompt_id)
    if not names:
        return [{}]
    if prompt_id == "language_option":
        keys = sorted({str(number.menu.index(code) + 1) for number in config.numbers
                       if code in number.menu and len(number.menu) > 1})
        return [{"digit": key} for key in keys]
    if prompt_id in MENU_PROMPT_ACTIONS:
        action = MENU_PROMPT_ACTIONS[prompt_id]
        return [{"digit": option.key} for option in config.main_menu if option.action == action]
    if prompt_id == "voicemail_prompt":
        return [{"key": config.voicemail.finish_on_key}]
    if names in (("position",), ("minutes",)):
        return [{names[0]: count} for count in COUNTS_CHECKED]
    return [{name: SAMPLE_PARAMS[name] for name in names}]


def _cell(resolver: PromptResolver, state: PromptState, config: HelplineConfig,
          prompt_id: str, code: str, line_fallbacks: list[str | None]) -> str:
    values = checked_params(config, prompt_id, code)
    if not values:
        return UNUSED
    return max((_heard(resolver, state, prompt_id, code, params, line_fallbacks)
                for params in values), key=lambda cell: RANK[cell.split(":")[0]])


def _heard(resolver: PromptResolver, state: PromptState, prompt_id: str, code: str,
           params: dict[str, str], line_fallbacks: list[str | None]) -> str:
    for line_fallback in line_fallbacks:
        try:
            found: Resolution = resolver.explain(prompt_id, code, params,
                                                 line_fallback=line_fallback, state=state)
        except PromptUnavailable:
            continue
        # What counts is the language of the words: a dialect's menu option written in
        # Burmese is Burmese to its caller.
        spoken = found.utterance.language
        return found.stage if spoken == code else f"{FALLBACK}:{spoken}"
    return MISSING


def _tally(row: dict[str, str]) -> dict[str, int]:
    tally: dict[str, int] = {}
    for cell in row.values():
        key = cell.split(":")[0]
        tally[key] = tally.get(key, 0) + 1
    return tally


def _unreviewed_texts(resolver: PromptResolver, state: PromptState, code: str) -> int:
    return sum(1 for prompt_id in PROMPT_IDS
               if resolver.text(state, prompt_id, code, code, reviewed=None) is not None
               and resolver.text(state, prompt_id, code, code, reviewed=True) is None)


def _line_fallbacks(config: HelplineConfig, code: str) -> list[str | None]:
    """Without a line first (the language on its own), then each line offering it."""
    fallbacks: list[str | None] = [None]
    for number in config.numbers:
        if code in number.languages and number.fallback_language not in fallbacks:
            fallbacks.append(number.fallback_language)
    return fallbacks


def _fix_for(code: str) -> str:
    return (f"record the prompts for {code} (Admin → Prompts, or install a prompt pack: "
            f"helpline prompts import), or set languages.{code}.espeak_voice / "
            f"twilio_say_language to a voice that speaks it, or languages.{code}.fallback "
            f"to a language callers understand")


def _warnings(config: HelplineConfig, resolver: PromptResolver) -> list[str]:
    warnings = []
    for code, language in config.languages.items():
        if language.twilio_say_language and not twilio_say.can_say(language.twilio_say_language):
            warnings.append(f"{code}: twilio_say_language {language.twilio_say_language!r} is "
                            f"ignored: Twilio's <Say> has no voice for it")
        if language.espeak_voice and not resolver.engine.has_voice(language.espeak_voice):
            warnings.append(f"{code}: espeak_voice {language.espeak_voice!r} is ignored: "
                            f"espeak-ng here has no such voice")
        if language.twilio_voice and not resolver.real_twilio:
            warnings.append(f"{code}: twilio_voice {language.twilio_voice!r} is not used: "
                            f"TWILIO_API_BASE points at the local stand-in")
    return warnings
