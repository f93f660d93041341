"""Resolution order with real files, real espeak-ng, and real configurations."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpline.config import ConfigError, parse_config
from prompts import AUDIO_DIR
from prompts.catalogue import PROMPT_IDS, SAMPLE_PARAMS, params_for
from prompts.coverage import coverage
from prompts.errors import InvalidPromptParams, PromptUnavailable, UnknownPrompt
from prompts.resolver import PromptResolver, Utterance, parse_audio_url
from prompts.state import PromptState, RecordingRef, TextRef
from tests.prompts.helpers import demo_config_text_with_khmer_fallback, make_config


def resolver_for(config, tmp_path: Path, audio_dir: Path | None = None) -> PromptResolver:
    return PromptResolver(config, audio_dir=audio_dir or tmp_path / "audio",
                          cache_dir=tmp_path / "cache")


def record(audio_dir: Path, language: str, name: str, ext: str = "wav") -> Path:
    path = audio_dir / language / f"{name}.{ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF-not-decoded-here")
    return path


THAI = {"th": {"espeak_voice": "th", "twilio_say_language": "th-TH"}}


def test_recorded_file_beats_tts(tmp_path):
    resolver = resolver_for(make_config(languages=THAI), tmp_path)
    record(tmp_path / "audio", "th", "welcome", "mp3")
    [said] = resolver.resolve("welcome", "th")
    assert said.kind == "play" and said.language == "th"
    assert said.url.startswith("/prompts/audio/th/welcome.mp3?v=")


def test_tts_beats_say(tmp_path):
    [said] = resolver_for(make_config(languages=THAI), tmp_path).resolve("welcome", "th")
    assert said.kind == "play" and said.url.startswith("/prompts/audio/th/welcome.wav?v=")


def test_say_when_no_tts_voice(tmp_path):
    config = make_config(languages={"th": {"twilio_say_language": "th-TH"}})
    [said] = resolver_for(config, tmp_path).resolve("queue_position", "th", {"position": 4})
    assert said == Utterance("queue_position", "th", "say", text="คุณอยู่ลำดับที่ 4",
                             say_language="th-TH")


def test_a_say_language_twilio_cannot_speak_is_not_used(tmp_path):
    config = make_config(languages={"km": {"twilio_say_language": "km-KH"}})
    with pytest.raises(PromptUnavailable) as caught:
        resolver_for(config, tmp_path).resolve("welcome", "km")
    assert caught.value.code == "prompt_unavailable"


def test_language_fallback_then_line_fallback(tmp_path):
    config = make_config(languages={
        "th": {"espeak_voice": "th"}, "lo": {"fallback": "th"}, "km": {}, "en": {
            "espeak_voice": "en"}})
    resolver = resolver_for(config, tmp_path)
    [lao] = resolver.resolve("goodbye", "lo")
    assert lao.language == "th" and lao.url.startswith("/prompts/audio/th/goodbye.wav")
    [khmer] = resolver.resolve("goodbye", "km", line_fallback="en")
    assert khmer.language == "en"
    with pytest.raises(PromptUnavailable):
        resolver.resolve("goodbye", "km")


def test_a_recording_in_the_language_beats_its_fallback(tmp_path):
    config = make_config(languages={"th": {"espeak_voice": "th"}, "lo": {"fallback": "th"}})
    resolver = resolver_for(config, tmp_path)
    record(tmp_path / "audio", "lo", "goodbye")
    [said] = resolver.resolve("goodbye", "lo")
    assert said.language == "lo" and said.url.startswith("/prompts/audio/lo/goodbye.wav")


def test_parameterised_recordings_are_per_value(tmp_path):
    config = make_config(languages={"my": {"espeak_voice": "my"}, "shn": {"parent": "my"}})
    resolver = resolver_for(config, tmp_path)
    record(tmp_path / "audio", "shn", "language_option.2")
    [two] = resolver.resolve("language_option", "shn", {"digit": 2})
    assert two.language == "shn" and two.url.startswith(
        "/prompts/audio/shn/language_option.wav?digit=2&v=")
    [three] = resolver.resolve("language_option", "shn", {"digit": 3})
    assert three.language == "my"  # no recording for 3: the Burmese sentence naming Shan


def test_a_menu_option_never_names_the_fallback_language(tmp_path):
    """Lao falls back to Thai, but its menu option must say "Lao", not "Thai"."""
    config = make_config(languages={"th": {"espeak_voice": "th"}, "lo": {"fallback": "th"}})
    resolver = resolver_for(config, tmp_path)
    [lao] = resolver.resolve("language_option", "lo", {"digit": 2})
    [thai] = resolver.resolve("language_option", "th", {"digit": 2})
    assert lao.language == "th" and lao.url != thai.url
    assert lao.url.startswith("/prompts/audio/lo/language_option.wav?digit=2")
    audio = resolver.audio_file("lo", "language_option", {"digit": "2"}, "wav")
    assert audio is not None and audio.path.parent.name == "th"


def test_unknown_prompt_and_bad_params_raise_with_codes(tmp_path):
    resolver = resolver_for(make_config(languages=THAI), tmp_path)
    with pytest.raises(UnknownPrompt) as unknown:
        resolver.resolve("sing", "th")
    with pytest.raises(InvalidPromptParams) as bad:
        resolver.resolve("menu_agent", "th", {"digit": "12"})
    assert (unknown.value.code, bad.value.code) == ("prompt_unknown", "prompt_params_invalid")


def test_a_changed_text_gets_a_new_url(tmp_path):
    resolver = resolver_for(make_config(languages=THAI), tmp_path)
    [three] = resolver.resolve("queue_position", "th", {"position": 3})
    [four] = resolver.resolve("queue_position", "th", {"position": 4})
    assert three.url.split("v=")[1] != four.url.split("v=")[1]


@pytest.fixture(scope="module")
def demo_resolver(tmp_path_factory):
    config = parse_config(yaml.safe_load(demo_config_text_with_khmer_fallback()))
    return config, PromptResolver(config, audio_dir=AUDIO_DIR,
                                  cache_dir=tmp_path_factory.mktemp("cache"))


def test_every_demo_line_language_resolves_every_prompt(demo_resolver):
    config, resolver = demo_resolver
    for number in config.numbers:
        for language in number.languages:
            for prompt_id in PROMPT_IDS:
                params = {name: SAMPLE_PARAMS[name] for name in params_for(prompt_id)}
                utterances = resolver.resolve(prompt_id, language, params,
                                              line_fallback=number.fallback_language)
                assert utterances and all(u.url or u.text for u in utterances), (
                    language, prompt_id)


def test_what_demo_callers_hear(demo_resolver):
    config, resolver = demo_resolver
    spoken = {code: resolver.resolve("welcome", code)[0].language
              for code in ("my", "shn", "kac", "ksw", "mnw", "km", "th", "lo", "ne", "id", "en")}
    assert spoken == {"my": "my", "shn": "shn", "kac": "my", "ksw": "my", "mnw": "my",
                      # Khmer: no voice anywhere, so its configured fallback until recorded.
                      "km": config.languages["km"].fallback, "th": "th", "lo": "th",
                      "ne": "ne", "id": "id", "en": "en"}


def test_coverage_warns_about_voices_that_do_not_exist(tmp_path):
    config = make_config(languages={"km": {"twilio_say_language": "km-KH", "fallback": "en"},
                                    "en": {"espeak_voice": "en"},
                                    "lo": {"espeak_voice": "lo", "fallback": "en"}})
    report = coverage(config, resolver_for(config, tmp_path))
    assert report["ok"] and report["languages"]["km"]["goodbye"] == "fallback:en"
    assert report["warnings"] == [
        "km: twilio_say_language 'km-KH' is ignored: Twilio's <Say> has no voice for it",
        "lo: espeak_voice 'lo' is ignored: espeak-ng here has no such voice"]


def test_a_play_url_names_its_prompt(tmp_path):
    [said] = resolver_for(make_config(languages=THAI), tmp_path).resolve(
        "voicemail_prompt", "th", {"key": "#"})
    assert parse_audio_url("https://helpline.example" + said.url) == (
        "th", "voicemail_prompt", {"key": "#"})
    assert parse_audio_url("/prompts/audio/hold.wav") is None


# ---------------------------------------------------------------- review states and order

WAV = b"RIFF-not-decoded-here"


def stored(tmp_path: Path, language: str, name: str, state: str) -> RecordingRef:
    """A recording in the store's layout (content-addressed under items/)."""
    prompt_id, _, variant = name.partition(".")
    relative = f"{language}/items/{name}-{state}.wav"
    path = tmp_path / "audio" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(WAV)
    return RecordingRef(language, prompt_id, variant, state, file=relative, version=state[:6])


def state_of(*refs: RecordingRef, texts: tuple[TextRef, ...] = (), version: int = 1
             ) -> PromptState:
    return PromptState(version=version,
                       recordings={(r.language, r.prompt_id, r.variant, r.state): r for r in refs},
                       texts={(t.language, t.prompt_id, t.state): t for t in texts})


@pytest.mark.parametrize(("have", "stage"), [
    # (reviewed recording, reviewed text, draft recording) → what plays
    ((True, True, True), "recorded_reviewed"),
    ((False, True, True), "tts_reviewed"),
    ((False, False, True), "recorded"),
    ((False, False, False), "tts"),
])
def test_resolution_order_by_review_state(tmp_path, have, stage):
    reviewed_rec, reviewed_text, draft_rec = have
    refs = [stored(tmp_path, "th", "goodbye", "reviewed")] if reviewed_rec else []
    refs += [stored(tmp_path, "th", "goodbye", "draft")] if draft_rec else []
    texts = (TextRef("th", "goodbye", "reviewed", "ขอบคุณที่โทรมา", by="rev@example.org"),
             ) if reviewed_text else ()
    resolver = resolver_for(make_config(languages=THAI), tmp_path)
    found = resolver.explain("goodbye", "th", state=state_of(*refs, texts=texts))
    assert found.stage == stage
    if stage == "recorded_reviewed":
        assert found.utterance.url.endswith("v=review")
    if stage == "recorded":
        assert found.utterance.url.endswith("v=draft")


def test_a_draft_recording_never_replaces_a_reviewed_one(tmp_path):
    resolver = resolver_for(make_config(languages=THAI), tmp_path)
    both = state_of(stored(tmp_path, "th", "welcome", "reviewed"),
                    stored(tmp_path, "th", "welcome", "draft"))
    audio = resolver.audio_file("th", "welcome", {}, "wav", state=both)
    assert audio is not None and audio.path.name == "welcome-reviewed.wav"


def test_resolution_is_a_function_of_the_state_passed(tmp_path):
    resolver = resolver_for(make_config(languages=THAI), tmp_path)
    empty, recorded = state_of(version=1), state_of(stored(tmp_path, "th", "welcome", "draft"),
                                                    version=2)
    assert resolver.explain("welcome", "th", state=empty).stage == "tts"
    assert resolver.explain("welcome", "th", state=recorded).stage == "recorded"
    assert resolver.explain("welcome", "th", state=empty).stage == "tts"


TWILIO_THAI = {"th": {"espeak_voice": "th", "twilio_say_language": "th-TH",
                      "twilio_voice": "Google.th-TH-Standard-A"}}


def test_a_configured_twilio_voice_only_on_a_real_twilio_account(tmp_path):
    config = make_config(languages=TWILIO_THAI)
    real = PromptResolver(config, audio_dir=tmp_path / "audio", cache_dir=tmp_path / "c",
                          real_twilio=True)
    [said] = real.resolve("goodbye", "th", state=state_of())
    assert (said.kind, said.say_language, said.say_voice) == (
        "say", "th-TH", "Google.th-TH-Standard-A")
    # The stand-in has no Google voices: espeak-ng there.
    [local] = resolver_for(config, tmp_path).resolve("goodbye", "th", state=state_of())
    assert local.kind == "play"
    # A reviewed recording still beats the voice.
    reviewed = state_of(stored(tmp_path, "th", "goodbye", "reviewed"))
    assert real.explain("goodbye", "th", state=reviewed).stage == "recorded_reviewed"


def test_prompt_order_is_configurable_per_language(tmp_path):
    config = make_config(languages={"th": {**TWILIO_THAI["th"], "prompt_order": [
        "twilio_voice", "recorded_reviewed", "tts"]}})
    real = PromptResolver(config, audio_dir=tmp_path / "audio", cache_dir=tmp_path / "c",
                          real_twilio=True)
    draft = state_of(stored(tmp_path, "th", "goodbye", "draft"),
                     stored(tmp_path, "th", "goodbye", "reviewed"))
    assert real.explain("goodbye", "th", state=draft).stage == "twilio_voice"


@pytest.mark.parametrize(("details", "problem"), [
    ({"twilio_say_language": "th-TH", "twilio_voice": "Polly.Joanna"},
     "languages.th.twilio_voice: 'Polly.Joanna' speaks en-US"),
    ({"twilio_say_language": "my-MM", "twilio_voice": "Google.my-MM-Standard-A"},
     "languages.th.twilio_voice: 'Google.my-MM-Standard-A' is not in Twilio's voice table"),
    ({"prompt_order": ["recorded", "espeak"]},
     "languages.th.prompt_order: unknown source(s) espeak"),
])
def test_only_voice_pairs_twilio_documents_are_accepted(details, problem):
    with pytest.raises(ConfigError) as caught:
        make_config(languages={"th": details})
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_a_dialect_menu_option_in_burmese_is_a_fallback_until_recorded(tmp_path):
    config = make_config(
        languages={"my": {"espeak_voice": "my"}, "kac": {"parent": "my", "fallback": "my"}},
        numbers=[{"number": "+661800000101", "name": "line", "country": "TH",
                  "menu": ["my", "kac"], "default_language": "my"}])
    resolver = resolver_for(config, tmp_path)
    report = coverage(config, resolver, state=state_of())
    assert report["languages"]["kac"]["language_option"] == "fallback:my"
    assert report["languages"]["my"]["language_option"] == "tts"
    recorded = state_of(stored(tmp_path, "kac", "language_option.2", "draft"))
    report = coverage(config, resolver, state=recorded)
    assert report["languages"]["kac"]["language_option"] == "recorded"


def test_the_twilio_voice_is_named_on_say_in_the_twiml(tmp_path):
    """On a real account the configured voice goes out as <Say voice=... language=...>."""
    from xml.etree import ElementTree

    from ivr.steps import Decision, prompt
    from ivr.twiml import render

    real = PromptResolver(make_config(languages=TWILIO_THAI), audio_dir=tmp_path / "audio",
                          cache_dir=tmp_path / "c", real_twilio=True)
    xml = render(Decision((prompt("goodbye", "th"),)),
                 resolve=lambda step: real.resolve(step.id, step.language, dict(step.params),
                                                   state=state_of()),
                 url_for=lambda route: "/x", absolute=lambda path: path)
    say = ElementTree.fromstring(xml).find("./Say")
    assert say is not None and say.text == real.catalogue.text("goodbye", "th").text
    assert (say.get("voice"), say.get("language")) == ("Google.th-TH-Standard-A", "th-TH")


def test_a_real_twilio_account_is_told_from_the_local_stack(tmp_path):
    from helpline.settings import load_settings
    from prompts.wiring import real_twilio
    from tests.builders import make_environ

    assert real_twilio(load_settings(make_environ(tmp_path / "local"))) is False
    stand_in = make_environ(tmp_path / "s", TWILIO_API_BASE="http://127.0.0.1:9/")
    assert real_twilio(load_settings(stand_in)) is False
    account = make_environ(tmp_path / "real", TWILIO_ACCOUNT_SID="AC" + "1" * 32,
                           PUBLIC_BASE_URL="https://helpline.example.org")
    assert real_twilio(load_settings(account)) is True
