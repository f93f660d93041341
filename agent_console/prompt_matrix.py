"""The prompt coverage matrix for the admin page: prompt id × language → recorded,
synthesised (TTS) or missing. The catalogue belongs to the `prompts` package; this
module only reads it, and falls back to the recorded files on disk while that
package is not installed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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


def coverage_matrix(config: HelplineConfig, root: Path) -> CoverageMatrix:
    languages = list(config.languages)
    matrix = CoverageMatrix(languages=languages, prompt_ids=[])
    ids: set[str] = set()
    for language in languages:
        folder = root / language
        if folder.is_dir():
            for path in folder.glob("*.wav"):
                ids.add(path.stem)
                matrix.cells[(path.stem, language)] = "recorded"
    matrix.prompt_ids = sorted(ids)
    return matrix
