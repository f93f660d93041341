"""Prompts: the catalogue of what the IVR says (prompt id × language), recorded audio,
text-to-speech, and the check that every configured language can be served."""

from pathlib import Path

AUDIO_DIR = Path(__file__).parent / "audio"


def recordings_dir(instance_dir: Path) -> Path:
    """Where recorded, uploaded and imported prompts are stored (see prompts.audio_files)."""
    return instance_dir / "prompt-recordings"
