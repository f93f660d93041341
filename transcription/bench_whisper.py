"""`helpline bench transcription --engine whisper --json`: Whisper base's drafts, measured.

espeak-ng speech in Indonesian (the demo's Whisper language with a line), English and
Thai, converted to Twilio's formats (8 kHz mu-law WAV and MP3, alternately), decoded
by the helpline's own engine with the configuration's limits, in a child process of
its own so its peak RSS is a transcriber's: the model, the runtime, nothing else.
Reported per language: character error (Indonesian, Thai) or word error (English)
against the text spoken, real-time factor, CPU seconds per audio second, and the
drafts the guard rejected with why. Model load time and peak RSS once.

Options: --clips K (Indonesian clips, default 6).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

INDONESIAN = (
    "Majikan saya tidak membayar gaji saya selama tiga bulan",
    "Paspor saya diambil oleh agen dan tidak dikembalikan",
    "Saya bekerja dua belas jam setiap hari tanpa libur",
    "Teman saya sakit dan butuh pergi ke rumah sakit",
    "Kami tinggal di asrama yang sangat kecil dan kotor",
    "Tolong telepon saya kembali pada malam hari",
)
ENGLISH = (
    "My employer has not paid my wages for three months",
    "The agent took my passport and I want to go home",
)
# espeak-ng's Thai makes Whisper base loop: these must come back rejected.
THAI = ("นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว", "ผมทำงานวันละสิบสองชั่วโมงทุกวัน")


def bench_whisper(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="helpline bench transcription --engine whisper")
    parser.add_argument("--clips", type=int, default=len(INDONESIAN))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="helpline-bench-whisper-") as work:
        clips = _make_clips(Path(work), args.clips)
        manifest = Path(work) / "clips.json"
        manifest.write_text(json.dumps(clips, ensure_ascii=False))
        done = subprocess.run([sys.executable, "-m", "transcription.bench_whisper",
                               str(manifest)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        return json.loads(done.stdout)  # type: ignore[no-any-return]


def _make_clips(folder: Path, count: int) -> list[dict[str, str]]:
    from helpline import audio

    spoken = [("id", text) for text in (INDONESIAN * 2)[:count]]
    spoken += [("en", text) for text in ENGLISH] + [("th", text) for text in THAI]
    clips = []
    for index, (language, text) in enumerate(spoken):
        wav = folder / f"spoken-{index}.wav"
        subprocess.run(["espeak-ng", "-v", language, "-w", str(wav), text], check=True)
        if index % 2 == 0:
            out = audio.convert(wav, folder / f"clip-{index}.wav", codec="pcm_mulaw")
        else:
            out = audio.convert(wav, folder / f"clip-{index}.mp3", bitrate="32k")
        clips.append({"language": language, "text": text, "path": str(out)})
    return clips


def _measure(manifest: Path) -> dict[str, Any]:
    """In the child: load the model once, transcribe every clip, report."""
    from dataclasses import replace

    from helpline.config import load_config
    from helpline.settings import load_settings
    from recordings.audio import decode
    from transcription import registry as registry_module
    from transcription.accuracy import character_error_rate, word_error_rate
    from transcription.registry import ModelRegistry

    settings = load_settings()
    config = load_config(settings.config_path).transcription
    clips = json.loads(manifest.read_text())
    # Every language of the set on Whisper, with the configuration's own limits.
    engines = replace(config, engines={**config.engines,
                                       **{clip["language"]: "whisper" for clip in clips}})
    registry = ModelRegistry.from_paths({}, engines, settings.model_cache_dir)
    rss_before = _peak_rss_mb()
    started = time.perf_counter()
    first = registry.engine("id")
    assert first is not None
    load_seconds = time.perf_counter() - started
    by_language: dict[str, dict[str, Any]] = {}
    for clip in clips:
        decoded = decode(Path(clip["path"]))
        engine = registry.engine(clip["language"])
        assert engine is not None
        result = engine.transcribe(decoded.channels[0], decoded.sample_rate)
        figures = by_language.setdefault(clip["language"], {
            "clips": 0, "audio_seconds": 0.0, "wall_seconds": 0.0, "cpu_seconds": 0.0,
            "errors": [], "rejected_drafts": 0, "rejections": [], "samples": []})
        figures["clips"] += 1
        figures["audio_seconds"] += result.audio_seconds
        figures["wall_seconds"] += result.elapsed_seconds
        figures["cpu_seconds"] += result.cpu_seconds or 0.0
        measure = word_error_rate if clip["language"] == "en" else character_error_rate
        figures["errors"].append(round(measure(clip["text"], result.text), 3))
        if result.rejected:
            figures["rejected_drafts"] += 1
            figures["rejections"].append(result.rejected)
        if len(figures["samples"]) < 2:
            figures["samples"].append({"said": clip["text"], "draft": result.text[:160]})
    report: dict[str, Any] = {
        "engine": "faster-whisper", "model": first.model_id,
        "decoding": "greedy (beam 1), temperature 0 only, 1 CPU thread, int8, "
                    "language given, token cap and guard from the configuration",
        "limits": {k: v for k, v in vars(config.whisper).items()},
        "model_load_seconds": round(load_seconds, 2),
        "model_loads": registry_module.load_count,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "rss_mb_before_model": round(rss_before, 1),
        "cpu_count": os.cpu_count(),
        "languages": {},
    }
    for language, figures in by_language.items():
        errors = figures.pop("errors")
        metric = "wer" if language == "en" else "cer"
        audio = figures.pop("audio_seconds")
        wall, cpu = figures.pop("wall_seconds"), figures.pop("cpu_seconds")
        report["languages"][language] = {
            f"{metric}_mean": round(sum(errors) / len(errors), 3),
            f"{metric}_per_clip": errors,
            "audio_seconds": round(audio, 2),
            # Wall time on a shared machine; CPU time is the model's own cost.
            "real_time_factor": round(wall / audio, 3),
            "cpu_seconds_per_audio_second": round(cpu / audio, 3),
            **figures,
        }
    report["rejected_drafts"] = sum(f["rejected_drafts"] for f in by_language.values())
    return report


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    print(json.dumps(_measure(Path(sys.argv[1])), ensure_ascii=False))
