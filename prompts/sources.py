"""Where a prompt's audio can come from, and the order they are tried in. Pure.

Per language, the default order is:

1. `recorded_reviewed` — a recording a reviewer of the language approved;
2. `twilio_voice` — the language's configured Twilio <Say> voice (`twilio_voice`, only
   pairs Twilio documents), used only on a real Twilio account: the local stand-in has
   no Polly or Google voices;
3. `tts_reviewed` — espeak-ng speaking a reviewed text;
4. `recorded` — a draft recording (not reviewed yet);
5. `tts` — espeak-ng speaking a draft text;
6. `say` — Twilio <Say> in `twilio_say_language` with the locale's default voice.

Then the same for the language's fallback languages (`fallback`, a dialect's parent)
and the line's default language. `languages.<code>.prompt_order` lists a different
order (a subset of these names) for one language, e.g. a Thai line on Twilio that
prefers Google's Thai voice to a draft recording.
"""

from __future__ import annotations

RECORDED_REVIEWED = "recorded_reviewed"
TWILIO_VOICE = "twilio_voice"
TTS_REVIEWED = "tts_reviewed"
RECORDED = "recorded"
TTS = "tts"
SAY = "say"

SOURCES = (RECORDED_REVIEWED, TWILIO_VOICE, TTS_REVIEWED, RECORDED, TTS, SAY)
DEFAULT_ORDER = SOURCES

RECORDINGS = frozenset({RECORDED_REVIEWED, RECORDED})
REVIEWED_SOURCES = frozenset({RECORDED_REVIEWED, TTS_REVIEWED})

# What a caller hears, as the prompt matrix and `prompts check` name it.
HEARD_LABELS = {
    RECORDED_REVIEWED: "recorded·reviewed",
    RECORDED: "recorded",
    TWILIO_VOICE: "Twilio voice",
    TTS_REVIEWED: "TTS·reviewed text",
    TTS: "TTS",
    SAY: "Twilio <Say>",
}
