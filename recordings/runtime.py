"""The Services a job uses. A worker has no Flask request, so jobs build their own
from the environment once per process; inside an app context (tests, the web
process running a job inline) they use the app's."""

from __future__ import annotations

import threading

from flask import has_app_context

from helpline.services import Services, build_services, services
from helpline.settings import load_settings

_lock = threading.Lock()
_process_services: Services | None = None


def job_services() -> Services:
    if has_app_context():
        return services()
    global _process_services
    with _lock:
        if _process_services is None:
            _process_services = build_services(load_settings())
        return _process_services
