"""The database out of reach (restarting, down, the connection lost): 503 and a Retry-After, not 500.

Such a request was not wrong and the code has no bug: the same request succeeds once the database is
back, which needs no restart of ketnoi (SQLAlchemy drops a lost connection together with the pool's
older ones, and PostgreSQL connections are pinged when taken from the pool: db.make_engine). A load
balancer reads /-/ready meanwhile (503 as well), while /-/health, which touches no database, keeps
saying the process is alive.

An outage fails every request: it is logged once, then once a minute with how many were refused,
not with a traceback per request.
"""

from __future__ import annotations

import logging
import time

from fastapi import Request
from fastapi.responses import Response

from ketnoi.db import unreachable

log = logging.getLogger("ketnoi.web")

RETRY_AFTER_SECONDS = 5  # about what a PostgreSQL restart takes
LOG_EVERY_SECONDS = 60.0


class _Outage:
    """What this process has told the log about the current outage (handlers run on the event loop: no lock)."""

    def __init__(self) -> None:
        self.logged_at: float | None = None
        self.refused = 0

    def note(self, exc: Exception) -> None:
        now = time.monotonic()
        if self.logged_at is not None and now - self.logged_at < LOG_EVERY_SECONDS:
            self.refused += 1
            return
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
        if self.refused:
            log.warning("database unreachable: %d more request(s) answered 503 since the last message (%s)", self.refused, reason)
        else:
            log.warning("database unreachable: answering 503 until it is back (%s)", reason)
        self.logged_at, self.refused = now, 0


_outage = _Outage()


async def database_error(request: Request, exc: Exception) -> Response:
    """503 when the database is out of reach; any other database error stays a server error (500, logged)."""
    if not unreachable(exc):
        raise exc
    from ketnoi.web.errors import error_response  # (errors installs this handler)

    _outage.note(exc)
    finish_exchange = getattr(request.state, "finish_exchange", None)
    request.state.finish_exchange = None
    request.state.principal = None  # the error page's header would count notifications in the database
    message = "Cơ sở dữ liệu tạm thời không sẵn sàng. Vui lòng thử lại sau giây lát."
    response = error_response(request, 503, "unavailable", message)
    response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
    if finish_exchange is not None:  # a gateway call: logged as refused if the log can be written (it cannot while down)
        try:
            finish_exchange(response)
        except Exception as failed:
            log.debug("the refused exchange could not be logged: %s", failed)
    return response
