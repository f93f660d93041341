"""Routing's rq jobs. Jobs take ids (or nothing), never ORM objects or numbers."""

from __future__ import annotations

from helpline.services import Services, build_services
from helpline.settings import load_settings

_services: Services | None = None


def _job_services() -> Services:
    """One set of collaborators per worker process, built on the first job."""
    global _services
    if _services is None:
        _services = build_services(load_settings())
    return _services


def sweep(svc: Services | None = None) -> dict[str, int]:
    """Every 5 s (helpline.schedule): expire unanswered offers, end wrap-ups, widen.

    Safe to run from several workers at once: each change is an atomic script
    whose precondition fails for whoever comes second.
    """
    from call_routing.service import routing_service

    return routing_service(svc or _job_services()).sweep()
