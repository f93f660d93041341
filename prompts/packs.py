"""Prompt packs: one language's texts and recordings in a zip, so a partner
organisation can record a language and an admin can install it.

A pack holds `manifest.json`, `texts.yaml` (the texts in the catalogue's own format, for
the people recording) and `audio/<prompt_id>[.<variant>].wav`. The manifest lists, per
prompt, its text and review state and each recording with its sha256, who recorded
it, its review state and reviewer (an e-mail address), plus `record`: the variants
this installation's configuration plays, so a partner knows which ones to record.

Installing a pack (`import_pack`) checks everything before it changes anything: the
format, that the language is configured here and every prompt id and variant is one
the catalogue knows, placeholders, Myanmar-script texts not in Zawgyi, every file's
checksum, that each recording decodes as audio of a prompt's length and is not silent.
Everything loads as **drafts**, except that a review in the manifest is kept when its
reviewer is a staff member *of this installation* who holds the review grant for the
language (and did not record it): a partner cannot make its own recordings reviewed
here, and an installation's own reviewer who approved a pack elsewhere need not do it
twice. Anything wrong: nothing is loaded, and every problem is listed.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import wave
import zipfile
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from helpline.config import HelplineConfig
from prompts import store
from prompts.catalogue import PROMPTS, normalise_params, params_for
from prompts.coverage import checked_params
from prompts.resolver import PromptResolver
from prompts.state import DRAFT, KEY_NAMES, REVIEWED, PromptState, variant_of

FORMAT, FORMAT_VERSION = "helpline-prompt-pack", 1
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_PACK_BYTES = 400 * 1024 * 1024
MYANMAR_SCRIPT = re.compile(r"[\u1000-\u109f]")
# Peak below this (16-bit) is silence on a phone line (about -50 dBFS).
SILENCE_PEAK = 100


class PackError(Exception):
    code = "prompt_pack_invalid"

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class ImportReport:
    language: str
    recordings: int = 0
    reviewed_recordings: int = 0
    texts: int = 0
    reviewed_texts: int = 0
    reviews_not_kept: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


# ------------------------------------------------------------------ export


def export_pack(resolver: PromptResolver, config: HelplineConfig, state: PromptState,
                language: str, target: Path) -> dict[str, Any]:
    """Writes the pack of `language` to `target`; returns its manifest."""
    prompts: list[dict[str, Any]] = []
    texts_yaml: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    for prompt_id in PROMPTS:
        entry = resolver.text(state, prompt_id, language, language, reviewed=None)
        reviewed = resolver.text(state, prompt_id, language, language, reviewed=True)
        item: dict[str, Any] = {"prompt_id": prompt_id, "params": list(params_for(prompt_id)),
                                "record": [variant_of(p) for p in
                                           checked_params(config, prompt_id, language)]}
        if entry is not None:
            item["text"] = {"text": entry.text, "one": entry.one,
                            "spoken_in": entry.spoken_in,
                            "state": REVIEWED if reviewed is not None else DRAFT,
                            "reviewed_by": reviewed.reviewed_by if reviewed else None,
                            "sha256": store.text_sha256(entry.text, entry.one)}
            texts_yaml[prompt_id] = {"text": entry.text, **({"one": entry.one} if entry.one
                                                             else {}),
                                     "reviewed": reviewed is not None}
        recordings = []
        for (code, pid, variant, rec_state), ref in sorted(state.recordings.items()):
            if code != language or pid != prompt_id:
                continue
            if not ref.file.endswith(".wav"):
                continue  # hand-placed MP3s are not packed: a pack carries WAV only
            data = (resolver.recordings_dir / ref.file).read_bytes()
            name = f"audio/{'.'.join(filter(None, (prompt_id, variant)))}.{rec_state}.wav"
            files[name] = data
            recordings.append({"variant": variant, "file": name,
                               "sha256": hashlib.sha256(data).hexdigest(), "state": rec_state,
                               "recorded_by": ref.recorded_by,
                               "reviewed_by": ref.reviewed_by})
        item["recordings"] = recordings
        prompts.append(item)
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "language": language,
                "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "state_version": state.version, "prompts": prompts}
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        pack.writestr("texts.yaml", yaml.safe_dump({"language": language,
                                                    "prompts": texts_yaml},
                                                   allow_unicode=True, sort_keys=False))
        for name, data in files.items():
            pack.writestr(name, data)
    return manifest


# ------------------------------------------------------------------ import


@dataclass(frozen=True)
class _Recording:
    prompt_id: str
    variant: str
    wav: bytes
    seconds: float
    recorded_by: str | None
    reviewed_by: str | None
    state: str


@dataclass(frozen=True)
class _Text:
    prompt_id: str
    text: str
    one: str | None
    reviewed_by: str | None
    state: str


def import_pack(session: Session, resolver: PromptResolver, config: HelplineConfig,
                source: Path) -> ImportReport:
    """Validates the pack at `source` and loads it (one transaction: the caller commits)."""
    language, texts, recordings = read_pack(source, config)
    report = ImportReport(language=language)
    state = store.load_state(session, resolver.audio_dir)
    for text in texts:
        reviewer = _kept_reviewer(session, text.reviewed_by, language, None, report,
                                  f"{language}/{text.prompt_id} text")
        current = resolver.text(state, text.prompt_id, language, language, reviewed=None)
        same = current is not None and (current.text, current.one) == (text.text, text.one)
        if same and (reviewer is None or (current is not None and current.reviewed)):
            continue  # nothing new
        store.add_text(session, language=language, prompt_id=text.prompt_id, text=text.text,
                       one=text.one, source="import",
                       by_name=None, reviewed_by_id=reviewer.id if reviewer else None)
        report.texts += 1
        report.reviewed_texts += bool(reviewer)
    # Reviewed first, so a pack's newer draft of the same prompt stays the draft.
    for rec in sorted(recordings, key=lambda r: r.state != REVIEWED):
        recorder = store.staff_by_email(session, rec.recorded_by) if rec.recorded_by else None
        name = ".".join(filter(None, (rec.prompt_id, rec.variant)))
        reviewer = _kept_reviewer(session, rec.reviewed_by, language,
                                  recorder.id if recorder else None, report,
                                  f"{language}/{name}")
        store.add_recording(session, recordings_dir=resolver.recordings_dir, language=language,
                            prompt_id=rec.prompt_id, variant=rec.variant, wav=rec.wav,
                            seconds=rec.seconds, source="import",
                            recorded_by_id=recorder.id if recorder else None,
                            recorded_by_name=None if recorder else rec.recorded_by,
                            reviewed_by_id=reviewer.id if reviewer else None)
        report.recordings += 1
        report.reviewed_recordings += bool(reviewer)
    return report


def _kept_reviewer(session: Session, email: str | None, language: str,
                   recorder_id: int | None, report: ImportReport, what: str) -> Any:
    if not email:
        return None
    staff = store.staff_by_email(session, email)
    if staff is None or not store.is_reviewer(session, staff.id, language):
        report.reviews_not_kept.append(f"{what}: {email} is not a reviewer of {language} "
                                       f"here; loaded as a draft")
        return None
    if staff.id == recorder_id:
        report.reviews_not_kept.append(f"{what}: reviewed by the person who recorded it; "
                                       f"loaded as a draft")
        return None
    return staff


def read_pack(source: Path, config: HelplineConfig
              ) -> tuple[str, list[_Text], list[_Recording]]:
    """The pack's contents, or PackError listing every problem in it."""
    problems: list[str] = []
    try:
        pack = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        raise PackError([f"{source.name}: not a zip file ({exc})"]) from exc
    with pack:
        if sum(info.file_size for info in pack.infolist()) > MAX_PACK_BYTES:
            raise PackError([f"{source.name}: larger than {MAX_PACK_BYTES // 2**20} MB unpacked"])
        try:
            manifest = json.loads(_member(pack, "manifest.json"))
        except (KeyError, ValueError) as exc:
            raise PackError([f"{source.name}: no readable manifest.json ({exc})"]) from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
                or manifest.get("format_version") != FORMAT_VERSION:
            raise PackError([f"manifest.json: not a {FORMAT} version {FORMAT_VERSION}"])
        language = manifest.get("language")
        if language not in config.languages:
            raise PackError([f"manifest.json: language {language!r} is not configured here "
                             f"({', '.join(config.languages)})"])
        texts: list[_Text] = []
        recordings: list[_Recording] = []
        entries = manifest.get("prompts")
        if not isinstance(entries, list):
            raise PackError(["manifest.json: prompts must be a list"])
        for entry in entries:
            _read_entry(pack, str(language), entry, texts, recordings, problems)
    if problems:
        raise PackError(problems)
    return str(language), texts, recordings


def _read_entry(pack: zipfile.ZipFile, language: str, entry: Any, texts: list[_Text],
                recordings: list[_Recording], problems: list[str]) -> None:
    raw_id = entry.get("prompt_id") if isinstance(entry, dict) else None
    if raw_id not in PROMPTS:
        problems.append(f"manifest.json: unknown prompt id {raw_id!r}")
        return
    prompt_id = str(raw_id)
    text = entry.get("text")
    if text is not None:
        problem = _text_problem(language, prompt_id, text)
        if problem:
            problems.append(f"{prompt_id}: {problem}")
        else:
            texts.append(_Text(prompt_id, " ".join(text["text"].split()), text.get("one"),
                               text.get("reviewed_by") if text.get("state") == REVIEWED
                               else None, str(text.get("state", DRAFT))))
    for rec in entry.get("recordings") or []:
        where = f"{prompt_id} {rec.get('file')!r}" if isinstance(rec, dict) else prompt_id
        if not isinstance(rec, dict) or not isinstance(rec.get("file"), str):
            problems.append(f"{where}: a recording needs file and sha256")
            continue
        variant = str(rec.get("variant") or "")
        if not _variant_ok(prompt_id, variant):
            problems.append(f"{where}: variant {variant!r} is not a value "
                            f"{prompt_id} takes ({', '.join(params_for(prompt_id)) or 'none'})")
            continue
        try:
            data = _member(pack, rec["file"])
        except KeyError:
            problems.append(f"{where}: not in the pack")
            continue
        if hashlib.sha256(data).hexdigest() != rec.get("sha256"):
            problems.append(f"{where}: checksum does not match the manifest")
            continue
        try:
            wav, seconds = _phone_audio(data)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        state = REVIEWED if rec.get("state") == REVIEWED else DRAFT
        recordings.append(_Recording(prompt_id, variant, wav, seconds, rec.get("recorded_by"),
                                     rec.get("reviewed_by") if state == REVIEWED else None,
                                     state))


def _member(pack: zipfile.ZipFile, name: str) -> bytes:
    info = pack.getinfo(name)  # KeyError when absent: only names the manifest gives
    if info.file_size > MAX_MEMBER_BYTES:
        raise KeyError(f"{name} is larger than {MAX_MEMBER_BYTES // 2**20} MB")
    return pack.read(info)


def _text_problem(language: str, prompt_id: str, text: Any) -> str | None:
    if not isinstance(text, dict) or not isinstance(text.get("text"), str) \
            or not text["text"].strip():
        return "text must have a non-empty text"
    for template in filter(None, (text["text"], text.get("one"))):
        used = set(re.findall(r"{(\w+)}", template))
        if used != set(PROMPTS[prompt_id]):
            return (f"placeholders {sorted(used)} but the prompt takes "
                    f"{list(PROMPTS[prompt_id])}")
        if MYANMAR_SCRIPT.search(template):
            from agent_console.zawgyi import looks_like_zawgyi

            if looks_like_zawgyi(template):
                return "the text is Zawgyi-encoded; Unicode Myanmar script is required"
    return None


def _variant_ok(prompt_id: str, variant: str) -> bool:
    names = params_for(prompt_id)
    values = variant.split(".") if variant else []
    if len(values) != len(names):
        return False
    raw = {name: key for key, name in KEY_NAMES.items()}
    try:
        params = normalise_params(prompt_id, {name: raw.get(value, value)
                                              for name, value in zip(sorted(names), values,
                                                                     strict=True)},
                                  strict=True)
    except Exception:  # noqa: BLE001 - any invalid value is a refused variant
        return False
    return variant_of(params) == variant


def _phone_audio(data: bytes) -> tuple[bytes, float]:
    from agent_console.prompt_audio import PromptAudioError, convert_prompt_audio

    try:
        wav, seconds = convert_prompt_audio(data)
    except PromptAudioError as exc:
        raise ValueError(str(exc)) from exc
    with wave.open(io.BytesIO(wav)) as audio:
        samples = array("h", audio.readframes(audio.getnframes()))
    if not samples or max(abs(min(samples)), max(samples)) < SILENCE_PEAK:
        raise ValueError("the recording is silent")
    return wav, seconds
