"""The app's prompt state, read from the database: reloaded only when the state version
moved, and the last state kept while the database cannot answer (a caller still hears
the prompts they heard a minute ago, never an error)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from helpline.db import Database
from prompts.audio_files import file_state
from prompts.state import PromptState
from prompts.store import load_state, state_version

log = logging.getLogger(__name__)


class DatabaseStateSource:
    def __init__(self, db: Database, audio_dir: Path) -> None:
        self.db = db
        self.audio_dir = audio_dir
        self._state: PromptState | None = None
        self._lock = threading.Lock()

    def __call__(self) -> PromptState:
        try:
            with self.db.session() as session:
                version = state_version(session)
                known = self._state
                if known is None or known.version != version:
                    with self._lock:
                        self._state = load_state(session, self.audio_dir)
        except SQLAlchemyError as exc:
            if self._state is None:
                log.warning("prompt review state not read from the database (%s): only "
                            "recordings placed on disk count, as drafts (is the database "
                            "migrated? helpline db upgrade)", type(exc).__name__)
                return file_state(self.audio_dir)
            log.warning("prompt review state not read from the database (%s); using the "
                        "state of version %s", type(exc).__name__, self._state.version)
        assert self._state is not None
        return self._state
