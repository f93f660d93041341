"""How the web process is served — one list, used by `helpline run`, the webhook
benchmark and (checked by a test) the Procfile, so what is measured is what runs.

2 processes × 8 threads: webhooks wait on the database and Redis far more than they
compute, and a second process keeps the app answering while one is busy in Python.
"""

from __future__ import annotations

import importlib.metadata
import re

GUNICORN_OPTIONS = ("--workers", "2", "--worker-class", "gthread", "--threads", "8",
                    "--timeout", "120")
# The app's own hooks (metrics per worker, logging): not the baseline's, which is
# served with GUNICORN_OPTIONS alone.
APP_CONFIG = ("-c", "python:helpline.gunicorn_conf")
# `helpline run` also stops quickly: a webhook takes well under a second.
GRACEFUL_STOP = ("--graceful-timeout", "5")


def control_socket_options() -> list[str]:
    """gunicorn 25.1+ opens a control socket at one path per user: two servers (two
    stacks, or the benchmark's app and baseline) would take it from each other, and
    whoever starts gunicorn supervises it itself."""
    version = tuple(int(part) for part in
                    re.findall(r"\d+", importlib.metadata.version("gunicorn"))[:2])
    return ["--no-control-socket"] if version >= (25, 1) else []
