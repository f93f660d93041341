"""What the caller hears for a prompt id in a language.

Per language, in order: a recorded file `prompts/audio/<lang>/<prompt_id>.(wav|mp3)`
→ text-to-speech with espeak-ng (the language's configured `espeak_voice`, rendered into
the cache by `helpline prompts render` or on the first request) → Twilio <Say> (the
language's `twilio_say_language`, when Twilio has a voice for it). Then the same for the
language's configured `fallback` (dialects → Burmese, Lao → Thai), and then for the
line's fallback language. Nothing left: PromptUnavailable (`helpline prompts check`
finds that in a configuration before a caller does).

A parameterised prompt ("you are number {position} in line") is recorded per value as
`<prompt_id>.<value>.wav` (`language_option.2.wav`, `voicemail_prompt.hash.wav`), or
rendered by TTS with the number written the way that language's voice says it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from helpline.config import HelplineConfig
from prompts import twilio_say
from prompts.catalogue import Catalogue, PromptText, default_catalogue, normalise_params
from prompts.errors import PromptUnavailable
from prompts.tts import Espeak, TtsCache, rendering_key

AUDIO_URL_PREFIX = "/prompts/audio"
AUDIO_EXTENSIONS = ("wav", "mp3")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
RECORDED, TTS, SAY = "recorded", "tts", "say"
_KEY_NAMES = {"*": "star", "#": "hash"}


@dataclass(frozen=True)
class Utterance:
    prompt_id: str
    language: str            # the language actually spoken (after any fallback)
    kind: str                # "play" or "say"
    url: str | None = None   # for "play": an app-relative URL, e.g. /prompts/audio/my/welcome.wav
    text: str | None = None  # for "say": the sentence
    say_language: str | None = None  # Twilio <Say language=...> code, e.g. "th-TH"


@dataclass(frozen=True)
class Resolution:
    """How a prompt resolved: the stage, the catalogue language used, the utterance."""

    stage: str       # recorded / tts / say
    language: str    # the catalogue row or recording folder used (e.g. "shn")
    utterance: Utterance


@dataclass(frozen=True)
class AudioFile:
    path: Path
    etag: str


class PromptResolver:
    def __init__(self, config: HelplineConfig, *, audio_dir: Path, cache_dir: Path,
                 engine: Espeak | None = None, catalogue: Catalogue | None = None) -> None:
        self.config = config
        self.audio_dir = audio_dir
        self.cache_dir = cache_dir
        self.engine = engine or Espeak()
        self.catalogue = catalogue or default_catalogue()
        self.tts = TtsCache(cache_dir / "tts", self.engine)

    # ------------------------------------------------------------------ for the IVR

    def resolve(self, prompt_id: str, language: str,
                params: Mapping[str, int | str] | None = None,
                *, line_fallback: str | None = None) -> list[Utterance]:
        return [self.explain(prompt_id, language, params, line_fallback=line_fallback).utterance]

    def explain(self, prompt_id: str, language: str,
                params: Mapping[str, int | str] | None = None,
                *, line_fallback: str | None = None) -> Resolution:
        clean = normalise_params(prompt_id, params)
        chain = self.chain(language, line_fallback)
        for code in chain:
            found = self._in_language(prompt_id, language, code, clean)
            if found is not None:
                return found
        raise PromptUnavailable(f"nothing can speak {prompt_id!r} for {language!r}: no "
                                f"recording, TTS voice or <Say> in {', '.join(chain)}")

    def chain(self, language: str, line_fallback: str | None = None) -> list[str]:
        """The languages tried, in order: the language, its fallbacks, then the line's."""
        order: list[str] = []
        for start in (language, line_fallback):
            code = start
            while code and code not in order and LANGUAGE_CODE.fullmatch(code):
                order.append(code)
                configured = self.config.languages.get(code)
                code = (configured.fallback or configured.parent) if configured else None
        return order

    # ------------------------------------------------------------------ the stages

    def _sources(self, prompt_id: str, language: str, code: str,
                 params: Mapping[str, str]) -> tuple[Path | None, PromptText | None]:
        """The recording and the text that may speak `prompt_id` in `code` for a caller
        of `language`."""
        if prompt_id == "language_option" and code != language:
            # Only a sentence naming the caller's language will do, never "For Thai".
            return None, self.catalogue.language_option_naming(code, language)
        return (self.recorded_file(code, prompt_id, params),
                self.catalogue.text(prompt_id, code))

    def _in_language(self, prompt_id: str, language: str, code: str,
                     params: Mapping[str, str]) -> Resolution | None:
        recorded, entry = self._sources(prompt_id, language, code, params)
        if recorded is not None:
            url = audio_url(code, prompt_id, recorded.suffix[1:], params, _file_version(recorded))
            return Resolution(RECORDED, code, Utterance(prompt_id, code, "play", url=url))
        if entry is None:
            return None
        text = entry.render(params)
        spoken = entry.spoken_in
        voice = self.espeak_voice(spoken)
        if voice is not None:
            # A naming sentence lives under the caller's language: the audio view, following
            # that language's fallbacks, finds the same sentence.
            naming = prompt_id == "language_option" and code != language
            url = audio_url(language if naming else code, prompt_id, "wav", params,
                            rendering_key(text, voice)[:10])
            return Resolution(TTS, code, Utterance(prompt_id, spoken, "play", url=url))
        locale = self.say_locale(spoken)
        if locale is not None:
            return Resolution(SAY, code, Utterance(prompt_id, spoken, "say", text=text,
                                                   say_language=locale))
        return None

    def recorded_file(self, code: str, prompt_id: str,
                      params: Mapping[str, str]) -> Path | None:
        if not LANGUAGE_CODE.fullmatch(code):
            return None
        name = ".".join([prompt_id, *(_KEY_NAMES.get(v, v) for _, v in sorted(params.items()))])
        for ext in AUDIO_EXTENSIONS:
            path = self.audio_dir / code / f"{name}.{ext}"
            if path.is_file():
                return path
        return None

    def espeak_voice(self, code: str) -> str | None:
        configured = self.config.languages.get(code)
        voice = configured.espeak_voice if configured else None
        return voice if voice and self.engine.has_voice(voice) else None

    def say_locale(self, code: str) -> str | None:
        configured = self.config.languages.get(code)
        locale = configured.twilio_say_language if configured else None
        return locale if twilio_say.can_say(locale) else None

    # ------------------------------------------------------------------ for the audio view

    def audio_file(self, language: str, prompt_id: str, params: Mapping[str, str],
                   ext: str) -> AudioFile | None:
        """The audio behind an `audio_url`: the recording, or the TTS rendering (made now
        if not cached), following the language's fallbacks for audio only."""
        for code in self.chain(language):
            recorded, entry = self._sources(prompt_id, language, code, params)
            if recorded is not None:
                return self._recorded_as(recorded, code, ext)
            voice = self.espeak_voice(entry.spoken_in) if entry else None
            if entry is not None and voice is not None:
                text = entry.render(params)
                path = self.tts.get(code, prompt_id, text, voice, ext)
                return AudioFile(path, rendering_key(text, voice))
        return None

    def is_rendered(self, language: str, prompt_id: str, params: Mapping[str, str],
                    ext: str = "wav") -> bool:
        """Whether the TTS rendering of this prompt in `language` is in the cache."""
        entry = self.catalogue.text(prompt_id, language)
        voice = self.espeak_voice(entry.spoken_in) if entry else None
        if entry is None or voice is None:
            return False
        return self.tts.cached(language, prompt_id, rendering_key(entry.render(params), voice),
                               ext)

    def _recorded_as(self, recorded: Path, code: str, ext: str) -> AudioFile:
        version = _file_version(recorded)
        if recorded.suffix == f".{ext}":
            return AudioFile(recorded, version)
        # A recording uploaded as WAV asked for as MP3 (or back): converted once, cached.
        target = self.cache_dir / "recorded" / code / f"{recorded.stem}-{version}.{ext}"
        if not target.is_file():
            convert = self.engine.to_mp3 if ext == "mp3" else self.engine.to_wav
            convert(recorded, target)
        return AudioFile(target, version)

    def hold_audio(self, ext: str) -> AudioFile | None:
        source = self.audio_dir / "hold.mp3"
        if not source.is_file():
            return None
        return self._recorded_as(source, "hold", ext)


def audio_url(language: str, prompt_id: str, ext: str, params: Mapping[str, str],
              version: str) -> str:
    # The version changes with the text, voice or recording, so Twilio's cache of the
    # URL never serves an old sentence.
    query = urlencode([*sorted(params.items()), ("v", version)])
    return f"{AUDIO_URL_PREFIX}/{language}/{prompt_id}.{ext}?{query}"


_AUDIO_PATH = re.compile(r"(?:.*)?/prompts/audio/([a-z]{2,3})/([a-z_]+)\.(wav|mp3)")


def parse_audio_url(url: str) -> tuple[str, str, dict[str, str]] | None:
    """(language, prompt id, params) of a prompt audio URL, absolute or not: how the call
    simulator labels a <Play> (the counterpart of `find_prompt` for <Say>)."""
    path, _, query = url.partition("?")
    match = _AUDIO_PATH.fullmatch(path)
    if match is None:
        return None
    params = {name: values[0] for name, values in parse_qs(query).items() if name != "v"}
    return match.group(1), match.group(2), params


def _file_version(path: Path) -> str:
    stat = path.stat()
    return hashlib.sha256(f"{stat.st_mtime_ns}|{stat.st_size}".encode()).hexdigest()[:10]
