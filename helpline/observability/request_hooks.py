"""Per-request hooks: a request id for every request (the client's `X-Request-Id`
when it is safe to log, else a new one, echoed in the response), the CallSid a
Twilio request carries, and how long each Twilio webhook took, by route rule."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from helpline.observability import context
from helpline.observability.metrics import WEBHOOK_SECONDS

TWILIO_PREFIX = "/twilio/"
REQUEST_ID_HEADER = "X-Request-Id"

def _level(status: int) -> int:
    """Webhooks and changes at INFO; page loads, polls and scrapes only at DEBUG."""
    if status >= 500:
        return logging.WARNING
    if request.path.startswith(TWILIO_PREFIX) or request.method != "GET":
        return logging.INFO
    return logging.DEBUG


# One line per request (gunicorn writes no access log here): method, route rule,
# status and time, with the request id and CallSid the log handler adds. The rule,
# not the URL: no query string, no ids.
access = logging.getLogger("helpline.http")


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_end)


def _begin() -> None:
    g.request_started = time.perf_counter()
    g.request_id = context.new_request_id(request.headers.get(REQUEST_ID_HEADER))
    g.call_sid = _call_sid()


def _call_sid() -> str | None:
    found = (request.view_args or {}).get("call_sid") or request.args.get("CallSid")
    if found is None and request.path.startswith(TWILIO_PREFIX) and request.method == "POST":
        # Twilio posts a form; the signature check reads the same parsed form.
        found = request.form.get("CallSid")
    return context.call_sid_or_none(found)


def _end(response: Response) -> Response:
    response.headers.setdefault(REQUEST_ID_HEADER, g.get("request_id", ""))
    started = g.get("request_started")
    if started is None:
        return response
    seconds = time.perf_counter() - started
    rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
    if request.path.startswith(TWILIO_PREFIX):
        WEBHOOK_SECONDS.labels(route=rule, method=request.method,
                               status=f"{response.status_code // 100}xx").observe(seconds)
    access.log(_level(response.status_code), "%s %s %s %.1f ms", request.method, rule,
               response.status_code, seconds * 1000)
    return response
