"""Prompts: the catalogue of what the IVR says (prompt id × language), recorded audio,
text-to-speech, and the check that every configured language can be served."""

from pathlib import Path

AUDIO_DIR = Path(__file__).parent / "audio"
