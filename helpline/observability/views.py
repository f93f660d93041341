"""`GET /metrics`: Prometheus's text format, for a scraper only.

With `METRICS_TOKEN` set, a request must carry `Authorization: Bearer <token>`
(from anywhere). Without it, only a scraper on this machine is answered: a request
from the loopback address that came through no proxy (a reverse proxy on the same
machine would make every visitor look local, so a forwarded request is refused).
The figures hold no personal data, but queue and staffing levels are the
helpline's operational picture and are not published.
"""

from __future__ import annotations

import ipaddress
import secrets

from flask import Blueprint, Request, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from helpline.observability.collector import HelplineCollector
from helpline.observability.metrics import scrape_registry
from helpline.services import services

bp = Blueprint("metrics", __name__)

FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-Ip")


def allowed(req: Request, token: str | None) -> bool:
    if token:
        given = req.headers.get("Authorization", "")
        return secrets.compare_digest(given.encode(), f"Bearer {token}".encode())
    if any(header in req.headers for header in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(req.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics() -> Response:
    svc = services()
    if not allowed(request, svc.settings.metrics_token):
        return Response("metrics: set METRICS_TOKEN and send it as a bearer token, or "
                        "scrape from this machine\n", status=403, mimetype="text/plain")
    body = generate_latest(scrape_registry(HelplineCollector(svc)))
    return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST,
                                   "Cache-Control": "no-store"})
