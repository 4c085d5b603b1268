"""The portal's tests use the web tests' fixtures: the in-process client, the live server, Chromium."""

from __future__ import annotations

from tests.web.conftest import chromium, client, server

__all__ = ["chromium", "client", "server"]
