"""Logs an operator can feed to a collector: one JSON object per line (KETNOI_LOG_FORMAT=json, the
default) or plain text, each line of a request carrying that request's id (the X-Request-Id the
response also carries, or the one the proxy sent), and one access line per request with its method,
path, status and duration.

What is never logged: a query string (it may carry a token), a header, a body, a secret; an error's
own message is, as the code wrote it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from ketnoi.settings import get_settings

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("ketnoi_request_id", default=None)
FIELDS = ("method", "path", "status", "duration_ms")  # an access line's own


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (rid := request_id.get()) is not None:
            line["request_id"] = rid
        line |= {name: getattr(record, name) for name in FIELDS if hasattr(record, name)}
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        rid = request_id.get()
        prefix = f"[{rid}] " if rid else ""
        return f"{self.formatTime(record)} {record.levelname:<7} {record.name}: {prefix}{super().format(record)}"


def config(fmt: str | None = None, level: str | None = None) -> dict[str, Any]:
    """The logging configuration (dictConfig) of ketnoi's processes, uvicorn's loggers included."""
    settings = get_settings()
    formatter = "json" if (fmt or settings.log_format) == "json" else "text"
    handler = {"class": "logging.StreamHandler", "formatter": formatter, "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}, "text": {"()": TextFormatter}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level or settings.log_level},
        "loggers": {name: {"handlers": [], "propagate": True} for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "huey")}
        # httpx logs each outgoing request's whole URL at INFO: a source's or a peer's query may carry a key.
        # (and alembic says which dialect it uses each time /-/ready checks the schema's revision).
        | {name: {"level": "WARNING"} for name in ("httpx", "httpcore", "alembic")},
    }


def configure(fmt: str | None = None, level: str | None = None) -> None:
    logging.config.dictConfig(config(fmt, level))
