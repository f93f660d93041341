"""What the REST emulator was asked to do: every authenticated-or-not request that
reached it, with its form and the status it answered. Tests assert on this the
way one reads Twilio's request inspector: "the app moved this call to that URL"."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class RestRequest:
    method: str
    path: str                      # /2010-04-01/Accounts/{AC}/Calls/{CA}.json
    form: dict[str, str]           # the POSTed parameters (first value of each)
    status: int                    # what the emulator answered


class RestLog:
    def __init__(self) -> None:
        self._requests: list[RestRequest] = []
        self._lock = threading.Lock()

    def add(self, request: RestRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def requests(self, method: str | None = None, path_suffix: str = "") -> list[RestRequest]:
        """Requests in arrival order, optionally only one method and paths ending so."""
        with self._lock:
            logged = list(self._requests)
        return [item for item in logged
                if method in (None, item.method) and item.path.endswith(path_suffix)]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
