"""The form of a harvest source."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AfterValidator, Field

from ketnoi.harvest.models import SourceKind
from ketnoi.harvest.remote import url_problem
from ketnoi.kit.validation import Input, Text

MIN_INTERVAL = 15  # minutes: a remote portal is not to be polled harder than that
MAX_INTERVAL = 366 * 24 * 60


def _url(value: str) -> str:
    problem = url_problem(value)
    if problem:
        raise ValueError(problem)
    return value


SourceUrl = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_url)]


class SourceIn(Input):
    name: Text = Field(min_length=1, max_length=255)
    url: SourceUrl
    kind: SourceKind
    database_id: uuid.UUID
    interval_minutes: int = Field(default=1440, ge=MIN_INTERVAL, le=MAX_INTERVAL)
    enabled: bool = True
