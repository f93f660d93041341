"""Builds the app's prompt resolver: hand-placed recordings from the package, stored
ones from the instance folder (or PROMPT_AUDIO_DIR in tests), the review state from the
database, Twilio voices only on a real Twilio account."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from helpline.settings import LOCAL_ACCOUNT_SID, Settings
from prompts import AUDIO_DIR, recordings_dir
from prompts.resolver import PromptResolver
from prompts.state_source import DatabaseStateSource


def build_resolver(app: Flask) -> PromptResolver:
    svc = app.extensions["helpline"]
    stored = Path(app.config.get("PROMPT_AUDIO_DIR") or recordings_dir(svc.settings.instance_dir))
    return PromptResolver(
        svc.config, audio_dir=AUDIO_DIR, cache_dir=svc.settings.instance_dir / "prompt-cache",
        state_source=DatabaseStateSource(svc.db, AUDIO_DIR),
        real_twilio=real_twilio(svc.settings), recordings_dir=stored)


def real_twilio(settings: Settings) -> bool:
    """A real Twilio account answers the calls: not the stand-in (TWILIO_API_BASE) and not
    a local stack that only receives the stand-in's webhooks (no account configured)."""
    return settings.twilio_api_base is None and settings.twilio_account_sid != LOCAL_ACCOUNT_SID
