"""Twilio's named call queues (<Enqueue>/<Dial><Queue>): members in arrival
order, and the average wait of calls that have left, as Twilio reports them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from simulator.ids import queue_sid


@dataclass
class SimQueue:
    name: str
    sid: str = field(default_factory=queue_sid)
    members: list[Any] = field(default_factory=list)     # LiveCall, in arrival order
    waits: list[float] = field(default_factory=list)     # seconds waited by calls that left

    @property
    def average_wait(self) -> int:
        return int(sum(self.waits) / len(self.waits)) if self.waits else 0


class QueueRegistry:
    def __init__(self) -> None:
        self._queues: dict[str, SimQueue] = {}
        self._lock = threading.Lock()

    def join(self, name: str, call: Any) -> SimQueue:
        with self._lock:
            queue = self._queues.setdefault(name, SimQueue(name))
            if call not in queue.members:
                queue.members.append(call)
            return queue

    def leave(self, name: str, call: Any, waited: float) -> None:
        with self._lock:
            queue = self._queues.get(name)
            if queue is not None and call in queue.members:
                queue.members.remove(call)
                queue.waits.append(waited)

    def position(self, name: str, call: Any) -> tuple[int, int]:
        """(1-based position, queue size)."""
        with self._lock:
            queue = self._queues[name]
            return queue.members.index(call) + 1, len(queue.members)

    def take_first(self, name: str) -> Any | None:
        with self._lock:
            queue = self._queues.get(name)
            if queue is None or not queue.members:
                return None
            return queue.members.pop(0)

    def get(self, name: str) -> SimQueue | None:
        with self._lock:
            return self._queues.get(name)
