"""Observability: Prometheus metrics at `/metrics` and structured logs that carry a
request id and the CallSid but never a phone number.

    metrics.py    families web processes record (webhook latency), the scrape registry
    collector.py  figures read at scrape time (queues, agents, jobs, recordings)
    tallies.py    counters and histograms in Redis, for workers on any machine
    job_metrics   what workers and jobs record
    request_hooks request id, CallSid, webhook timing per request
    views.py      GET /metrics and who may read it
    logs.py       logging for every process (text or JSON), with `redact.py`'s net
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from helpline.observability import request_hooks, views

    request_hooks.init_app(app)
    app.register_blueprint(views.bp)
