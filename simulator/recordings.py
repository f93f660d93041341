"""Recordings the stand-in has made, with their WAV and MP3 files on disk,
shaped like Twilio's Recording resource."""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from simulator.ids import recording_sid


@dataclass
class StoredRecording:
    sid: str
    account_sid: str
    call_sid: str | None         # None for a conference's recording (Twilio names no call)
    folder: Path
    duration: int
    channels: int
    source: str                  # RecordVerb / DialVerb (a <Dial>'s or <Conference>'s)
    created_at: float
    start_time: float
    status: str = "completed"    # or absent: nothing was recorded
    conference_sid: str | None = None

    @property
    def wav_path(self) -> Path:
        return self.folder / f"{self.sid}.wav"

    @property
    def mp3_path(self) -> Path:
        return self.folder / f"{self.sid}.mp3"


class RecordingStore:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._items: dict[str, StoredRecording] = {}
        self._lock = threading.Lock()

    def new_sid(self) -> str:
        return recording_sid()

    def add(self, recording: StoredRecording) -> StoredRecording:
        with self._lock:
            self._items[recording.sid] = recording
        return recording

    def add_media(self, *, account_sid: str, call_sid: str, wav: bytes, duration: int,
                  mp3: bytes | None = None, channels: int = 1, source: str = "RecordVerb",
                  at: float = 0.0, sid: str | None = None) -> StoredRecording:
        """A recording whose files hold exactly these bytes, as if "Twilio" had made it:
        seeds the emulator for download tests, including damaged media (the bytes are
        served as they are). Without `mp3` the .mp3 media answers 404."""
        sid = sid or self.new_sid()
        (self.folder / f"{sid}.wav").write_bytes(wav)
        if mp3 is not None:
            (self.folder / f"{sid}.mp3").write_bytes(mp3)
        return self.add(StoredRecording(
            sid=sid, account_sid=account_sid, call_sid=call_sid, folder=self.folder,
            duration=duration, channels=channels, source=source, created_at=at, start_time=at))

    def get(self, sid: str) -> StoredRecording | None:
        with self._lock:
            return self._items.get(sid)

    def list(self, call_sid: str | None = None,
             conference_sid: str | None = None) -> list[StoredRecording]:
        """Newest first, as Twilio lists them."""
        with self._lock:
            items = list(self._items.values())
        items.sort(key=lambda item: item.created_at, reverse=True)
        return [item for item in items
                if (call_sid is None or item.call_sid == call_sid)
                and (conference_sid is None or item.conference_sid == conference_sid)]

    def delete(self, sid: str) -> bool:
        with self._lock:
            recording = self._items.pop(sid, None)
        if recording is None:
            return False
        for path in (recording.wav_path, recording.mp3_path):
            path.unlink(missing_ok=True)
        return True

    def wipe(self) -> None:
        with self._lock:
            self._items.clear()
        shutil.rmtree(self.folder, ignore_errors=True)
