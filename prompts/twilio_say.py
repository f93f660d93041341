"""Which languages and voices Twilio's <Say> can speak.

From Twilio's published text-to-speech voice table (Amazon Polly and Google voices;
https://www.twilio.com/docs/voice/twiml/say/text-speech). There is no voice for Khmer
(km-KH), Lao (lo-LA), Burmese (my-MM) or Nepali (ne-NP): Twilio lists those only for
speech *recognition*. A `twilio_say_language` outside this table is ignored by the
resolver and reported by `helpline prompts check`, because <Say> with a language Twilio
has no voice for is skipped or spoken by the wrong voice — silence or gibberish for the
caller. When Twilio adds a voice, add its locale here.

`DOCUMENTED_VOICES` is the subset of that table a helpline language can name as its
`twilio_voice` (the voice that outranks espeak-ng on a real Twilio account, see
`prompts.resolver`). Only pairs the table lists are accepted: Twilio answers an invalid
voice/language combination with an error and skips the <Say>.
"""

from __future__ import annotations

SAY_LOCALES = frozenset({
    "af-ZA", "ar-AE", "ar-XA", "arb", "bg-BG", "bn-IN", "ca-ES", "cmn-CN", "cmn-TW",
    "cs-CZ", "cy-GB", "da-DK", "de-AT", "de-DE", "el-GR", "en-AU", "en-CA", "en-GB",
    "en-GB-WLS", "en-IE", "en-IN", "en-NZ", "en-US", "en-ZA", "es-ES", "es-MX", "es-US",
    "eu-ES", "fi-FI", "fil-PH", "fr-CA", "fr-FR", "gl-ES", "gu-IN", "he-IL", "hi-IN",
    "hu-HU", "id-ID", "is-IS", "it-IT", "ja-JP", "kn-IN", "ko-KR", "lt-LT", "lv-LV",
    "ml-IN", "mr-IN", "ms-MY", "nb-NO", "nl-BE", "nl-NL", "pa-IN", "pl-PL", "pt-BR",
    "pt-PT", "ro-RO", "ru-RU", "sk-SK", "sr-RS", "sv-SE", "ta-IN", "te-IN", "th-TH",
    "tr-TR", "uk-UA", "vi-VN", "yue-HK",
})

# Voice → the locale Twilio's table lists it for (the helpline's languages and their
# neighbours): Thai has one Google voice (Standard-A); Indonesian, Malay, Vietnamese
# and Korean Google Standard and WaveNet voices A-D; English Polly standard voices
# (Kevin is neural only, so not here). Neural/Chirp voices are left out: Twilio marks
# many of them Beta.
DOCUMENTED_VOICES = {
    "Google.th-TH-Standard-A": "th-TH",
    **{f"Google.id-ID-{kind}-{letter}": "id-ID"
       for kind in ("Standard", "Wavenet") for letter in "ABCD"},
    **{f"Google.ms-MY-{kind}-{letter}": "ms-MY"
       for kind in ("Standard", "Wavenet") for letter in "ABCD"},
    **{f"Google.vi-VN-{kind}-{letter}": "vi-VN"
       for kind in ("Standard", "Wavenet") for letter in "ABCD"},
    **{f"Google.ko-KR-{kind}-{letter}": "ko-KR"
       for kind in ("Standard", "Wavenet") for letter in "ABCD"},
    "Polly.Seoyeon": "ko-KR",
    **{f"Polly.{name}": "en-US"
       for name in ("Ivy", "Joanna", "Kendra", "Kimberly", "Salli", "Joey", "Justin",
                    "Matthew")},
    **{f"Polly.{name}": "en-GB" for name in ("Amy", "Emma", "Brian")},
}

# A voice that speaks the locale, for <Say voice=...>. Twilio's default voice ("man",
# or the account's default) does not speak Thai or Indonesian, so <Say> in those
# languages needs one of these named with it.
SAY_VOICES = {
    "th-TH": "Google.th-TH-Standard-A",
    "id-ID": "Google.id-ID-Standard-A",
    "ms-MY": "Google.ms-MY-Standard-A",
    "vi-VN": "Google.vi-VN-Standard-A",
    "en-US": "Polly.Joanna",
    "en-GB": "Polly.Amy",
}


def can_say(locale: str | None) -> bool:
    return locale is not None and locale in SAY_LOCALES


def say_voice(locale: str | None) -> str | None:
    """The voice to name on <Say> for `locale`, or None for Twilio's default."""
    return SAY_VOICES.get(locale or "")


def voice_problem(voice: str, locale: str | None) -> str | None:
    """Why `voice` cannot speak `locale` by Twilio's table, or None when it can."""
    documented = DOCUMENTED_VOICES.get(voice)
    if documented is None:
        return (f"{voice!r} is not in Twilio's voice table as prompts/twilio_say.py "
                f"lists it (DOCUMENTED_VOICES)")
    if locale != documented:
        return (f"{voice!r} speaks {documented}, so twilio_say_language must be "
                f"{documented!r} (it is {locale!r})")
    return None
