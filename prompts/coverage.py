"""The coverage matrix: for each configured language and prompt id, how a caller hears
it — recorded / tts / say / fallback:<lang> / missing — and what must be fixed.

A language is served when every prompt resolves for it, counting the fallback of every
line that offers it. `helpline prompts check` exits 1 otherwise; the admin page shows
the same dict.
"""

from __future__ import annotations

from typing import Any

from helpline.config import HelplineConfig
from prompts import twilio_say
from prompts.catalogue import PROMPT_IDS, SAMPLE_PARAMS, params_for
from prompts.errors import PromptUnavailable
from prompts.resolver import PromptResolver, Resolution

MISSING = "missing"


def coverage(config: HelplineConfig, resolver: PromptResolver) -> dict[str, Any]:
    rows: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for code in config.languages:
        line_fallbacks = _line_fallbacks(config, code)
        row: dict[str, str] = {}
        for prompt_id in PROMPT_IDS:
            row[prompt_id] = _cell(resolver, prompt_id, code, line_fallbacks)
        rows[code] = row
        missing = [prompt_id for prompt_id, cell in row.items() if cell == MISSING]
        if missing:
            problems.append(f"{code}: {len(missing)} prompt(s) nothing can play "
                            f"({', '.join(missing[:4])}{', …' if len(missing) > 4 else ''}); "
                            f"{_fix_for(config, resolver, code)}")
    return {
        "ok": not problems,
        "prompt_ids": list(PROMPT_IDS),
        "languages": rows,
        "problems": problems,
        "warnings": _warnings(config, resolver),
        "unreviewed": {code: sum(not entry.reviewed for entry in resolver.catalogue.entries(code))
                       for code in config.languages},
    }


def _cell(resolver: PromptResolver, prompt_id: str, code: str,
          line_fallbacks: list[str | None]) -> str:
    params = {name: SAMPLE_PARAMS[name] for name in params_for(prompt_id)}
    for line_fallback in line_fallbacks:
        try:
            found: Resolution = resolver.explain(prompt_id, code, params,
                                                 line_fallback=line_fallback)
        except PromptUnavailable:
            continue
        # A dialect's own row spoken by the Burmese voice is still that row, not a fallback.
        return found.stage if found.language == code else f"fallback:{found.language}"
    return MISSING


def _line_fallbacks(config: HelplineConfig, code: str) -> list[str | None]:
    """Without a line first (the language on its own), then each line offering it."""
    fallbacks: list[str | None] = [None]
    for number in config.numbers:
        if code in number.languages and number.fallback_language not in fallbacks:
            fallbacks.append(number.fallback_language)
    return fallbacks


def _fix_for(config: HelplineConfig, resolver: PromptResolver, code: str) -> str:
    return (f"record prompts/audio/{code}/<prompt_id>.wav (the admin page's prompt upload), "
            f"or set languages.{code}.espeak_voice / twilio_say_language to a voice that "
            f"speaks it, or languages.{code}.fallback to a language callers understand")


def _warnings(config: HelplineConfig, resolver: PromptResolver) -> list[str]:
    warnings = []
    for code, language in config.languages.items():
        if language.twilio_say_language and not twilio_say.can_say(language.twilio_say_language):
            warnings.append(f"{code}: twilio_say_language {language.twilio_say_language!r} is "
                            f"ignored: Twilio's <Say> has no voice for it")
        if language.espeak_voice and not resolver.engine.has_voice(language.espeak_voice):
            warnings.append(f"{code}: espeak_voice {language.espeak_voice!r} is ignored: "
                            f"espeak-ng here has no such voice")
    return warnings
