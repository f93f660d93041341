"""Is this Burmese text typed in Zawgyi? Many phones still use the Zawgyi font
encoding, which looks right on the typist's screen but is garbage in Unicode
search, reports and transcripts; the console warns while the agent types."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# myanmartools' own recommendation: above 0.95 the text is almost certainly Zawgyi.
ZAWGYI_THRESHOLD = 0.95


@lru_cache(maxsize=1)
def _detector() -> Any:  # loading the model takes a moment; do it once per process
    import warnings

    from myanmartools import ZawgyiDetector

    with warnings.catch_warnings():
        # myanmartools reads its model with a deprecated importlib.resources call.
        warnings.simplefilter("ignore", DeprecationWarning)
        return ZawgyiDetector()


def zawgyi_probability(text: str) -> float:
    if not any("\u1000" <= ch <= "\u109f" for ch in text):
        return 0.0  # no Myanmar script at all: nothing to judge
    return float(_detector().get_zawgyi_probability(text))


def looks_like_zawgyi(text: str) -> bool:
    return zawgyi_probability(text) > ZAWGYI_THRESHOLD
