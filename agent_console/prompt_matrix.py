"""The prompt coverage matrix for the admin page: prompt id × language → recorded,
synthesised (TTS) or missing. The catalogue belongs to the `prompts` package; this
module only reads it, and falls back to the recorded files on disk while that
package is not installed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpline.config import HelplineConfig
from helpline.settings import PROJECT_ROOT


@dataclass
class CoverageMatrix:
    languages: list[str]
    prompt_ids: list[str]
    cells: dict[tuple[str, str], str] = field(default_factory=dict)  # (id, lang) → state
    texts: dict[str, str] = field(default_factory=dict)  # id → English text, when known
    source: str = "files"

    def state(self, prompt_id: str, language: str) -> str:
        return self.cells.get((prompt_id, language), "missing")


def prompt_audio_root() -> Path:
    try:
        import prompts

        root = getattr(prompts, "AUDIO_DIR", None)
        if root is not None:
            return Path(root)
    except ImportError:
        pass
    return PROJECT_ROOT / "prompts" / "audio"


def coverage_matrix(config: HelplineConfig, root: Path, resolver: Any = None) -> CoverageMatrix:
    """`resolver`: the prompts package's PromptResolver (its catalogue and how each cell
    is heard); recorded files under `root` are overlaid, so a fresh upload shows at once."""
    languages = list(config.languages)
    matrix = CoverageMatrix(languages=languages, prompt_ids=[])
    ids: set[str] = set()
    if resolver is not None:
        from prompts.coverage import coverage

        found = coverage(config, resolver)
        ids.update(found["prompt_ids"])
        for language, row in found["languages"].items():
            for prompt_id, state in row.items():
                matrix.cells[(prompt_id, language)] = state
        matrix.source = "catalogue"
    for language in languages:
        folder = root / language
        if folder.is_dir():
            for path in folder.glob("*.wav"):
                ids.add(path.stem)
                matrix.cells[(path.stem, language)] = "recorded"
    matrix.prompt_ids = sorted(ids) if matrix.source == "files" else [
        *found["prompt_ids"], *sorted(ids - set(found["prompt_ids"]))]
    return matrix
