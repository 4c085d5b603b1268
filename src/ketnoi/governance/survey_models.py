"""Tables of status surveys (Plan II.1): questionnaires, answers."""

from __future__ import annotations
