"""gunicorn's configuration for the web process (`gunicorn -c python:helpline.gunicorn_conf`).

Metrics: every gunicorn worker is a process of its own, so prometheus_client keeps
each one's samples in files under `PROMETHEUS_MULTIPROC_DIR`, and a scrape answered
by any worker adds them all up. The directory belongs to one gunicorn master: it is
emptied when the master starts (samples of an earlier run would be added in) and a
worker that exits is marked dead. `helpline run` points it at the instance folder;
left unset (the Procfile), a fresh private directory is made for this master and
removed when it stops. Set here, before any worker imports prometheus_client.

Logging: gunicorn's own lines (the master's, a worker's boot and exit) go through
the helpline's handler, in the same format as the app's (`LOG_FORMAT`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_made_here = not os.environ.get(_VARIABLE)
if _made_here:
    os.environ[_VARIABLE] = tempfile.mkdtemp(prefix="helpline-metrics-")
metrics_dir = Path(os.environ[_VARIABLE])


def on_starting(server: Any) -> None:
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for leftover in metrics_dir.glob("*.db"):
        leftover.unlink()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(metrics_dir))


def on_exit(server: Any) -> None:
    if _made_here:
        shutil.rmtree(metrics_dir, ignore_errors=True)


class HelplineLogger(Logger):
    """gunicorn's logger, writing through the helpline's handler."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        from helpline.observability.logs import adopt, configure_logging
        from helpline.settings import SettingsError, load_settings

        try:
            settings = load_settings()
        except SettingsError:
            return  # the app says why in one line as it loads; keep gunicorn's own logging
        configure_logging("web", settings)
        adopt(self.error_log)
        if cfg.accesslog:
            adopt(self.access_log)


logger_class = HelplineLogger
