"""Builders shared by the prompts tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from helpline.config import HelplineConfig, parse_config

ROOT = Path(__file__).parents[2]
DEMO_CONFIG = ROOT / "helpline" / "demo_config.yaml"


def make_config(*, languages: dict[str, dict[str, Any]],
                numbers: list[dict[str, Any]] | None = None) -> HelplineConfig:
    first = next(iter(languages))
    return parse_config({
        "languages": {code: {"name": code, "native_name": code, **details}
                      for code, details in languages.items()},
        "numbers": numbers or [{"number": "+661800000101", "name": "line", "country": "TH",
                                "language": first}],
    })


def demo_config_text_with_khmer_fallback() -> str:
    """The demo configuration with the Khmer fallback this package's report proposes
    (Twilio has no Khmer <Say> voice); unchanged once the demo file has a km fallback."""
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    return re.sub(r"(\n  km:\s*\{(?![^}]*fallback)[^}]*)\}", r"\1, fallback: th}", text)
