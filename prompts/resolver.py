"""What the caller hears for a prompt id in a language.

Per language, the sources of `prompts.sources` in the language's order (by default:
reviewed recording → the configured Twilio voice on a real Twilio account → espeak-ng
speaking a reviewed text → draft recording → espeak-ng speaking a draft text → Twilio
<Say> with the locale's default voice). Then the same for the language's configured
`fallback` (dialects → Burmese, Lao → Thai), and then for the line's fallback language.
Nothing left: PromptUnavailable (`helpline prompts check` finds that in a configuration
before a caller does).

Resolution is a function of the configuration, the catalogue and one `PromptState`
(recordings and review states, see `prompts.state`): `explain(..., state=s)` with the
same `s` always answers the same, so a cache keyed on `s.version` is safe. Without a
`state` argument the resolver asks its `state_source` (the database in the app, the
files on disk otherwise).

A parameterised prompt ("you are number {position} in line") is recorded per value
(`language_option` variant "2", `voicemail_prompt` variant "hash"), or rendered by TTS
with the number written the way that language's voice says it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from helpline.config import HelplineConfig
from prompts import sources, twilio_say
from prompts.audio_files import AUDIO_EXTENSIONS, LANGUAGE_CODE, file_state, file_version
from prompts.catalogue import Catalogue, PromptText, default_catalogue, normalise_params
from prompts.errors import PromptUnavailable
from prompts.sources import (
    DEFAULT_ORDER,
    RECORDED,
    RECORDED_REVIEWED,
    SAY,
    TTS,
    TTS_REVIEWED,
    TWILIO_VOICE,
)
from prompts.state import DRAFT, REVIEWED, PromptState, RecordingRef, variant_of
from prompts.tts import Espeak, TtsCache, rendering_key

__all__ = ["AUDIO_EXTENSIONS", "AUDIO_URL_PREFIX", "RECORDED", "SAY", "TTS", "AudioFile",
           "PromptResolver", "Resolution", "Utterance", "audio_url", "parse_audio_url"]

AUDIO_URL_PREFIX = "/prompts/audio"


@dataclass(frozen=True)
class Utterance:
    prompt_id: str
    language: str            # the language actually spoken (after any fallback)
    kind: str                # "play" or "say"
    url: str | None = None   # for "play": an app-relative URL, e.g. /prompts/audio/my/welcome.wav
    text: str | None = None  # for "say": the sentence
    say_language: str | None = None  # Twilio <Say language=...> code, e.g. "th-TH"
    say_voice: str | None = None     # Twilio <Say voice=...>, when the language names one


@dataclass(frozen=True)
class Resolution:
    """How a prompt resolved: the source (`prompts.sources`), the catalogue language or
    recording folder used (e.g. "shn"), the utterance."""

    stage: str
    language: str
    utterance: Utterance
    recording: RecordingRef | None = None
    text: PromptText | None = None

    @property
    def reviewed(self) -> bool:
        return self.stage in sources.REVIEWED_SOURCES


@dataclass(frozen=True)
class AudioFile:
    path: Path
    etag: str


StateSource = Callable[[], PromptState]


class PromptResolver:
    def __init__(self, config: HelplineConfig, *, audio_dir: Path, cache_dir: Path,
                 engine: Espeak | None = None, catalogue: Catalogue | None = None,
                 state_source: StateSource | None = None, real_twilio: bool = False,
                 recordings_dir: Path | None = None) -> None:
        self.config = config
        # Hand-placed recordings (read only) and where the store writes new ones.
        self.audio_dir = audio_dir
        self.recordings_dir = recordings_dir or audio_dir
        self.cache_dir = cache_dir
        self.engine = engine or Espeak()
        self.catalogue = catalogue or default_catalogue()
        self.tts = TtsCache(cache_dir / "tts", self.engine)
        self.state_source: StateSource = state_source or (lambda: file_state(audio_dir))
        # The stand-in has no Polly or Google voices: `twilio_voice` only on real Twilio.
        self.real_twilio = real_twilio

    def state(self) -> PromptState:
        return self.state_source()

    # ------------------------------------------------------------------ for the IVR

    def resolve(self, prompt_id: str, language: str,
                params: Mapping[str, int | str] | None = None,
                *, line_fallback: str | None = None,
                state: PromptState | None = None) -> list[Utterance]:
        return [self.explain(prompt_id, language, params, line_fallback=line_fallback,
                             state=state).utterance]

    def explain(self, prompt_id: str, language: str,
                params: Mapping[str, int | str] | None = None,
                *, line_fallback: str | None = None,
                state: PromptState | None = None) -> Resolution:
        clean = normalise_params(prompt_id, params)
        snapshot = state if state is not None else self.state()
        chain = self.chain(language, line_fallback)
        for found in self._candidates(snapshot, prompt_id, language, chain, clean):
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

    def order(self, code: str) -> tuple[str, ...]:
        configured = self.config.languages.get(code)
        return (configured.prompt_order if configured and configured.prompt_order
                else DEFAULT_ORDER)

    # ------------------------------------------------------------------ the sources

    def _candidates(self, state: PromptState, prompt_id: str, language: str,
                    chain: list[str], params: Mapping[str, str]) -> Iterator[Resolution]:
        for code in chain:
            for source in self.order(code):
                found = self._from(source, state, prompt_id, language, code, params)
                if found is not None:
                    yield found

    def _from(self, source: str, state: PromptState, prompt_id: str, language: str,
              code: str, params: Mapping[str, str]) -> Resolution | None:
        # A sentence naming the caller's language is the only one that will do in another
        # language ("ภาษาลาว กด 2" for a Lao caller), never that language's own option.
        naming = prompt_id == "language_option" and code != language
        if source in sources.RECORDINGS:
            if naming:
                return None
            ref = state.recording(code, prompt_id, variant_of(params),
                                  REVIEWED if source == RECORDED_REVIEWED else DRAFT)
            if ref is None or not (self.recordings_dir / ref.file).is_file():
                return None
            ext = Path(ref.file).suffix[1:]
            url = audio_url(code, prompt_id, ext, params, ref.version)
            return Resolution(source, code, Utterance(prompt_id, code, "play", url=url),
                              recording=ref)
        entry = self.text(state, prompt_id, language, code,
                          reviewed=source == TTS_REVIEWED if source in (TTS, TTS_REVIEWED)
                          else None)
        if entry is None:
            return None
        text, spoken = entry.render(params), entry.spoken_in
        if source in (TTS, TTS_REVIEWED):
            voice = self.espeak_voice(spoken)
            if voice is None:
                return None
            # A naming sentence lives under the caller's language: the audio view, following
            # that language's fallbacks, finds the same sentence.
            url = audio_url(language if naming else code, prompt_id, "wav", params,
                            rendering_key(text, voice)[:10])
            return Resolution(source, code, Utterance(prompt_id, spoken, "play", url=url),
                              text=entry)
        if source == TWILIO_VOICE:
            configured = self.config.languages.get(spoken)
            if not self.real_twilio or configured is None or not configured.twilio_voice:
                return None
            return Resolution(source, code, Utterance(
                prompt_id, spoken, "say", text=text, say_language=configured.twilio_say_language,
                say_voice=configured.twilio_voice), text=entry)
        locale = self.say_locale(spoken)
        if source != SAY or locale is None:
            return None
        return Resolution(source, code, Utterance(prompt_id, spoken, "say", text=text,
                                                  say_language=locale), text=entry)

    def text(self, state: PromptState, prompt_id: str, language: str, code: str,
             *, reviewed: bool | None) -> PromptText | None:
        """The text that may speak `prompt_id` in `code` for a caller of `language`:
        `reviewed` True only a reviewed one, False only a draft, None the best."""
        if prompt_id == "language_option" and code != language:
            naming = self.catalogue.language_option_naming(code, language)
            if naming is None or (reviewed is not None and naming.reviewed != reviewed):
                return None
            return naming
        base = self.catalogue.text(prompt_id, code)
        spoken_in = base.spoken_in if base else code
        approved = state.text(code, prompt_id, REVIEWED)
        best_reviewed = (PromptText(prompt_id, code, approved.text, spoken_in, reviewed=True,
                                    reviewed_by=approved.by, one=approved.one)
                         if approved else (base if base and base.reviewed else None))
        if reviewed:
            return best_reviewed
        draft = state.text(code, prompt_id, DRAFT)
        best_draft = (PromptText(prompt_id, code, draft.text, spoken_in, one=draft.one)
                      if draft else (base if base and not base.reviewed else None))
        if reviewed is False:
            return best_draft
        return best_reviewed or best_draft

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
                   ext: str, *, state: PromptState | None = None) -> AudioFile | None:
        """The audio behind an `audio_url`: the first source that plays (a recording, or
        the TTS rendering, made now if not cached), following the language's fallbacks."""
        snapshot = state if state is not None else self.state()
        for found in self._candidates(snapshot, prompt_id, language, self.chain(language),
                                      params):
            if found.recording is not None:
                return self._recorded_as(self.recordings_dir / found.recording.file,
                                         found.language, ext, found.recording.version)
            if found.utterance.kind == "play" and found.text is not None:
                voice = self.espeak_voice(found.text.spoken_in)
                assert voice is not None  # a TTS candidate exists only with a voice
                text = found.text.render(params)
                path = self.tts.get(found.language, prompt_id, text, voice, ext)
                return AudioFile(path, rendering_key(text, voice))
        return None

    def is_rendered(self, language: str, prompt_id: str, params: Mapping[str, str],
                    ext: str = "wav", *, state: PromptState | None = None) -> bool:
        """Whether the TTS rendering this prompt resolves to in `language` is cached."""
        snapshot = state if state is not None else self.state()
        entry = self.text(snapshot, prompt_id, language, language, reviewed=None)
        voice = self.espeak_voice(entry.spoken_in) if entry else None
        if entry is None or voice is None:
            return False
        return self.tts.cached(language, prompt_id, rendering_key(entry.render(params), voice),
                               ext)

    def _recorded_as(self, recorded: Path, code: str, ext: str, version: str) -> AudioFile:
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
        return self._recorded_as(source, "hold", ext, file_version(source))


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
