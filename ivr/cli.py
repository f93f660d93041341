"""`helpline twilio fallback-twiml --number N`: what Twilio plays when the helpline is down.

Paste the printed document into a TwiML Bin and set it as the number's Voice Fallback
URL: if the app cannot answer at all (deploy, crash, network), Twilio still apologises
in the line's language and records a voicemail. The recording stays at Twilio; its
status callback — or, while the app is unreachable, the recovery sweep — takes it in
and opens its ticket. It is the same apology the app itself gives (ivr.domain.apology).
"""

from __future__ import annotations

import click

from helpline.config import load_config
from helpline.settings import load_settings
from ivr import domain


@click.group("twilio")
def twilio_group() -> None:
    """Documents to configure on Twilio's side."""


@twilio_group.command("fallback-twiml")
@click.option("--number", required=True, help="The helpline number (E.164) it is for.")
def fallback_twiml(number: str) -> None:
    """Print the Voice Fallback TwiML for NUMBER: apology and voicemail in its language."""
    from ivr.views import render_at
    from prompts import AUDIO_DIR
    from prompts.resolver import PromptResolver

    settings = load_settings()
    config = load_config(settings.config_path)
    line = config.number(number)
    if line is None:
        raise click.ClickException(f"{number} is not one of the configured numbers")
    if not settings.public_base_url:
        raise click.ClickException("PUBLIC_BASE_URL is not set: set it to the https address "
                                   "Twilio reaches the helpline at")
    resolver = PromptResolver(config, audio_dir=AUDIO_DIR,
                              cache_dir=settings.instance_dir / "prompt-cache")
    decision = domain.apology(line.fallback_language,
                              max_seconds=config.voicemail.max_length_seconds,
                              finish_key=config.voicemail.finish_on_key)
    click.echo(render_at(decision, base=settings.public_base_url.rstrip("/"),
                         resolver=resolver, line_fallback=line.fallback_language))


commands = [twilio_group]
