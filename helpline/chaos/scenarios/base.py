"""What every scenario shares: the running stack, its stand-in, the database figures,
and waits that always end (with a clear message) instead of hanging a test run."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from helpline.chaos.calls import Agent, PlacedCall, StandIn
from helpline.chaos.config import KOREAN_LINE, NEPALI_LINE
from helpline.chaos.figures import DatabaseFigures
from helpline.chaos.stack import Stack, StackError

# Short Korean sentences a caller might say (Korean has the one real Vosk model here).
KOREAN_MESSAGES = (
    "안녕하세요 월급을 받지 못했습니다",
    "여권을 돌려받지 못했습니다 도와주세요",
    "일을 너무 많이 하고 돈을 못 받았습니다",
    "회사에서 나가라고 했습니다",
)
ENGLISH_MESSAGES = ("My employer kept my passport", "I was not paid for two months")
DEMO_PASSWORD = "helpline-demo"       # helpline.demo seeds the stack's staff with it
INDONESIAN_AGENT = "sari@helpline.example"


@dataclass
class Run:
    """One scenario's view of a stack (which may have served other scenarios before)."""

    stack: Stack
    stand_in: StandIn = field(init=False)
    figures: DatabaseFigures = field(init=False)
    log_mark: int = field(init=False)
    started: float = field(default_factory=time.monotonic)
    agents: list[Agent] = field(default_factory=list)
    # When each step of the scenario was reached, seconds since it started.
    timeline: dict[str, float] = field(default_factory=dict)
    _messages: Iterator[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.stand_in = StandIn(self.stack.stand_in_url)
        self.figures = DatabaseFigures(self.stack.database.url)
        self.log_mark = self.stack.log_offset()
        self.stand_in.clear_faults()

    def close(self) -> None:
        # The stack may be the thing that broke: tidying up must not hide why.
        with contextlib.suppress(Exception):
            self.stand_in.clear_faults()
        for agent in self.agents:
            with contextlib.suppress(Exception):
                agent.set_state("offline")
            agent.close()
        self.stand_in.close()
        self.figures.close()

    def agent(self, email: str) -> Agent:
        agent = Agent(self.stack.app_url, email, DEMO_PASSWORD)
        self.agents.append(agent)
        return agent

    def korean_voicemails(self, count: int, *, gap: float = 0.5, repeat: int = 1,
                          record_end: str = "#") -> list[PlacedCall]:
        calls = []
        for _ in range(count):
            message = KOREAN_MESSAGES[next(self._messages) % len(KOREAN_MESSAGES)]
            say = " ".join([message] * repeat)
            calls.append(self.stand_in.leave_voicemail(to=KOREAN_LINE, say=say, voice="ko",
                                                       record_end=record_end))
            time.sleep(gap)
        return calls

    def mixed_voicemails(self, count: int, *, korean: int, gap: float = 0.3
                         ) -> list[PlacedCall]:
        """`korean` voicemails on the Korean line (machine-transcribed), the rest on the
        Nepali line in English (no model: they wait for people), interleaved."""
        calls = []
        for n in range(count):
            if n * korean // count != (n + 1) * korean // count:
                calls += self.korean_voicemails(1, gap=gap)
            else:
                calls.append(self.stand_in.leave_voicemail(
                    to=NEPALI_LINE, say=ENGLISH_MESSAGES[n % len(ENGLISH_MESSAGES)],
                    voice="en"))
                time.sleep(gap)
        return calls

    def wait_voicemails(self, calls: list[PlacedCall], done: Callable[[dict[str, Any]], bool],
                        timeout: float) -> tuple[dict[str, Any], float | None]:
        """Polls the voicemails' figures until `done(figures)`; returns the last figures
        and the moment (time.monotonic()) it held, None if not within `timeout`."""
        sids = [sid for call in calls for sid in call.recording_sids]
        started = time.monotonic()
        while True:
            summary = self.figures.voicemails(sids)
            if done(summary):
                return summary, time.monotonic()
            if time.monotonic() - started > timeout:
                return summary, None
            time.sleep(1.0)

    def process_figures(self) -> dict[str, Any]:
        running = self.stack.all_children_running()
        return {"processes_restarted": self.stack.restarts(self.log_mark),
                "children_running": running,
                "all_children_running": all(running.values()) and self.stack.run_alive()}

    def mark(self, step: str) -> None:
        self.timeline[step] = self.seconds()

    def seconds(self) -> float:
        return round(time.monotonic() - self.started, 1)


def voicemails_settled(summary: dict[str, Any]) -> bool:
    """Every voicemail stored and transcribed (by the machine or waiting for people)."""
    return summary["voicemails_transcribed"] == summary["voicemails_left"]


def since(start: float, moment: float | None) -> float | None:
    return round(moment - start, 1) if moment is not None else None


def require(condition: bool, message: str) -> None:
    """A precondition of the scenario itself (not a figure under test) failed."""
    if not condition:
        raise StackError(message)
