"""espeak-ng's Shan voice speaks the Shan texts: real renderings, each non-silent and as
long as speech of its length (measured: 70-120 ms per Myanmar-script character; a
beep is far shorter, a letter-by-letter spelling far longer), and read as Shan: espeak-ng
switches to English to spell what it cannot read (it did for "တေလႆႈ" written without a
space, and for the key name "hash"), which this test catches."""

from __future__ import annotations

import re
import subprocess
import wave
from array import array

import pytest

from prompts.catalogue import PROMPT_IDS, SAMPLE_PARAMS, default_catalogue, params_for
from prompts.tts import Espeak, espeak_text

MYANMAR_SCRIPT = re.compile(r"[\u1000-\u109f]")


def shan_texts() -> list[tuple[str, str]]:
    catalogue = default_catalogue()
    texts = []
    for prompt_id in PROMPT_IDS:
        entry = catalogue.text(prompt_id, "shn")
        assert entry is not None and entry.spoken_in == "shn"
        params = {name: SAMPLE_PARAMS[name] for name in params_for(prompt_id)}
        texts.append((prompt_id, entry.render(params)))
    return texts


@pytest.fixture(scope="module")
def engine() -> Espeak:
    engine = Espeak()
    assert engine.has_voice("shn"), "espeak-ng 1.51 has a Shan voice (shn)"
    return engine


@pytest.mark.parametrize(("prompt_id", "text"), shan_texts())
def test_the_shan_voice_speaks_each_shan_text(engine, tmp_path, prompt_id, text):
    target = tmp_path / f"{prompt_id}.wav"
    engine.render_wav(text, "shn", target)
    with wave.open(str(target)) as audio:
        samples = array("h", audio.readframes(audio.getnframes()))
        seconds = audio.getnframes() / audio.getframerate()
    characters = len(MYANMAR_SCRIPT.findall(text))
    assert max(map(abs, samples)) > 3000, "silent"
    assert 0.05 * characters < seconds < 0.16 * characters + 0.8, (seconds, characters)
    phonemes = subprocess.run(["espeak-ng", "-v", "shn", "-q", "-x", "--stdin"],
                              input=espeak_text(text).encode(), capture_output=True,
                              timeout=30, check=True).stdout.decode()
    assert "(en)" not in phonemes and "(my)" not in phonemes
