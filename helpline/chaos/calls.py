"""Callers and agents, over real HTTP.

`StandIn` drives the stand-in's `/sim/*` JSON API (simulator/phone/control.py): place
calls, press keys, hang up, register softphones, add fault rules, read a call's
report (every webhook with status and latency, every prompt heard). `Agent` is a
staff member in the console's JSON API: logged in through the real form (CSRF and
all), setting presence, taking offers.

Callers' numbers are made up, and never printed: reports mask them.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from helpline.chaos.stack import StackError, wait_for

HTTP_TIMEOUT = 10.0
ENDED = {"completed", "busy", "failed", "no-answer", "canceled"}
_caller_numbers = itertools.count(1)
_numbers_lock = threading.Lock()


def new_caller_number() -> str:
    """A different (fictional, Thai mobile-shaped) number for each caller."""
    with _numbers_lock:
        n = next(_caller_numbers)
    return f"+6689{n:07d}"


@dataclass
class PlacedCall:
    sid: str
    placed_at: float                      # wall clock (time.time())
    ended_at: float | None = None         # wall clock when the harness saw it finish
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def recording_sids(self) -> list[str]:
        return [item["sid"] for item in self.report.get("recordings", [])
                if item.get("source") == "RecordVerb"]

    @property
    def outcome(self) -> str:
        return str(self.report.get("outcome", {}).get("kind", "unknown"))


class StandIn:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()

    def _url(self, path: str) -> str:
        return f"{self.base_url}/sim{path}"

    def _post(self, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        response = self.http.post(self._url(path), json=body or {}, timeout=HTTP_TIMEOUT)
        if response.status_code >= 400:
            raise StackError(f"stand-in refused POST /sim{path}: {response.status_code} "
                             f"{response.text[:200]}")
        return response

    # ------------------------------------------------------------------ calls

    def place_call(self, *, to: str, press: list[str] | None = None, say: str | None = None,
                   voice: str = "en", record_end: str = "#", hangup_after: float | None = None,
                   interactive: bool = False) -> PlacedCall:
        body: dict[str, Any] = {"to": to, "from": new_caller_number(), "press": press or [],
                                "voice": voice, "record_end": record_end,
                                "interactive": interactive}
        if say is not None:
            body["say"] = say
        if hangup_after is not None:
            body["hangup_after"] = hangup_after
        sid = self._post("/calls", body).json()["call_sid"]
        return PlacedCall(sid=sid, placed_at=time.time())

    def press(self, sid: str, digits: str) -> None:
        self._post(f"/calls/{sid}/digits", {"digits": digits})

    def hang_up(self, sid: str) -> None:
        self._post(f"/calls/{sid}/hangup")

    def leave_voicemail(self, *, to: str, say: str, voice: str,
                        record_end: str = "#") -> PlacedCall:
        """A caller who presses 2 (voice message) at once, barging into the menu, speaks
        `say`, then ends as `record_end` says ("#" or "hangup")."""
        call = self.place_call(to=to, say=say, voice=voice, record_end=record_end,
                               interactive=True)
        self.press(call.sid, "2")
        return call

    def wait_in_queue(self, *, to: str) -> PlacedCall:
        """A caller who presses 1 (an advisor) at once and waits on the line."""
        call = self.place_call(to=to, interactive=True)
        self.press(call.sid, "1")
        return call

    def report(self, sid: str) -> dict[str, Any]:
        response = self.http.get(self._url(f"/calls/{sid}"), timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return dict(response.json())

    def statuses(self) -> dict[str, str]:
        """Status of the stand-in's 100 most recent calls, by sid."""
        response = self.http.get(self._url("/calls"), timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return {item["call_sid"]: item["status"] for item in response.json()["calls"]}

    def wait_finished(self, calls: list[PlacedCall], timeout: float,
                      interval: float = 0.25) -> None:
        """Waits for every call to end, noting when each did, then fetches its report."""
        pending = {call.sid: call for call in calls if call.ended_at is None}

        def all_ended() -> bool:
            now = time.time()
            # One request for every recent call: polling each report would load the
            # stand-in that is carrying the calls.
            statuses = self.statuses()
            for sid, call in list(pending.items()):
                status = statuses.get(sid) or self.report(sid).get("status")
                if status in ENDED:
                    call.ended_at = now
                    del pending[sid]
            return not pending

        try:
            wait_for(f"{len(pending)} call(s) to end", all_ended, timeout, interval)
        finally:
            for call in calls:
                if call.ended_at is not None:
                    # Ended: its status callback is on its way; the report is complete
                    # once it has been sent.
                    call.report = self._final_report(call.sid)

    def _final_report(self, sid: str) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            report = self.report(sid)
            return report if report.get("finished") else None

        return dict(wait_for(f"the report of {sid}", finished, 20))

    def wait_until(self, call: PlacedCall, what: str, predicate: Any,
                   timeout: float = 30.0) -> dict[str, Any]:
        """Waits until `predicate(report)` holds for a live call; returns the report."""
        last: dict[str, Any] = {}

        def check() -> dict[str, Any] | None:
            last.update(report := self.report(call.sid))
            if predicate(report):
                return report
            if report.get("finished"):
                raise StackError(f"call ended before {what}: {describe(report)}")
            return None

        try:
            return dict(wait_for(what, check, timeout, interval=0.2))
        except StackError as exc:
            raise StackError(f"{exc}; the call so far: {describe(last)}") from None

    # ------------------------------------------------------------------ agents' phones

    def softphone(self, identity: str, **behaviour: Any) -> None:
        self._post(f"/clients/{identity}", behaviour)

    def endpoints(self) -> list[dict[str, Any]]:
        response = self.http.get(self._url("/endpoints"), timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return list(response.json()["endpoints"])

    # ------------------------------------------------------------------ faults

    def add_fault(self, target: str, kind: str, *, count: int = 1, status: int = 500,
                  seconds: float = 0.0, match: str = "") -> None:
        self._post("/faults", {"target": target, "kind": kind, "count": count,
                               "status": status, "seconds": seconds, "match": match})

    def clear_faults(self) -> None:
        self.http.delete(self._url("/faults"), timeout=HTTP_TIMEOUT)

    def close(self) -> None:
        self.http.close()


class Agent:
    """A staff member using the console's JSON API, as the browser would."""

    def __init__(self, app_url: str, email: str, password: str) -> None:
        self.app_url = app_url.rstrip("/")
        self.email = email
        self.http = requests.Session()
        self.token = ""
        self.agent_id: int | None = None
        self._log_in(password)

    def _refresh_token(self, path: str) -> None:
        page = self.http.get(self.app_url + path, timeout=HTTP_TIMEOUT).text
        match = re.search(r'name="csrf-token" content="([^"]+)"', page)
        if match is None:
            raise StackError(f"no CSRF token on {path}")
        self.token = match.group(1)
        self.http.headers["X-CSRFToken"] = self.token

    def _log_in(self, password: str) -> None:
        self._refresh_token("/login")
        response = self.http.post(self.app_url + "/login", allow_redirects=False,
                                  timeout=HTTP_TIMEOUT,
                                  data={"email": self.email, "password": password,
                                        "csrf_token": self.token})
        if response.status_code != 302:
            raise StackError(f"{self.email} could not log in: {response.status_code}")
        self._refresh_token("/")
        self.agent_id = int(self.state()["agent_id"])

    @property
    def identity(self) -> str:
        return f"agent-{self.agent_id}"

    def state(self) -> dict[str, Any]:
        response = self.http.get(self.app_url + "/api/agents/me/state", timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return dict(response.json())

    def set_state(self, state: str, reason: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"state": state}
        if reason:
            body["reason"] = reason
        response = self.http.post(self.app_url + "/api/agents/me/state", json=body,
                                  timeout=HTTP_TIMEOUT)
        if response.status_code != 200:
            raise StackError(f"set state {state}: {response.status_code} {response.text[:200]}")
        return dict(response.json())

    def offer(self) -> dict[str, Any] | None:
        response = self.http.get(self.app_url + "/api/agents/me/offer", timeout=HTTP_TIMEOUT)
        return dict(response.json()) if response.status_code == 200 else None

    def accept(self) -> requests.Response:
        return self.http.post(self.app_url + "/api/agents/me/offer/accept", timeout=HTTP_TIMEOUT)

    def hang_up(self, call_sid: str) -> requests.Response:
        return self.http.post(f"{self.app_url}/api/calls/{call_sid}/hangup",
                              timeout=HTTP_TIMEOUT)

    def close(self) -> None:
        self.http.close()


def describe(report: dict[str, Any]) -> str:
    """A call report in one line for an error message: path, prompts, webhooks (no number)."""
    paths = [urlsplit(url).path for url in report.get("path", [])]
    heard = [item.get("prompt_id") or item.get("verb") for item in report.get("heard", [])]
    hooks = [f"{urlsplit(hook['url']).path}={hook['status']}/{hook['latency_ms']:.0f}ms"
             for hook in report.get("webhooks", [])]
    return (f"outcome={report.get('outcome')} paths={paths} heard={heard} webhooks={hooks} "
            f"notices={[notice.get('code') for notice in report.get('notices', [])]}")
