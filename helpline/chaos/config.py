"""The configuration a chaos stack runs with: the demo lines, plus a Korean test line
(Korean is the one language with a real Vosk model here, so its voicemails are
machine-transcribed; every other language goes to people), plus any `reliability:`
overrides a scenario needs to fit its time budget.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml

from helpline import config as helpline_config
from helpline.settings import DEMO_CONFIG

KOREAN_LINE = "+661800000198"
INDONESIAN_LINE = "+601800881010"
NEPALI_LINE = "+661800000104"
KOREAN = {"name": "Korean", "native_name": "한국어", "espeak_voice": "ko", "fallback": "en"}


def reliability_defaults() -> dict[str, int]:
    """The configuration's `reliability:` defaults ({} before the section exists)."""
    section = getattr(helpline_config, "Reliability", None)
    if section is None:
        return {}
    return {item.name: int(item.default) for item in dataclasses.fields(section)
            if isinstance(item.default, int)}


def write_config(path: Path, reliability: dict[str, int]) -> tuple[Path, dict[str, int]]:
    """Writes the YAML; returns its path and the reliability settings in force."""
    raw: dict[str, Any] = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    raw["languages"]["ko"] = dict(KOREAN)
    raw["numbers"].append({"number": KOREAN_LINE, "name": "Korean test line", "country": "TH",
                           "language": "ko"})
    defaults = reliability_defaults()
    unknown = set(reliability) - set(defaults)
    if unknown:
        raise ValueError(f"this helpline has no reliability setting(s) {sorted(unknown)}")
    if reliability:
        raw["reliability"] = dict(reliability)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path, {**defaults, **reliability}
