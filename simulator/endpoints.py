"""Simulated agent phones: softphones registered under a client identity
(`<Dial><Client>agent-17</Client>`) and agent phone numbers (`<Dial><Number>`).

A `Behaviour` decides what happens when the endpoint rings: answer after N
seconds, reject (busy), never answer, or wait for someone to press "answer"
(`manual`); once answered, the agent talks for `talk_seconds` and hangs up
(None: stays on until the caller hangs up or the Dial's timeLimit).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_TALK_SECONDS = 30.0


@dataclass(frozen=True)
class Behaviour:
    answer_after: float | None = 2.0
    reject: bool = False
    manual: bool = False
    talk_seconds: float | None = DEFAULT_TALK_SECONDS
    say: str = "Hello, you are speaking with the helpline. How can I help you?"
    voice: str = "en"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Behaviour:
        known = {name for name in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown behaviour field(s): {', '.join(sorted(unknown))}")
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Endpoint:
    kind: str                     # client / number
    address: str                  # identity or E.164 number
    behaviour: Behaviour
    rings: list[dict[str, Any]] = field(default_factory=list)   # what happened, in order
    # The legs currently ringing or bridged here: (parent LiveCall, child sid); a leg
    # running TwiML of its own (placed by the REST API, or moved out of a bridge into a
    # conference) is (that LiveCall, its own sid).
    active: list[tuple[Any, str]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.address}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "address": self.address, "behaviour": self.behaviour.to_json(),
                "rings": list(self.rings),
                "active_calls": [child for _parent, child in self.active]}


class Endpoints:
    def __init__(self) -> None:
        self._by_key: dict[str, Endpoint] = {}
        self._lock = threading.Lock()

    def register(self, kind: str, address: str, behaviour: Behaviour | None = None) -> Endpoint:
        if kind not in {"client", "number"}:
            raise ValueError(f"endpoint kind must be client or number, not {kind!r}")
        with self._lock:
            endpoint = Endpoint(kind, address, behaviour or Behaviour())
            old = self._by_key.get(endpoint.key)
            if old is not None:
                endpoint.rings = old.rings
                endpoint.active = old.active
            self._by_key[endpoint.key] = endpoint
            return endpoint

    def unregister(self, kind: str, address: str) -> bool:
        with self._lock:
            return self._by_key.pop(f"{kind}:{address}", None) is not None

    def find(self, kind: str, address: str) -> Endpoint | None:
        with self._lock:
            return self._by_key.get(f"{kind}:{address}")

    def all(self) -> list[Endpoint]:
        with self._lock:
            return list(self._by_key.values())

    def answer(self, kind: str, address: str) -> bool:
        """Someone pressed "answer" on a manual endpoint: tell the ringing call."""
        endpoint = self.find(kind, address)
        if endpoint is None or not endpoint.active:
            return False
        for parent, _child in list(endpoint.active):
            parent.control.signal(f"answered:{endpoint.key}")
        return True

    def hangup(self, kind: str, address: str) -> bool:
        """The agent hangs up: every bridge on this endpoint ends."""
        endpoint = self.find(kind, address)
        if endpoint is None or not endpoint.active:
            return False
        for owner, sid in list(endpoint.active):
            if sid == owner.sid:
                owner.control.hangup("agent")
            else:
                owner.control.signal(f"agent_hangup:{endpoint.key}")
        return True
