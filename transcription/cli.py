"""`helpline transcribe FILE --language LANG [--json]`: transcribe a file by hand.

Every failure is one line on stderr and exit status 1 — never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from helpline.settings import load_settings


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--language", "-l", required=True, help="Language code, e.g. ko.")
@click.option("--json", "as_json", is_flag=True, help="JSON with words, timings, confidences.")
@click.option("--grammar", default=None,
              help="Limit recognition to these comma-separated words or phrases.")
def transcribe(file: Path, language: str, as_json: bool, grammar: str | None) -> None:
    """Transcribe FILE (WAV, mu-law WAV or MP3) offline with the language's engine
    (Vosk or Whisper, as the configuration says). Whisper's text is a draft; the JSON
    says so, and why the guard rejected it if it did."""
    # Imported here: every `helpline` command loads this module; most never decode audio.
    from recordings.audio import decode
    from recordings.errors import AudioError
    from transcription.errors import EngineUnavailable
    from transcription.registry import HUMAN, WHISPER, ModelRegistry
    from transcription.whisper_model import WhisperModelError

    registry = ModelRegistry.from_settings(load_settings())
    choice = registry.choice(language)
    if choice == HUMAN:
        _fail(f"no speech engine for language {language!r} (machine-transcribed: "
              f"{', '.join(registry.languages()) or 'none'}); set VOSK_MODELS or "
              "transcription.engines in the configuration to add one, "
              "or use the console's human-transcription queue")
    if choice == WHISPER and grammar:
        _fail(f"--grammar limits Vosk's recognition; {language!r} is transcribed by Whisper")
    if not file.exists():
        _fail(f"{file}: no such file")
    if file.is_dir():
        _fail(f"{file}: is a folder, not an audio file")
    try:
        decoded = decode(file)
    except AudioError as exc:
        _fail(f"{file}: {exc.message} ({exc.code})")
    try:
        engine = registry.engine(language)
    except (EngineUnavailable, WhisperModelError) as exc:
        _fail(f"{language!r} is configured for {choice}, which cannot run here: {exc}")
    assert engine is not None
    phrases = [p.strip() for p in grammar.split(",") if p.strip()] if grammar else None
    results = {}
    labels = ("caller", "agent") if len(decoded.channels) >= 2 else ("mono",)
    for label, pcm in zip(labels, decoded.channels, strict=False):
        results[label] = engine.transcribe(pcm, decoded.sample_rate, grammar=phrases)
    if as_json:
        click.echo(json.dumps({"file": str(file), "language": language,
                               "channels": {k: v.to_json() for k, v in results.items()}},
                              ensure_ascii=False, indent=2))
        return
    for label, result in results.items():
        prefix = f"[{label}] " if len(results) > 1 else ""
        click.echo(prefix + result.text)


def _fail(message: str) -> None:
    click.echo(f"helpline transcribe: {message}", err=True)
    sys.exit(1)


commands = [transcribe]
