"""A call as plain JSON: what the caller heard (with prompt ids), the path through
the IVR, time in queue, the outcome, every webhook's status and latency, notices.

The outcome is read from what Twilio could observe:
  error               the call ended on an application error (a fatal notice)
  bridged             a <Dial> (or a <Dial><Queue> from another call) connected
  voicemail           a <Record> produced a recording
  callback_requested  the caller heard the app's `callback_confirmed` prompt (prompt
                      ids are the only signal Twilio would see)
  hung_up             anything else: the caller or the app hung up
"""

from __future__ import annotations

import importlib
import re
from typing import Any
from urllib.parse import urlsplit

from helpline.pii import mask_number
from simulator.call import Heard, LiveCall

PROMPT_AUDIO = re.compile(r"/prompts/audio/(?P<language>[^/]+)/(?P<prompt_id>[^/?#]+?)\.\w+$")


def prompt_of_url(url: str | None) -> tuple[str | None, str | None]:
    """(language, prompt id) of the app's prompt audio URL, else (None, None)."""
    if not url:
        return None, None
    match = PROMPT_AUDIO.search(urlsplit(url).path)
    if match is None:
        return None, None
    return match["language"], match["prompt_id"]


def _say_prompt_id(text: str | None, language: str | None) -> str | None:
    """The prompt catalogue's id for a spoken sentence (`prompts.catalogue.find_prompt`),
    when the catalogue exists; None otherwise."""
    if not text:
        return None
    try:
        catalogue = importlib.import_module("prompts.catalogue")
    except ImportError:
        return None
    lookup = getattr(catalogue, "find_prompt", None)
    if lookup is None:
        return None
    # <Say language="th-TH">: the catalogue knows the helpline's codes ("th").
    code = (language or "").split("-")[0].lower()
    try:
        result = lookup(code, text)
    except Exception:  # a report must never fail on a catalogue problem
        return None
    return str(result) if result else None


def heard_json(item: Heard) -> dict[str, Any]:
    if item.verb == "play":
        language, prompt_id = prompt_of_url(item.audio_url)
    elif item.verb != "say":
        language, prompt_id = None, None
    else:
        language, prompt_id = item.language, _say_prompt_id(item.text, item.language)
    data: dict[str, Any] = {"verb": item.verb, "prompt_id": prompt_id, "language": language}
    if item.verb == "play":
        data["audio_url"] = item.audio_url
    else:
        data["text"] = item.text
    data.update({"at": item.at, "seconds": item.seconds})
    if item.interrupted:
        data["interrupted"] = True
    return data


def outcome(call: LiveCall, heard: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    if any(notice.fatal for notice in call.notices) or call.ended_by == "error":
        return {"kind": "error"}
    if call.bridged_to:
        kind, _, agent = call.bridged_to.partition(":")
        return {"kind": "bridged", "agent": agent, "agent_kind": kind,
                "talk_seconds": round(call.bridged_seconds, 3)}
    if any(ref.source == "RecordVerb" for ref in call.recordings):
        return {"kind": "voicemail",
                "recording_sid": next(ref.sid for ref in call.recordings
                                      if ref.source == "RecordVerb")}
    heard = heard if heard is not None else [heard_json(item) for item in list(call.heard)]
    # Only a confirmation counts: hearing the menu offer a callback is not requesting one.
    if any(item.get("prompt_id") == "callback_confirmed" for item in heard):
        return {"kind": "callback_requested"}
    return {"kind": "hung_up", "by": call.ended_by}


def call_json(call: LiveCall) -> dict[str, Any]:
    heard = [heard_json(item) for item in list(call.heard)]
    duration = None
    if call.answered_at is not None:
        end = call.ended_at if call.ended_at is not None else None
        duration = round(end - call.answered_at, 3) if end is not None else None
    return {
        "call_sid": call.sid,
        "to": call.to,
        "from": mask_number(call.from_),
        "status": call.status,
        "finished": call.finished,
        "duration_seconds": duration,
        "heard": heard,
        "path": [url for url in list(call.path)],
        "queue_seconds": round(call.queue_seconds, 3),
        "in_queue": call.queue_name,
        "outcome": outcome(call, heard) if call.finished else {"kind": "in_progress"},
        "ended_by": call.ended_by,
        "webhooks": [{"purpose": hook.purpose, "url": hook.url, "method": hook.method,
                      "status": hook.status, "latency_ms": hook.latency_ms,
                      **({"error": hook.error} if hook.error else {})}
                     for hook in list(call.webhooks)],
        "notices": [{"code": notice.code, "message": notice.message, "url": notice.url,
                     "fatal": notice.fatal} for notice in list(call.notices)],
        "recordings": [{"sid": ref.sid, "url": ref.url, "duration": ref.duration,
                        "channels": ref.channels, "source": ref.source}
                       for ref in list(call.recordings)],
    }


class CallResult:
    """A finished call for tests and tools: the JSON report plus handy views."""

    def __init__(self, call: LiveCall) -> None:
        self.call = call
        self.json = call_json(call)

    sid = property(lambda self: self.call.sid)
    outcome = property(lambda self: self.json["outcome"])
    heard = property(lambda self: self.json["heard"])
    path = property(lambda self: self.json["path"])
    webhooks = property(lambda self: self.json["webhooks"])
    notices = property(lambda self: self.json["notices"])
    recordings = property(lambda self: self.json["recordings"])
    queue_seconds = property(lambda self: self.json["queue_seconds"])

    @property
    def prompt_ids(self) -> list[str | None]:
        return [item["prompt_id"] for item in self.heard if item["verb"] in {"say", "play"}]

    @property
    def paths(self) -> list[str]:
        """The path part of each URL followed (no host), e.g. /twilio/voice/main."""
        return [urlsplit(url).path for url in self.path]

    def __repr__(self) -> str:
        return (f"CallResult({self.sid}, outcome={self.outcome}, paths={self.paths}, "
                f"notices={self.notices})")
