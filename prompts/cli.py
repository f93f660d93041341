"""`helpline prompts render`, `check`, `export`, `import` and `reviewers`."""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import product
from pathlib import Path

import click

from helpline.config import HelplineConfig, load_config
from helpline.db import Database
from helpline.settings import load_settings
from prompts import AUDIO_DIR, recordings_dir, store
from prompts.catalogue import KEYS, PROMPT_IDS, params_for
from prompts.coverage import MISSING, coverage
from prompts.errors import PromptError, TtsError
from prompts.packs import PackError, export_pack, import_pack
from prompts.resolver import PromptResolver
from prompts.sources import TTS, TTS_REVIEWED
from prompts.state_source import DatabaseStateSource
from prompts.wiring import real_twilio

# Counts rendered ahead of time; other values are rendered on a caller's first request.
PRERENDERED_COUNTS = range(1, 11)
MENU_PROMPT_ACTIONS = {"menu_agent": "agent", "menu_voicemail": "voicemail",
                       "menu_callback": "callback", "menu_information": "information",
                       "menu_repeat": "repeat"}


@click.group()
def prompts() -> None:
    """Prompt audio: render text-to-speech, check every language can be served."""


def _database() -> Database:
    """The database with the audit key bound (every change here is audited)."""
    from helpline.services import build_services

    return build_services(load_settings()).db


def _resolver() -> tuple[HelplineConfig, PromptResolver]:
    from helpline.services import open_database

    settings = load_settings()
    config = load_config(settings.config_path)
    database = open_database(settings.database_url)
    return config, PromptResolver(config, audio_dir=AUDIO_DIR,
                                  cache_dir=settings.instance_dir / "prompt-cache",
                                  state_source=DatabaseStateSource(database, AUDIO_DIR),
                                  real_twilio=real_twilio(settings),
                                  recordings_dir=recordings_dir(settings.instance_dir))


def _announce_change() -> None:
    """Web processes' resolution caches follow the change within a second (Redis), or
    within their maximum age without Redis."""
    settings = load_settings()
    if not settings.redis_url:
        return
    try:
        from redis import Redis

        from prompts.freshness import PromptsVersion
    except ImportError:
        return
    PromptsVersion(Redis.from_url(settings.redis_url, socket_timeout=2)).bump()


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
                if found.stage not in (TTS, TTS_REVIEWED) or found.language != code:
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
        # When the next advisor comes on: a day and a time per call, rendered on demand.
        "day": [], "time": [],
    }
    return [dict(zip(names, combo, strict=True))
            for combo in product(*(values[name] for name in names))]


@prompts.command("check")
@click.option("--json", "as_json", is_flag=True, help="The coverage matrix as JSON.")
@click.option("--require-own-language", is_flag=True,
              help="Also exit 1 while a caller of a configured language would hear "
                   "another language anywhere (the cells are named).")
def check(as_json: bool, require_own_language: bool) -> None:
    """Coverage matrix; exit 1 if a configured language has a prompt nothing can play."""
    config, resolver = _resolver()
    report = coverage(config, resolver, require_own_language=require_own_language)
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
    own = [code for code, row in report["own_language"].items() if not row["ok"]]
    click.echo("\nhear another language somewhere: " + (", ".join(
        f"{code} ({len(report['own_language'][code]['other_language'])})" for code in own)
        or "nobody"))
    unreviewed = ", ".join(f"{code} {n}" for code, n in report["unreviewed"].items() if n)
    click.echo(f"unreviewed texts (need a native speaker's approval): {unreviewed or 'none'}")
    click.echo("ok: every configured language can be served" if report["ok"]
               else "NOT OK: see the problems below")


@prompts.command("export")
@click.option("--language", required=True, help="The language code to pack.")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def export(language: str, target: Path) -> None:
    """Write one language's texts, recordings and manifest to a zip."""
    config, resolver = _resolver()
    if language not in config.languages:
        click.echo(f"helpline prompts export: {language!r} is not a configured language",
                   err=True)
        sys.exit(1)
    manifest = export_pack(resolver, config, resolver.state(), language, target)
    recordings = sum(len(item["recordings"]) for item in manifest["prompts"])
    texts = sum("text" in item for item in manifest["prompts"])
    click.echo(f"wrote {target}: {language}, {texts} texts, {recordings} recordings")


@prompts.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="What was loaded, as JSON.")
def import_command(source: Path, as_json: bool) -> None:
    """Validate a prompt pack and load it (drafts, unless reviewed by a reviewer here)."""
    config, resolver = _resolver()
    try:
        with _database().session() as session:
            report = import_pack(session, resolver, config, source)
    except PackError as exc:
        for problem in exc.problems:
            click.echo(f"problem: {problem}", err=True)
        click.echo(f"helpline prompts import: nothing loaded from {source.name}", err=True)
        sys.exit(1)
    _announce_change()
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"loaded {source.name} ({report.language}): {report.recordings} recordings "
                   f"({report.reviewed_recordings} reviewed), {report.texts} texts "
                   f"({report.reviewed_texts} reviewed)")
    for note in report.reviews_not_kept:
        click.echo(f"note: {note}", err=True)


@prompts.group("reviewers")
def reviewers_group() -> None:
    """Who may approve prompts in which language."""


@reviewers_group.command("grant")
@click.option("--email", required=True)
@click.option("--language", required=True)
def reviewers_grant(email: str, language: str) -> None:
    """Allow a staff member (speaking the language at 4+) to review its prompts."""
    config, _ = _resolver()
    if language not in config.languages:
        click.echo(f"helpline prompts reviewers grant: {language!r} is not a configured "
                   f"language", err=True)
        sys.exit(1)
    try:
        with _database().session() as session:
            staff = store.staff_by_email(session, email)
            if staff is None:
                raise store.ReviewError("no_such_staff", f"no staff member {email}")
            store.grant_reviewer(session, staff=staff, language=language, granted_by_id=None)
    except store.ReviewError as exc:
        click.echo(f"helpline prompts reviewers grant: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{email} reviews {language}")


@reviewers_group.command("list")
def reviewers_list() -> None:
    with _database().session() as session:
        for grant, staff in store.reviewers(session):
            click.echo(f"{grant.language}\t{staff.email}")


commands = [prompts]
