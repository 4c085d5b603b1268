"""Tables of official catalogs as versioned decisions."""

from __future__ import annotations
