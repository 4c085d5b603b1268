"""The platform's tests set up services, consumers and grants with the sharing tests' fixtures."""

from __future__ import annotations

from tests.sharing.conftest import api, gateway, setting

__all__ = ["api", "gateway", "setting"]
