"""The webhook benchmark's load: closed-loop callers hitting `incoming` as fast as
they get answers, and paced callers who listen to every prompt in (scaled) real time.

Everything runs on one asyncio loop in one thread, so the generator's own cost is a
known, small share of one core (`loadgen_cpu_cores` in the results).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from twilio.request_validator import RequestValidator

from simulator.http_client import Connection, HttpError, get_bytes, post_bytes

SAY_CHARACTERS_PER_SECOND = 12.0
UNKNOWN_AUDIO_SECONDS = 3.0
STATUS_PATH = "/twilio/voice/status"


class Signer:
    """Signs a POST exactly as Twilio does (URL + sorted parameters, HMAC-SHA1)."""

    def __init__(self, auth_token: str, account_sid: str) -> None:
        self._validator = RequestValidator(auth_token)
        self.account_sid = account_sid

    def post(self, url: str, form: dict[str, str]) -> bytes:
        signature = self._validator.compute_signature(url, form)
        return post_bytes(url, form, {"X-Twilio-Signature": signature})


def incoming_requests(signer: Signer, app_url: str, numbers: list[str],
                      seed: int) -> Iterator[bytes]:
    """Endless signed `incoming` webhooks, each a new call from a new number."""
    rng = random.Random(seed)
    url = f"{app_url}/twilio/voice/incoming"
    index = 0
    while True:
        index += 1
        yield signer.post(url, {
            "AccountSid": signer.account_sid, "CallSid": f"CA{rng.getrandbits(128):032x}",
            "From": f"+6681{index % 10_000_000:07d}", "To": numbers[index % len(numbers)],
            "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"})


@dataclass
class RoundResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    elapsed_seconds: float = 0.0


async def closed_loop(app_url: str, prebuilt: list[bytes], *, concurrency: int,
                      seconds: float) -> RoundResult:
    """`concurrency` connections, each sending the next request the moment its
    previous answer arrives, for `seconds`."""
    parts = urlsplit(app_url)
    result = RoundResult()
    feed = iter(prebuilt)
    stop_at = time.perf_counter() + seconds

    async def connection_loop() -> None:
        connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
        try:
            while time.perf_counter() < stop_at:
                request = next(feed, None)
                if request is None:
                    return
                started = time.perf_counter()
                try:
                    reply = await connection.send(request)
                except HttpError as exc:
                    result.errors[str(exc).split(":")[0]] += 1
                    continue
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                if reply.status != 200:
                    result.errors[f"HTTP {reply.status}"] += 1
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection_loop() for _ in range(concurrency)))
    result.elapsed_seconds = time.perf_counter() - started
    return result


# ---------------------------------------------------------------- paced callers


@dataclass
class CallerScript:
    number: str
    caller_number: str
    keys: list[str]
    hang_up_after: float        # seconds of the call's own (simulated) time


@dataclass
class PacedResults:
    latencies_by_path: dict[str, list[float]] = field(
        default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    apologies: int = 0
    calls: int = 0
    unanswered: int = 0         # requests that got no HTTP answer at all


class PacedCaller:
    """One caller at a time on one connection: follows the TwiML the app returns,
    listening to each prompt for its length × `pace` seconds, pressing the script's
    keys at Gathers, and hanging up at the end of the script (status callback)."""

    def __init__(self, app_url: str, signer: Signer, results: PacedResults,
                 audio_seconds: dict[str, float], *, pace: float) -> None:
        parts = urlsplit(app_url)
        self.app_url = app_url
        self.signer = signer
        self.results = results
        self.audio_seconds = audio_seconds
        self.pace = pace
        self.connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80)

    async def call(self, script: CallerScript, rng: random.Random) -> None:
        self.results.calls += 1
        call_sid = f"CA{rng.getrandbits(128):032x}"
        base = {"AccountSid": self.signer.account_sid, "CallSid": call_sid,
                "From": script.caller_number, "To": script.number,
                "Direction": "inbound", "ApiVersion": "2010-04-01"}
        clock = 0.0   # the call's own time, in seconds of audio
        keys = list(script.keys)
        url: str | None = f"{self.app_url}/twilio/voice/incoming"
        form = {**base, "CallStatus": "ringing"}
        outcome = "hung_up"
        while url is not None:
            document = await self._post(url, form)
            if document is None:
                outcome = "error"
                break
            url, form, spent, ended = await self._follow(document, url, base, keys, rng,
                                                         script.hang_up_after - clock)
            clock += spent
            if ended is not None:
                outcome = ended
                break
            if clock >= script.hang_up_after:
                break
        self.results.outcomes[outcome] += 1
        await self._post(f"{self.app_url}{STATUS_PATH}",
                         {**base, "CallStatus": "completed",
                          "CallDuration": str(int(clock))}, expect_twiml=False)

    async def _post(self, url: str, form: dict[str, str], *,
                    expect_twiml: bool = True) -> ElementTree.Element | None:
        request = self.signer.post(url, form)
        path = urlsplit(url).path
        started = time.perf_counter()
        try:
            reply = await self.connection.send(request)
        except HttpError as exc:
            self.results.errors[f"{path}: {str(exc).split(':')[0]}"] += 1
            self.results.unanswered += 1
            return None
        self.results.latencies_by_path[path].append((time.perf_counter() - started) * 1000)
        if not 200 <= reply.status < 300:
            self.results.errors[f"{path}: HTTP {reply.status}"] += 1
            return None
        if not expect_twiml:
            return None
        try:
            return ElementTree.fromstring(reply.body)
        except ElementTree.ParseError:
            self.results.errors[f"{path}: not TwiML"] += 1
            return None

    async def _follow(self, document: ElementTree.Element, here: str, base: dict[str, str],
                      keys: list[str], rng: random.Random, time_left: float
                      ) -> tuple[str | None, dict[str, str], float, str | None]:
        """Plays the document; returns (next URL, its form, seconds spent, or why the
        call ended)."""
        spent = 0.0
        for verb in document:
            if spent >= time_left:
                return None, {}, spent, "hung_up"
            tag = verb.tag
            if tag in ("Play", "Say", "Pause"):
                spent += await self._listen(verb)
            elif tag == "Gather":
                pressed = keys.pop(0) if keys and rng.random() < 0.85 else None
                for inner in verb:
                    spent += await self._listen(inner)
                    if pressed is not None and rng.random() < 0.5:
                        break  # a caller who knows the menu presses ahead
                if pressed is None:
                    timeout = float(verb.get("timeout", "5"))
                    spent += timeout
                    await self._wait(timeout)
                # Twilio posts to the action, or back to the document without one.
                action = urljoin(here, verb.get("action") or here)
                return (action, {**base, "CallStatus": "in-progress",
                                 "Digits": pressed or ""}, spent, None)
            elif tag == "Redirect":
                target = urljoin(here, (verb.text or "").strip())
                return target, {**base, "CallStatus": "in-progress"}, spent, None
            elif tag == "Record":
                # This caller hangs up rather than leave a message: the benchmark has
                # no recording to give the app to fetch.
                return None, {}, spent, "voicemail_offered"
            elif tag == "Hangup":
                return None, {}, spent, "app_hung_up"
            else:
                return None, {}, spent, f"unhandled <{tag}>"
        return None, {}, spent, "document_ended"

    async def _listen(self, verb: ElementTree.Element) -> float:
        if verb.tag == "Pause":
            seconds = float(verb.get("length", "1"))
        elif verb.tag == "Say":
            seconds = len(verb.text or "") / SAY_CHARACTERS_PER_SECOND
        else:
            url = urljoin(self.app_url + "/", (verb.text or "").strip())
            if "/technical_problem." in url:
                self.results.apologies += 1
            seconds = await self._audio_length(url) * max(1, int(verb.get("loop", "1")))
        await self._wait(seconds)
        return seconds

    async def _audio_length(self, url: str) -> float:
        """Twilio fetches each audio URL once and caches it; so do callers here."""
        known = self.audio_seconds.get(url)
        if known is not None:
            return known
        seconds = UNKNOWN_AUDIO_SECONDS
        try:
            reply = await self.connection.send(get_bytes(url))
            if reply.status == 200:
                seconds = wav_seconds(reply.body) or UNKNOWN_AUDIO_SECONDS
        except HttpError:
            pass
        self.audio_seconds[url] = seconds
        return seconds

    async def _wait(self, seconds: float) -> None:
        if self.pace > 0 and seconds > 0:
            await asyncio.sleep(seconds * self.pace)


def wav_seconds(data: bytes) -> float | None:
    """The length of a PCM WAV file from its header (byte rate and data size)."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    byte_rate = int.from_bytes(data[28:32], "little")
    position = 12
    while position + 8 <= len(data):
        chunk, size = data[position:position + 4], int.from_bytes(
            data[position + 4:position + 8], "little")
        if chunk == b"data":
            return min(size, len(data) - position - 8) / byte_rate if byte_rate else None
        position += 8 + size
    return None


async def paced_callers(app_url: str, signer: Signer, *, lines: list[tuple[str, int]],
                        menu_keys: list[str], callers: int, pace: float, ramp: float,
                        duration: float, seed: int,
                        max_calls: int | None = None) -> PacedResults:
    """`max_calls`: stop placing calls once that many have started."""
    results = PacedResults()
    audio_seconds: dict[str, float] = {}
    stop_at = time.monotonic() + duration

    async def caller(index: int) -> None:
        rng = random.Random(seed * 100_003 + index)
        await asyncio.sleep(ramp * index / max(callers, 1))
        phone = PacedCaller(app_url, signer, results, audio_seconds, pace=pace)
        turn = 0
        try:
            while time.monotonic() < stop_at:
                if max_calls is not None and results.calls >= max_calls:
                    return
                number, languages = lines[(index + turn) % len(lines)]
                keys = ([str(rng.randint(1, languages))] if languages > 1 else [])
                keys += [rng.choice(menu_keys) for _ in range(3)]
                remaining = max(1.0, (stop_at - time.monotonic()) / pace) if pace else 240
                script = CallerScript(number, f"+9591{index:04d}{turn:04d}", keys,
                                      hang_up_after=min(rng.uniform(20, 240),
                                                        remaining + rng.uniform(0, 30)))
                turn += 1
                await phone.call(script, rng)
        finally:
            await phone.connection.close()

    await asyncio.gather(*(caller(i) for i in range(callers)))
    return results


def run_loop(coroutine: Any) -> Any:
    """The load generator's own event loop, in a thread of its own: the caller may
    already be running one (a test next to Playwright's), and asyncio.run refuses then."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="bench-load")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
