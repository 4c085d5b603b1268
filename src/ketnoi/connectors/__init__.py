"""Connectors: datasets kept in sync with a unit's own database or REST API (issue 8)."""
