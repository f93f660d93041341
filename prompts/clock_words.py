"""How a day and a clock time are written into a sentence ("tomorrow at 8 a.m."), per
language, so that each voice says them the way callers say them. Pure.

A day is `today`, `tomorrow` or a weekday (`mon`..`sun`); a time is HHMM in the
helpline's local time. Languages whose callers count hours in twelve with a part of
the day (Burmese, Khmer, Nepali, English) get that — "မနက် ၈ နာရီ", "बिहान ८ बजे";
Thai, Lao and Indonesian announcements use the 24-hour clock ("8 นาฬิกา",
"pukul 14"). Digits are written as `prompts.numbers` writes them for each voice.
"""

from __future__ import annotations

from prompts.numbers import native_digits, spoken_count

DAYS = ("today", "tomorrow", "mon", "tue", "wed", "thu", "fri", "sat", "sun")

DAY_WORDS = {
    "en": ("today", "tomorrow", "on Monday", "on Tuesday", "on Wednesday", "on Thursday",
           "on Friday", "on Saturday", "on Sunday"),
    "my": ("ဒီနေ့", "မနက်ဖြန်", "တနင်္လာနေ့", "အင်္ဂါနေ့", "ဗုဒ္ဓဟူးနေ့", "ကြာသပတေးနေ့",
           "သောကြာနေ့", "စနေနေ့", "တနင်္ဂနွေနေ့"),
    "th": ("วันนี้", "พรุ่งนี้", "วันจันทร์", "วันอังคาร", "วันพุธ", "วันพฤหัสบดี", "วันศุกร์",
           "วันเสาร์", "วันอาทิตย์"),
    "lo": ("ມື້ນີ້", "ມື້ອື່ນ", "ວັນຈັນ", "ວັນອັງຄານ", "ວັນພຸດ", "ວັນພະຫັດ", "ວັນສຸກ", "ວັນເສົາ",
           "ວັນອາທິດ"),
    "km": ("ថ្ងៃនេះ", "ថ្ងៃស្អែក", "ថ្ងៃចន្ទ", "ថ្ងៃអង្គារ", "ថ្ងៃពុធ", "ថ្ងៃព្រហស្បតិ៍", "ថ្ងៃសុក្រ",
           "ថ្ងៃសៅរ៍", "ថ្ងៃអាទិត្យ"),
    "ne": ("आज", "भोलि", "सोमबार", "मङ्गलबार", "बुधबार", "बिहीबार", "शुक्रबार", "शनिबार",
           "आइतबार"),
    # Shan (espeak-ng's shn voice reads these); a draft for a Shan speaker to review.
    "shn": ("မိူဝ်ႈၼႆႉ", "မိူဝ်ႈၽုၵ်ႈ", "ဝၼ်းၸၼ်", "ဝၼ်းဢၢင်းၵၢၼ်း", "ဝၼ်းပုတ်ႉ", "ဝၼ်းၽတ်း",
            "ဝၼ်းသုၵ်း", "ဝၼ်းသဝ်", "ဝၼ်းဢႃးတိတ်ႉ"),
    "id": ("hari ini", "besok", "hari Senin", "hari Selasa", "hari Rabu", "hari Kamis",
           "hari Jumat", "hari Sabtu", "hari Minggu"),
}

# Parts of the day for the twelve-hour languages: (first hour, word), by hour.
_PARTS = {
    "my": ((0, "ည"), (4, "မနက်"), (12, "နေ့လယ်"), (16, "ညနေ"), (19, "ည")),
    "km": ((0, "យប់"), (4, "ព្រឹក"), (12, "ថ្ងៃត្រង់"), (13, "រសៀល"), (17, "ល្ងាច"), (19, "យប់")),
    "ne": ((0, "राति"), (4, "बिहान"), (12, "दिउँसो"), (17, "बेलुका"), (20, "राति")),
}


def spoken_day(language: str, day: str) -> str:
    return DAY_WORDS.get(language, DAY_WORDS["en"])[DAYS.index(day)]


def spoken_time(language: str, hhmm: str) -> str:
    hour, minute = int(hhmm[:2]), int(hhmm[2:])
    writer = _WRITERS.get(language, _english)
    return writer(hour, minute)


def _part(language: str, hour: int) -> str:
    return [word for first, word in _PARTS[language] if hour >= first][-1]


def _twelve(hour: int) -> int:
    return hour % 12 or 12


def _english(hour: int, minute: int) -> str:
    if minute == 0 and hour == 0:
        return "midnight"
    if minute == 0 and hour == 12:
        return "12 noon"
    # "AM" not "a.m.": a sentence's full stop after it would read "a.m..".
    suffix = "AM" if hour < 12 else "PM"
    clock = f"{_twelve(hour)}" if minute == 0 else f"{_twelve(hour)}:{minute:02d}"
    return f"{clock} {suffix}"


def _burmese(hour: int, minute: int) -> str:
    hours = spoken_count("my", _twelve(hour))
    if minute == 0:
        clock = f"{hours} နာရီ"
    elif minute == 30:
        clock = f"{hours} နာရီခွဲ"
    else:
        clock = f"{hours} နာရီ {spoken_count('my', minute)} မိနစ်"
    return f"{_part('my', hour)} {clock}"


def _khmer(hour: int, minute: int) -> str:
    hours = native_digits("km", str(_twelve(hour)))
    minutes = "" if minute == 0 else f" និង {native_digits('km', str(minute))} នាទី"
    return f"ម៉ោង {hours}{minutes} {_part('km', hour)}"


def _nepali(hour: int, minute: int) -> str:
    hours = native_digits("ne", str(_twelve(hour)))
    clock = f"{hours} बजे" if minute == 0 else (
        f"{hours} बजेर {native_digits('ne', str(minute))} मिनेट")
    return f"{_part('ne', hour)} {clock}"


# On the 24-hour clock midnight is said by its name, not "0 o'clock".
def _thai(hour: int, minute: int) -> str:
    if hour == 0 and minute == 0:
        return "เที่ยงคืน"
    return f"{hour} นาฬิกา" + ("" if minute == 0 else f" {minute} นาที")


def _lao(hour: int, minute: int) -> str:
    if hour == 0 and minute == 0:
        return "ທ່ຽງຄືນ"
    return f"{hour} ໂມງ" + ("" if minute == 0 else f" {minute} ນາທີ")


def _indonesian(hour: int, minute: int) -> str:
    if hour == 0 and minute == 0:
        return "pukul 24"
    return f"pukul {hour}" + ("" if minute == 0 else f" lewat {minute} menit")


def _shan(hour: int, minute: int) -> str:
    # Twenty-four hour clock in Western digits, which the Shan voice reads in Shan.
    minutes = "" if minute == 0 else f" {minute} မိၼိတ်ႉ"
    return f"မူင်း {hour}{minutes}"


_WRITERS = {"shn": _shan, "en": _english, "my": _burmese, "km": _khmer, "ne": _nepali, "th": _thai,
            "lo": _lao, "id": _indonesian}
