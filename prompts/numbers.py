"""How numbers and keypad keys are written into a sentence so that each language's
voice says them correctly. Pure.

What was measured with espeak-ng (phoneme output, `espeak-ng -x`):
- Burmese reads Myanmar digits one at a time ("၁၂" → "one two"), so a count of ten or
  more is written in Burmese words; single digits stay digits (read well).
- Nepali reads Devanagari digits as Nepali numbers ("१२" → "बाह्र") but "12" in English,
  so Nepali uses Devanagari digits.
- Thai, Indonesian and English read Western digits as numbers in their own language.
Khmer and Lao have no voice here; their digits are written the way a person recording
the prompt (or a future voice) expects: Khmer digits, Western digits for Lao.
"""

from __future__ import annotations

MYANMAR_DIGITS = "၀၁၂၃၄၅၆၇၈၉"
DEVANAGARI_DIGITS = "०१२३४५६७८९"
KHMER_DIGITS = "០១២៣៤៥៦៧៨៩"
WESTERN_DIGITS = "0123456789"

# S'gaw Karen and Mon write Myanmar digits (no voice reads them: they are what a person
# recording the prompt reads); Shan and Kachin use Western digits, which espeak-ng's
# Shan voice reads as Shan numbers.
DIGITS = {"my": MYANMAR_DIGITS, "ne": DEVANAGARI_DIGITS, "km": KHMER_DIGITS,
          "ksw": MYANMAR_DIGITS, "mnw": MYANMAR_DIGITS}

# The keypad's "*" and "#" as callers hear them named on hotlines in each language.
KEY_WORDS = {
    "en": {"*": "star", "#": "hash"},
    "my": {"*": "ကြယ်ပွင့်", "#": "ဟက်ရှ်"},
    "th": {"*": "ดอกจัน", "#": "สี่เหลี่ยม"},
    "lo": {"*": "ດາວ", "#": "ສີ່ຫຼ່ຽມ"},
    "km": {"*": "សញ្ញាផ្កាយ", "#": "សញ្ញាការ៉េ"},
    "ne": {"*": "स्टार", "#": "ह्यास"},
    "id": {"*": "bintang", "#": "pagar"},
    # Shan: "star" and "four corners" (as Thai names the keys); drafts for a reviewer.
    "shn": {"*": "လၢဝ်", "#": "သီႇၸဵင်ႇ"},
}

_BURMESE_UNITS = ("", "တစ်", "နှစ်", "သုံး", "လေး", "ငါး", "ခြောက်", "ခုနစ်", "ရှစ်", "ကိုး")


def native_digits(language: str, digits: str) -> str:
    table = DIGITS.get(language, WESTERN_DIGITS)
    return "".join(table[int(ch)] if ch.isdigit() else ch for ch in digits)


def spoken_key(language: str, key: str) -> str:
    """A keypad key as a word or digit: "*" → "star", "2" → "၂" in Burmese."""
    if key.isdigit():
        return native_digits(language, key)
    return KEY_WORDS.get(language, KEY_WORDS["en"])[key]


def spoken_count(language: str, count: int) -> str:
    """A queue position or number of minutes (1-999)."""
    if language == "my" and count >= 10:
        return burmese_number_words(count)
    return native_digits(language, str(count))


def spoken_digit_string(language: str, digits: str) -> str:
    """Digits said one by one ("the number ending in 4 5 6 7"): separated by spaces so
    no voice reads them as one large number."""
    return " ".join(native_digits(language, ch) for ch in digits)


def burmese_number_words(number: int) -> str:
    """1-999 in Burmese words. Inside a number, ဆယ် and ရာ take the creaky tone (ဆယ့်,
    ရာ့) when more follows: 25 → နှစ်ဆယ့်ငါး, 120 → တစ်ရာ့နှစ်ဆယ်."""
    if not 1 <= number <= 999:
        raise ValueError(f"{number} is outside 1-999")
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    parts: list[str] = []
    if hundreds:
        parts.append(_BURMESE_UNITS[hundreds] + ("ရာ့" if rest else "ရာ"))
    if tens:
        parts.append(_BURMESE_UNITS[tens] + ("ဆယ့်" if units else "ဆယ်"))
    if units:
        parts.append(_BURMESE_UNITS[units])
    return "".join(parts)
