"""The prompt matrix for Admin → Prompts: per prompt id × language, what a caller hears
now (the prompts package's coverage: recorded·reviewed / recorded / TTS / Twilio voice /
another language's fallback / missing / not played), and what a reviewer of the language
can approve there: draft recordings (one per value the call uses) and the draft text."""

from __future__ import annotations

from dataclasses import dataclass, field

from helpline.config import HelplineConfig
from prompts.catalogue import PROMPT_IDS, PromptText
from prompts.coverage import checked_params, coverage
from prompts.resolver import PromptResolver
from prompts.sources import HEARD_LABELS
from prompts.state import DRAFT, REVIEWED, PromptState, RecordingRef, variant_of


@dataclass
class Cell:
    heard: str                                   # the coverage state, e.g. fallback:my
    variants: list[str] = field(default_factory=list)   # values the call plays it with
    drafts: list[RecordingRef] = field(default_factory=list)
    reviewed: list[RecordingRef] = field(default_factory=list)
    text: PromptText | None = None               # the text callers' TTS reads (best)
    text_reviewed: bool = False

    @property
    def kind(self) -> str:
        return self.heard.split(":")[0]

    @property
    def label(self) -> str:
        if self.kind == "fallback":
            return f"another language's fallback ({self.heard.split(':')[1]})"
        return HEARD_LABELS.get(self.heard, {"missing": "missing",
                                             "unused": "not played"}.get(self.heard,
                                                                          self.heard))


@dataclass
class CoverageMatrix:
    languages: list[str]
    prompt_ids: list[str]
    cells: dict[tuple[str, str], Cell]
    texts: dict[str, str]            # prompt id → the English text, for orientation
    state_version: int

    def cell(self, prompt_id: str, language: str) -> Cell:
        return self.cells[(prompt_id, language)]

    def state(self, prompt_id: str, language: str) -> str:
        return self.cells[(prompt_id, language)].heard


def coverage_matrix(config: HelplineConfig, resolver: PromptResolver) -> CoverageMatrix:
    state = resolver.state()
    report = coverage(config, resolver, state=state)
    cells: dict[tuple[str, str], Cell] = {}
    for code in config.languages:
        for prompt_id in PROMPT_IDS:
            cells[(prompt_id, code)] = _cell(config, resolver, state, prompt_id, code,
                                             report["languages"][code][prompt_id])
    english = {pid: entry.text for pid in PROMPT_IDS
               if (entry := resolver.catalogue.text(pid, "en")) is not None}
    return CoverageMatrix(languages=list(config.languages), prompt_ids=list(PROMPT_IDS),
                          cells=cells, texts=english, state_version=state.version)


def _cell(config: HelplineConfig, resolver: PromptResolver, state: PromptState,
          prompt_id: str, code: str, heard: str) -> Cell:
    refs = [ref for (lang, pid, _, _), ref in sorted(state.recordings.items())
            if lang == code and pid == prompt_id]
    return Cell(
        heard=heard,
        variants=[variant_of(params) for params in checked_params(config, prompt_id, code)],
        drafts=[ref for ref in refs if ref.state == DRAFT],
        reviewed=[ref for ref in refs if ref.state == REVIEWED],
        text=resolver.text(state, prompt_id, code, code, reviewed=None),
        text_reviewed=resolver.text(state, prompt_id, code, code, reviewed=True) is not None)
