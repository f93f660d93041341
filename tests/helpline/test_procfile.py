"""The Procfile's web process is served as `helpline run` and the webhook benchmark
serve it (helpline/web_server.py): the figures in the README's Capacity section are
for the settings a deployment from the Procfile gets."""

from __future__ import annotations

import shlex
from pathlib import Path

from helpline import web_server

PROCFILE = Path(__file__).resolve().parents[2] / "Procfile"


def _process(name: str) -> list[str]:
    for line in PROCFILE.read_text().splitlines():
        if line.startswith(f"{name}:"):
            return shlex.split(line.split(":", 1)[1])
    raise AssertionError(f"the Procfile has no {name!r} process")


def _contains_in_order(words: list[str], part: tuple[str, ...]) -> bool:
    return any(tuple(words[i:i + len(part)]) == part for i in range(len(words)))


def test_the_procfile_web_process_uses_the_measured_gunicorn_options():
    web = _process("web")
    assert web[0] == "gunicorn"
    assert web[-1] == "helpline.wsgi:app"
    assert _contains_in_order(web, web_server.APP_CONFIG)
    assert _contains_in_order(web, web_server.GUNICORN_OPTIONS)


def test_a_changed_option_would_be_noticed():
    # The check is not vacuous: the same words with one worker count changed fail it.
    web = _process("web")
    changed = [("4" if word == "2" else word) for word in web]
    assert not _contains_in_order(changed, web_server.GUNICORN_OPTIONS)
