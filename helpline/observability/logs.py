"""Logging for every helpline process: web, worker, scheduler.

One handler on the root logger, to stderr, as text (default) or one JSON object a
line (`LOG_FORMAT=json`). Each line names the process and, where there is one, the
request id (`X-Request-Id`, generated when absent), the CallSid and the rq job id.
Every line passes through `RedactNumbers` first: a phone number that slipped into
a message, its arguments or a traceback (Twilio's errors quote the `To` number) is
written as `[number]`.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from helpline.observability import context
from helpline.observability.redact import redact_numbers

LOG_FORMATS = ("text", "json")
# Libraries that would otherwise log whole requests and responses at INFO.
QUIET_LOGGERS = {"twilio.http_client": logging.WARNING, "urllib3": logging.WARNING}
TEXT_FORMAT = "%(asctime)s %(process_name)s %(levelname)s %(name)s%(ids)s %(message)s"


class RedactNumbers(logging.Filter):
    """Rewrites the record itself, so every formatter after it sees no number."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_numbers(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_numbers(record.stack_info)
        return True


class AddContext(logging.Filter):
    def __init__(self, process_name: str) -> None:
        super().__init__()
        self.process_name = process_name

    def filter(self, record: logging.LogRecord) -> bool:
        record.process_name = self.process_name
        ids = context.current()
        for key, value in ids.items():
            # A record may carry its own (rq passes `job_id` as `extra`).
            if getattr(record, key, None) is None:
                setattr(record, key, value)
        record.ids = "".join(f" {key}={getattr(record, key)}" for key in ids
                             if getattr(record, key))
        return True


class JsonFormatter(logging.Formatter):
    """One object a line; only known fields (rq passes job arguments as `extra`)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "process": getattr(record, "process_name", None),
            "pid": record.process,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "call_sid", "job_id"):
            value = getattr(record, key, None)
            if value:
                line[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False)


class HelplineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so configuring again replaces it."""


def make_handler(process_name: str, log_format: str = "text",
                 stream: Any = None) -> logging.Handler:
    handler = HelplineHandler(stream or sys.stderr)
    handler.addFilter(AddContext(process_name))
    handler.addFilter(RedactNumbers())
    handler.setFormatter(JsonFormatter() if log_format == "json"
                         else logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(process_name: str, settings: Any = None, *,
                      log_format: str | None = None, level: str | None = None,
                      stream: Any = None) -> logging.Handler:
    """Installs (or replaces) the helpline's handler on the root logger; other
    handlers (a test's capture, say) are left alone. Returns the handler."""
    log_format = str(log_format or getattr(settings, "log_format", "text"))
    level = str(level or getattr(settings, "log_level", "INFO"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, HelplineHandler)]:
        root.removeHandler(old)
    handler = make_handler(process_name, log_format, stream)
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet)
    return handler


def adopt(logger: logging.Logger) -> None:
    """Sends a library logger with handlers of its own (gunicorn's) through ours."""
    logger.handlers = []
    logger.propagate = True
