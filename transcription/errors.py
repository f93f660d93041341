"""Errors of the transcription engines, with stable codes."""

from __future__ import annotations

ENGINE_UNAVAILABLE = "engine_unavailable"


class EngineUnavailable(Exception):
    """The engine a language is configured for cannot run in this installation (its
    package or model is missing). Its voicemails go to people, with this reason."""

    code = ENGINE_UNAVAILABLE

    def __init__(self, engine: str, reason: str) -> None:
        self.engine = engine
        self.reason = reason
        super().__init__(f"{engine} unavailable: {reason}")
