"""`helpline prompts render` and `helpline prompts check`."""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import product

import click

from helpline.config import HelplineConfig, load_config
from helpline.settings import load_settings
from prompts import AUDIO_DIR
from prompts.catalogue import KEYS, PROMPT_IDS, params_for
from prompts.coverage import MISSING, coverage
from prompts.errors import PromptError, TtsError
from prompts.resolver import TTS, PromptResolver

# Counts rendered ahead of time; other values are rendered on a caller's first request.
PRERENDERED_COUNTS = range(1, 11)
MENU_PROMPT_ACTIONS = {"menu_agent": "agent", "menu_voicemail": "voicemail",
                       "menu_callback": "callback", "menu_information": "information",
                       "menu_repeat": "repeat"}


@click.group()
def prompts() -> None:
    """Prompt audio: render text-to-speech, check every language can be served."""


def _resolver() -> tuple[HelplineConfig, PromptResolver]:
    settings = load_settings()
    config = load_config(settings.config_path)
    return config, PromptResolver(config, audio_dir=AUDIO_DIR,
                                  cache_dir=settings.instance_dir / "prompt-cache")


@prompts.command("render")
@click.option("--language", "only", default=None, help="Only this language code.")
@click.option("--prompt", "prompt_only", default=None, help="Only this prompt id.")
def render(only: str | None, prompt_only: str | None) -> None:
    """Render every prompt espeak-ng can speak into the cache (unchanged ones are skipped)."""
    config, resolver = _resolver()
    if only is not None and only not in config.languages:
        click.echo(f"helpline prompts render: {only!r} is not a configured language", err=True)
        sys.exit(1)
    if prompt_only is not None and prompt_only not in PROMPT_IDS:
        click.echo(f"helpline prompts render: {prompt_only!r} is not a prompt id", err=True)
        sys.exit(1)
    started, skipped, todo = time.monotonic(), 0, []
    for code in [only] if only else list(config.languages):
        for prompt_id in [prompt_only] if prompt_only else PROMPT_IDS:
            for params in _params_worth_rendering(config, prompt_id):
                try:
                    found = resolver.explain(prompt_id, code, params)
                except PromptError:
                    continue  # a language nothing speaks is for `check` to report
                if found.stage != TTS or found.language != code:
                    continue  # recorded, <Say>, or another language's rendering
                if resolver.is_rendered(code, prompt_id, params):
                    skipped += 1
                else:
                    todo.append((code, prompt_id, params))
    # Each rendering waits on espeak-ng and ffmpeg processes: one thread per core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        errors = [error for error in pool.map(lambda job: _render(resolver, *job), todo)
                  if error]
    for error in errors:
        click.echo(f"  {error}", err=True)
    rendered, failed = len(todo) - len(errors), len(errors)
    click.echo(f"rendered {rendered}, already cached {skipped}, failed {failed} "
               f"in {time.monotonic() - started:.1f} s → {resolver.tts.cache_dir}")
    if failed:
        sys.exit(1)


def _render(resolver: PromptResolver, code: str, prompt_id: str,
            params: dict[str, str]) -> str | None:
    try:
        resolver.audio_file(code, prompt_id, params, "wav")
    except TtsError as exc:
        return f"{code}/{prompt_id} {params or ''}: {exc}"
    return None


def _params_worth_rendering(config: HelplineConfig, prompt_id: str) -> list[dict[str, str]]:
    """The values a call will actually use: menu keys, the finish key, small counts."""
    names = params_for(prompt_id)
    if not names:
        return [{}]
    action = MENU_PROMPT_ACTIONS.get(prompt_id)
    menu_keys = {option.key for option in config.main_menu
                 if action is None or option.action == action}
    language_keys = {str(i) for i in range(1, 1 + max((len(n.menu) for n in config.numbers),
                                                      default=0))}
    values: dict[str, list[str]] = {
        "digit": sorted((language_keys if prompt_id == "language_option" else menu_keys)
                        & KEYS),
        "key": [config.voicemail.finish_on_key],
        "position": [str(n) for n in PRERENDERED_COUNTS],
        "minutes": [str(n) for n in PRERENDERED_COUNTS],
        "last_digits": [],  # one per caller: rendered on demand only
    }
    return [dict(zip(names, combo, strict=True))
            for combo in product(*(values[name] for name in names))]


@prompts.command("check")
@click.option("--json", "as_json", is_flag=True, help="The coverage matrix as JSON.")
def check(as_json: bool) -> None:
    """Coverage matrix; exit 1 if a configured language has a prompt nothing can play."""
    config, resolver = _resolver()
    report = coverage(config, resolver)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_matrix(report)
    for warning in report["warnings"]:
        click.echo(f"warning: {warning}", err=True)
    for problem in report["problems"]:
        click.echo(f"problem: {problem}", err=True)
    if not report["ok"]:
        sys.exit(1)


def _print_matrix(report: dict) -> None:  # type: ignore[type-arg]
    ids = report["prompt_ids"]
    width = max(len(prompt_id) for prompt_id in ids)
    languages = list(report["languages"])
    cell = max(11, *(len(c) for row in report["languages"].values() for c in row.values()))
    click.echo(" " * width + "  " + " ".join(code.ljust(cell) for code in languages))
    for prompt_id in ids:
        cells = [report["languages"][code][prompt_id] for code in languages]
        click.echo(prompt_id.ljust(width) + "  " + " ".join(
            (c.upper() if c == MISSING else c).ljust(cell) for c in cells))
    unreviewed = ", ".join(f"{code} {n}" for code, n in report["unreviewed"].items() if n)
    click.echo(f"\nunreviewed texts (need a native speaker's approval): {unreviewed or 'none'}")
    click.echo("ok: every configured language can be served" if report["ok"]
               else "NOT OK: see the problems below")


commands = [prompts]
