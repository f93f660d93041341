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


def tick(svc: Services | None = None) -> dict[str, int]:
    """Every half second (helpline.schedule, outside rq): offers lapse at their deadline,
    wrap-ups end, waiting calls are offered as widening allows. Redis only.

    Safe to run from several processes at once: each change is an atomic script
    whose precondition fails for whoever comes second.
    """
    from call_routing.service import routing_service

    return routing_service(svc or _job_services()).tick()


def heal(svc: Services | None = None) -> dict[str, int]:
    """Every ten seconds or so: settle connected calls and take out queue entries whose
    end was never reported (database and Twilio REST requests, so it may take seconds;
    run it apart from `tick`). Each check rate-limits itself with a Redis lock."""
    from call_routing.service import routing_service

    return routing_service(svc or _job_services()).heal()


def sweep(svc: Services | None = None) -> dict[str, int]:
    """`tick` and `heal` in one job, for a scheduler that runs rq jobs."""
    from call_routing.service import routing_service

    return routing_service(svc or _job_services()).sweep()
