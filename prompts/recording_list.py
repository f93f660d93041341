"""What there is to record in one language, in the order a call plays it: every
(prompt id, value) a call of that language uses, except prompts that say a caller's
number, a day or a time (UNRECORDABLE_KINDS), with the text to read and whether a
recording of it exists (draft or reviewed). The browser's recording view and the phone
recording line both walk this list, so "the next unrecorded prompt" means the same in
both. No Flask, no database: it reads the configuration, the catalogue and one
PromptState."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from helpline.config import HelplineConfig
from prompts.catalogue import CLOCK, DAY, DIGITS, PARAM_KINDS, PROMPT_IDS, params_for
from prompts.coverage import checked_params
from prompts.resolver import PromptResolver
from prompts.state import DRAFT, REVIEWED, PromptState, variant_of


@dataclass(frozen=True)
class ToRecord:
    prompt_id: str
    variant: str                  # the value it says ("" for a prompt without one)
    params: Mapping[str, str]
    text: str | None              # what to read, in the language; None: no text yet
    english: str | None           # the English text, to translate when there is none
    recorded: bool                # a recording exists (draft or reviewed)
    reviewed: bool                # a reviewed recording exists

    @property
    def key(self) -> str:
        return ".".join(filter(None, (self.prompt_id, self.variant)))


# A recording says one value. Keys and counts up to 10 are a few values each, worth
# recording one by one; a caller's number, a day or a time are not: those prompts stay
# with TTS (or the fallback), and are left out of what there is to record.
UNRECORDABLE_KINDS = frozenset({DIGITS, DAY, CLOCK})


def recordable(prompt_id: str) -> bool:
    return not any(PARAM_KINDS[name] in UNRECORDABLE_KINDS for name in params_for(prompt_id))


def to_record(config: HelplineConfig, resolver: PromptResolver, state: PromptState,
              language: str) -> list[ToRecord]:
    items: list[ToRecord] = []
    for prompt_id in filter(recordable, PROMPT_IDS):
        for params in checked_params(config, prompt_id, language):
            variant = variant_of(params)
            own = resolver.text(state, prompt_id, language, language, reviewed=None)
            english = resolver.catalogue.text(prompt_id, "en")
            reviewed = state.recording(language, prompt_id, variant, REVIEWED) is not None
            items.append(ToRecord(
                prompt_id=prompt_id, variant=variant, params=dict(params),
                text=own.render(params) if own and own.spoken_in == language else None,
                english=english.render(params) if english else None,
                recorded=reviewed or state.recording(language, prompt_id, variant,
                                                     DRAFT) is not None,
                reviewed=reviewed))
    return items


def next_unrecorded(items: list[ToRecord], after: str | None = None) -> ToRecord | None:
    """The first unrecorded item after the one keyed `after` (wrapping round), or the
    first unrecorded of all; None when every one is recorded."""
    keys = [item.key for item in items]
    start = keys.index(after) + 1 if after in keys else 0
    for item in items[start:] + items[:start]:
        if not item.recorded:
            return item
    return None


def find(items: list[ToRecord], key: str | None) -> ToRecord | None:
    return next((item for item in items if item.key == key), None)
