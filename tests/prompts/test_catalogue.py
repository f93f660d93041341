"""The catalogue: every prompt in every language we write, Unicode Burmese, placeholders
that match, reverse lookup, and numbers written the way each voice says them."""

from __future__ import annotations

import re
import warnings

import pytest
from myanmartools import ZawgyiDetector

from prompts import numbers
from prompts.catalogue import (
    PROMPT_IDS,
    Catalogue,
    PromptText,
    find_prompt,
    normalise_params,
)
from prompts.errors import CatalogueError, InvalidPromptParams, UnknownPrompt

FULL_LANGUAGES = ("my", "km", "th", "lo", "ne", "id", "en", "shn", "kac", "ksw", "mnw")
DIALECTS = ("shn", "kac", "ksw", "mnw")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.mark.parametrize("language", FULL_LANGUAGES)
def test_every_prompt_has_a_text_in_each_written_language(catalogue, language):
    missing = [pid for pid in PROMPT_IDS if catalogue.text(pid, language) is None]
    assert missing == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_dialect_has_its_own_texts_as_drafts(catalogue, dialect):
    """Shan, Kachin, S'gaw Karen and Mon: every prompt in the language itself (drafts for
    a native reviewer), and a Burmese sentence naming the dialect for its menu option
    until its own is recorded or voiced."""
    entries = [catalogue.text(pid, dialect) for pid in PROMPT_IDS]
    assert all(entry is not None and entry.spoken_in == dialect for entry in entries)
    assert not any(entry.reviewed for entry in entries if entry)
    naming = catalogue.language_option_naming("my", dialect)
    assert naming is not None and naming.text != catalogue.text("language_option", "my").text


@pytest.mark.parametrize(("dialect", "script"), [
    ("shn", r"[\u1000-\u109f]"), ("ksw", r"[\u1000-\u109f]"), ("mnw", r"[\u1000-\u109f]"),
    ("kac", r"^[\x00-\x7f]+$"),
])
def test_dialect_texts_are_in_their_script(catalogue, dialect, script):
    for entry in catalogue.entries(dialect):
        assert re.search(script, entry.text), (dialect, entry.prompt_id)


def test_texts_are_unreviewed_until_a_named_speaker_approves(catalogue):
    assert all(not e.reviewed or e.reviewed_by for e in catalogue.entries())


@pytest.fixture(scope="module")
def detector() -> ZawgyiDetector:
    # myanmartools loads its model with a deprecated importlib call; not our warning.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return ZawgyiDetector()


def test_myanmar_script_texts_are_unicode_not_zawgyi(catalogue, detector):
    myanmar_script = [e for e in catalogue.entries() if e.language in ("my", "shn", "ksw", "mnw")]
    myanmar_script += [catalogue.language_option_naming("my", d) for d in DIALECTS]
    assert len(myanmar_script) == 4 * len(PROMPT_IDS) + len(DIALECTS)
    for entry in myanmar_script:
        assert detector.get_zawgyi_probability(entry.text) < 0.05, entry.prompt_id


def test_a_zawgyi_text_would_be_caught(detector):
    # The same check on "ကျေးဇူးတင်ပါတယ်" typed in Zawgyi.
    assert detector.get_zawgyi_probability("ေက်းဇူးတင္ပါတယ္") > 0.95


def test_a_text_with_the_wrong_placeholder_is_refused(tmp_path):
    (tmp_path / "xx.yaml").write_text(
        "language: xx\nprompts:\n  queue_position: {text: 'Number {digit}', reviewed: false}\n"
        "  welcome: {text: 'Hi', reviewed: true}\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        Catalogue.load(tmp_path)
    assert "placeholders ['digit']" in str(caught.value)
    assert "reviewed_by" in str(caught.value)


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("en", "You are number 7 in line.", "queue_position"),
    ("en", "The wait is about 1 minute.", "queue_wait"),
    ("en", "For English, press 6.", "language_option"),
    ("th", "ภาษาไทย กด 3", "language_option"),
    ("th", "ภาษาลาว กด 2", "language_option"),
    ("my", "မြန်မာဘာသာအတွက် ၁ ကို နှိပ်ပါ။", "language_option"),
    ("id", "Terima  kasih sudah menelepon.\nSampai jumpa.", "goodbye"),
    ("en", "Something nobody says.", None),
])
def test_reverse_lookup_names_the_prompt_behind_a_spoken_sentence(language, text, expected):
    assert find_prompt(language, text) == expected


def test_reverse_lookup_of_every_rendered_sentence(catalogue):
    for entry in catalogue.entries():
        sample = {name: "3" if name in ("position", "minutes") else
                  "12" if name == "last_digits" else "fri" if name == "day" else
                  "1330" if name == "time" else "#" for name in _names(entry)}
        assert catalogue.find_prompt(entry.language, entry.render(sample)) == entry.prompt_id


def _names(entry: PromptText) -> list[str]:
    return re.findall(r"{(\w+)}", entry.text)


@pytest.mark.parametrize(("prompt_id", "given", "expected"), [
    ("queue_position", {"position": 3}, {"position": "3"}),
    ("queue_position", {"position": "0"}, {"position": "1"}),       # clamped, still spoken
    ("queue_wait", {"minutes": 4000}, {"minutes": "999"}),
    ("menu_repeat", {"digit": "*"}, {"digit": "*"}),
    ("callback_confirm_number", {"last_digits": "0123"}, {"last_digits": "0123"}),
    ("welcome", None, {}),
])
def test_params_are_normalised(prompt_id, given, expected):
    assert normalise_params(prompt_id, given) == expected


@pytest.mark.parametrize(("prompt_id", "given"), [
    ("queue_position", {}),
    ("queue_position", {"position": "three"}),
    ("menu_agent", {"digit": "12"}),
    ("menu_agent", {"digit": "1", "text": "say anything"}),
    ("callback_confirm_number", {"last_digits": "12345"}),
    ("welcome", {"digit": "1"}),
])
def test_params_outside_the_whitelist_are_refused(prompt_id, given):
    with pytest.raises(InvalidPromptParams):
        normalise_params(prompt_id, given)


def test_strict_params_accept_only_canonical_values():
    with pytest.raises(InvalidPromptParams):
        normalise_params("queue_position", {"position": "03"}, strict=True)
    with pytest.raises(InvalidPromptParams):
        normalise_params("queue_position", {"position": "0"}, strict=True)


def test_unknown_prompt():
    with pytest.raises(UnknownPrompt):
        normalise_params("sing_a_song", {})


@pytest.mark.parametrize(("number", "words"), [
    (1, "တစ်"), (10, "တစ်ဆယ်"), (12, "တစ်ဆယ့်နှစ်"), (20, "နှစ်ဆယ်"), (25, "နှစ်ဆယ့်ငါး"),
    (100, "တစ်ရာ"), (120, "တစ်ရာ့နှစ်ဆယ်"), (305, "သုံးရာ့ငါး"), (999, "ကိုးရာ့ကိုးဆယ့်ကိုး"),
])
def test_burmese_number_words(number, words):
    assert numbers.burmese_number_words(number) == words


@pytest.mark.parametrize(("language", "count", "spoken"), [
    ("my", 7, "၇"), ("my", 12, "တစ်ဆယ့်နှစ်"), ("ne", 12, "१२"), ("th", 12, "12"),
    ("id", 12, "12"), ("km", 12, "១២"),
])
def test_counts_are_written_for_each_voice(language, count, spoken):
    assert numbers.spoken_count(language, count) == spoken


def test_keys_and_digit_strings_are_said_one_by_one():
    assert numbers.spoken_key("th", "#") == "สี่เหลี่ยม"
    assert numbers.spoken_key("en", "*") == "star"
    assert numbers.spoken_key("ne", "2") == "२"
    assert numbers.spoken_digit_string("my", "4567") == "၄ ၅ ၆ ၇"


def test_english_singular_minute(catalogue):
    entry = catalogue.text("queue_wait", "en")
    assert entry.render({"minutes": "1"}) == "The wait is about 1 minute."
    assert entry.render({"minutes": "4"}) == "The wait is about 4 minutes."
