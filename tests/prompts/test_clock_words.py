"""When the next advisor is on, said in each language: the day and clock time written
the way each voice (or the person recording it) says them, and the prompt parameters
held to their whitelist like every other parameter."""

from __future__ import annotations

import pytest

from prompts.catalogue import Catalogue, normalise_params
from prompts.clock_words import DAYS, spoken_day, spoken_time
from prompts.errors import InvalidPromptParams

LANGUAGES = ("en", "my", "th", "km", "lo", "ne", "id")


@pytest.mark.parametrize(("language", "hhmm", "spoken"), [
    ("en", "0800", "8 AM"), ("en", "1330", "1:30 PM"), ("en", "1200", "12 noon"),
    ("en", "0000", "midnight"), ("en", "0005", "12:05 AM"),
    ("my", "0800", "မနက် ၈ နာရီ"), ("my", "1330", "နေ့လယ် ၁ နာရီခွဲ"),
    ("my", "2215", "ည တစ်ဆယ် နာရီ တစ်ဆယ့်ငါး မိနစ်"),     # counts of ten and more in words
    ("th", "0800", "8 นาฬิกา"), ("th", "1330", "13 นาฬิกา 30 นาที"), ("th", "0000", "เที่ยงคืน"),
    ("lo", "0800", "8 ໂມງ"), ("lo", "1745", "17 ໂມງ 45 ນາທີ"),
    ("km", "0800", "ម៉ោង ៨ ព្រឹក"), ("km", "1430", "ម៉ោង ២ និង ៣០ នាទី រសៀល"),
    ("km", "1200", "ម៉ោង ១២ ថ្ងៃត្រង់"),
    ("ne", "0800", "बिहान ८ बजे"), ("ne", "1830", "बेलुका ६ बजेर ३० मिनेट"),
    ("ne", "2100", "राति ९ बजे"),
    ("id", "0800", "pukul 8"), ("id", "1330", "pukul 13 lewat 30 menit"),
])
def test_clock_times_are_written_for_each_voice(language, hhmm, spoken):
    assert spoken_time(language, hhmm) == spoken


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_names_every_day(language):
    words = [spoken_day(language, day) for day in DAYS]
    assert len(set(words)) == len(DAYS) and all(words)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_next_shift_sentences_render_in_every_written_language(language):
    catalogue = Catalogue.load()
    for prompt_id in ("next_advisor_at", "callback_from"):
        entry = catalogue.text(prompt_id, language)
        assert entry is not None and not entry.reviewed
        sentence = entry.render({"day": "tomorrow", "time": "0800"})
        assert spoken_day(language, "tomorrow") in sentence
        assert spoken_time(language, "0800") in sentence
        assert "{" not in sentence and ".." not in sentence


def test_english_says_it_plainly():
    entry = Catalogue.load().text("next_advisor_at", "en")
    assert entry.render({"day": "fri", "time": "1330"}) == (
        "The next advisor who speaks your language starts work on Friday at 1:30 PM.")


@pytest.mark.parametrize("given", [
    {"day": "someday", "time": "0800"}, {"day": "tomorrow", "time": "2400"},
    {"day": "tomorrow", "time": "0860"}, {"day": "tomorrow", "time": "800"},
    {"day": "tomorrow", "time": "08:00"}, {"day": "Mon", "time": "0800"},
    {"day": "tomorrow"},
])
def test_day_and_time_params_outside_the_whitelist_are_refused(given):
    with pytest.raises(InvalidPromptParams):
        normalise_params("next_advisor_at", given)


def test_day_and_time_params_are_canonical():
    assert normalise_params("callback_from", {"day": "sun", "time": "2230"}, strict=True) == {
        "day": "sun", "time": "2230"}


@pytest.mark.parametrize("language", ["my", "th", "ne", "id", "en"])
def test_espeak_says_the_shift_time_as_phone_audio(tmp_path, language):
    """Real espeak-ng and ffmpeg: the sentence is speech, and another time is another
    sentence heard (not one cached rendering for every time)."""
    import wave

    from prompts.resolver import PromptResolver
    from tests.prompts.helpers import make_config

    config = make_config(languages={language: {"espeak_voice": language}})
    resolver = PromptResolver(config, audio_dir=tmp_path / "audio", cache_dir=tmp_path / "c")
    morning = resolver.audio_file(language, "next_advisor_at",
                                  {"day": "tomorrow", "time": "0800"}, "wav")
    afternoon = resolver.audio_file(language, "next_advisor_at",
                                    {"day": "fri", "time": "1345"}, "wav")
    assert morning is not None and afternoon is not None
    assert morning.path != afternoon.path
    with wave.open(str(morning.path)) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (8000, 1)
        assert wav.getnframes() / 8000 > 1.5
