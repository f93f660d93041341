"""Who a log line is about: the request id and the CallSid of the request being
served, and the rq job being run. Read by the logging filter (`logs.py`), set by
the request hooks (`request_hooks.py`)."""

from __future__ import annotations

import re
import uuid

from flask import g, has_request_context

# A client's X-Request-Id is kept only when it cannot forge or break a log line.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Twilio's CallSids are CA + 32 hex; the stand-in and tests use shorter ones.
CALL_SID = re.compile(r"^CA[0-9A-Za-z]{1,62}$")


def new_request_id(given: str | None) -> str:
    if given and REQUEST_ID.match(given):
        return given
    return uuid.uuid4().hex


def call_sid_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and CALL_SID.match(value) else None


def current() -> dict[str, str | None]:
    """{request_id, call_sid, job_id} for the code running now (None where absent)."""
    request_id = call_sid = None
    if has_request_context():
        request_id = g.get("request_id")
        call_sid = g.get("call_sid")
    return {"request_id": request_id, "call_sid": call_sid, "job_id": _job_id()}


def _job_id() -> str | None:
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:  # noqa: BLE001 - outside a worker there is simply no job
        return None
    return job.id if job is not None else None
