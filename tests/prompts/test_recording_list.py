"""What there is to record in a language: every value a call uses, in call order, the
language's own text, never a prompt that says a caller's number or a time, and "the
next unrecorded" skipping what a draft or reviewed recording already covers."""

from __future__ import annotations

from helpline.config import load_config
from helpline.settings import DEMO_CONFIG
from prompts.recording_list import find, next_unrecorded, to_record
from prompts.resolver import PromptResolver
from prompts.state import DRAFT, REVIEWED, PromptState, RecordingRef


def items_for(tmp_path, language: str, state: PromptState | None = None):
    config = load_config(DEMO_CONFIG)
    resolver = PromptResolver(config, audio_dir=tmp_path / "audio", cache_dir=tmp_path / "c")
    return to_record(config, resolver, state or PromptState(), language)


def ref(language: str, prompt_id: str, variant: str, state: str) -> RecordingRef:
    return RecordingRef(language, prompt_id, variant, state, file="x.wav", version="v")


def test_lao_starts_with_its_own_menu_option_and_leaves_out_free_values(tmp_path):
    items = items_for(tmp_path, "lo")
    keys = [item.key for item in items]
    assert keys[:3] == ["language_option.2", "welcome", "no_input"]
    assert "queue_position.10" in keys and "voicemail_prompt.hash" in keys
    assert not any(key.startswith(("callback_confirm_number", "next_advisor_at",
                                   "callback_from")) for key in keys)
    welcome = find(items, "welcome")
    assert welcome is not None and welcome.text and welcome.english
    assert welcome.text != welcome.english            # Lao's own text, not English


def test_a_language_without_a_menu_option_has_none_to_record(tmp_path):
    assert items_for(tmp_path, "km")[0].key == "welcome"


def test_the_next_unrecorded_skips_drafts_and_reviewed_and_wraps_round(tmp_path):
    state = PromptState(recordings={
        ("lo", "language_option", "2", REVIEWED): ref("lo", "language_option", "2", REVIEWED),
        ("lo", "welcome", "", DRAFT): ref("lo", "welcome", "", DRAFT)})
    items = items_for(tmp_path, "lo", state)
    assert [(i.recorded, i.reviewed) for i in items[:3]] == [(True, True), (True, False),
                                                             (False, False)]
    assert next_unrecorded(items).key == "no_input"
    last = items[-1].key
    assert next_unrecorded(items, after=last).key == "no_input"   # from the top again
    assert next_unrecorded([i for i in items if i.recorded]) is None
