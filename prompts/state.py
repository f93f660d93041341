"""The stored state prompt resolution depends on, as one immutable value. Pure.

`PromptState` holds every recording and every stored text (an approval of a catalogue
text, or a draft text from an imported pack) that is draft or reviewed, plus `version`:
the store's counter, bumped in the same transaction as every upload, recording, review
and import (`prompts.store.bump_version`). Resolution is a function of (configuration,
catalogue, this state), so a cache of resolutions stays right while it keys on
`state.version` (or drops everything when `prompts.store.state_version` moves).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DRAFT, REVIEWED = "draft", "reviewed"
SUPERSEDED = "superseded"  # a draft or reviewed item a newer one replaced (kept for audit)
STATES = (DRAFT, REVIEWED, SUPERSEDED)

# Keypad keys as they appear in a recording's name: language_option.2, voicemail_prompt.hash
KEY_NAMES = {"*": "star", "#": "hash"}


@dataclass(frozen=True)
class RecordingRef:
    language: str
    prompt_id: str
    variant: str          # the parameter values it says, e.g. "2"; "" for a prompt without
    state: str            # draft / reviewed
    file: str             # path under the audio directory
    version: str          # changes with the audio (sha256 prefix): the URL's ?v=
    item_id: int | None = None   # None: a file placed on disk by hand (counts as a draft)
    recorded_by: str | None = None
    reviewed_by: str | None = None


@dataclass(frozen=True)
class TextRef:
    language: str
    prompt_id: str
    state: str
    text: str
    one: str | None = None
    item_id: int | None = None
    by: str | None = None  # the reviewer (reviewed) or the author (draft)


@dataclass(frozen=True)
class PromptState:
    version: int = 0
    recordings: Mapping[tuple[str, str, str, str], RecordingRef] = field(default_factory=dict)
    texts: Mapping[tuple[str, str, str], TextRef] = field(default_factory=dict)

    def recording(self, language: str, prompt_id: str, variant: str,
                  state: str) -> RecordingRef | None:
        return self.recordings.get((language, prompt_id, variant, state))

    def text(self, language: str, prompt_id: str, state: str) -> TextRef | None:
        return self.texts.get((language, prompt_id, state))


def variant_of(params: Mapping[str, str]) -> str:
    """The parameter values a recording says, in the order of their names."""
    return ".".join(KEY_NAMES.get(value, value) for _, value in sorted(params.items()))


def with_recordings(state: PromptState, extra: Mapping[tuple[str, str, str, str],
                                                         RecordingRef]) -> PromptState:
    """`state` plus `extra` recordings where `state` has none for that key."""
    return PromptState(version=state.version, recordings={**extra, **state.recordings},
                       texts=state.texts)
