"""The address Twilio reaches this app at, for the URLs routing hands to Twilio."""

from __future__ import annotations

from flask import request

from helpline.services import Services


def public_base_url(svc: Services) -> str:
    """`PUBLIC_BASE_URL` when set (behind a proxy), else what the request says."""
    if svc.settings.public_base_url:
        return svc.settings.public_base_url.rstrip("/")
    proto = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
    host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
    return f"{proto}://{host}"
