"""The app the tests call: one instance for the whole run.

FastAPI builds a route's request models the first time a request is matched past it, once per app
instance: ~1.5-2 s for the first page request (the pages' routes come after the API's). A new app for
every test paid that in every test; the app keeps no state of its own between requests (settings,
keys and counters are read per request), so the tests share one. Tests about the app's construction
(`check_migrations=False`, the metrics' counters, the logs) still make their own.
"""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI

from ketnoi.app import create_app


@cache
def shared_app() -> FastAPI:
    return create_app()
