"""Errors of the prompts package. Each carries a stable `code` (part of the API: the IVR,
the audio view and `helpline prompts check` branch on it, never on the message)."""

from __future__ import annotations

UNKNOWN_PROMPT = "prompt_unknown"
INVALID_PARAMS = "prompt_params_invalid"
UNAVAILABLE = "prompt_unavailable"
CATALOGUE_INVALID = "prompt_catalogue_invalid"
TTS_FAILED = "prompt_tts_failed"


class PromptError(Exception):
    code = "prompt_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class UnknownPrompt(PromptError):
    code = UNKNOWN_PROMPT


class InvalidPromptParams(PromptError):
    code = INVALID_PARAMS


class PromptUnavailable(PromptError):
    """Nothing can speak this prompt in the language, its fallbacks or the line's."""

    code = UNAVAILABLE


class CatalogueError(PromptError):
    code = CATALOGUE_INVALID


class TtsError(PromptError):
    code = TTS_FAILED
