"""What a steward sends to define a quality rule (the kind's own parameters are checked by quality.rules)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field, field_validator

from ketnoi.kit.validation import Input, OptionalText
from ketnoi.quality.models import Dimension, Severity


def _bad_target() -> ValueError:
    return ValueError("Ngưỡng đạt là một số lớn hơn 0 và không quá 100 %, ví dụ 98 hoặc 0,98.")


class RuleIn(Input):
    name: OptionalText = Field(default=None, max_length=255)
    kind: str = Field(max_length=32)
    resource_id: uuid.UUID | None = None  # the table a column rule reads (may be left out when the dataset has one)
    dimension: Dimension | None = None  # the kind's own when left out
    severity: Severity = Severity.MAJOR
    target: float = Field(default=0.98, gt=0, le=1)
    enabled: bool = True
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("target", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> Any:
        """A target written as a percentage (98, "98%") is read as 0.98."""
        if isinstance(value, str):
            value = value.strip().rstrip("%").strip().replace(",", ".")
            try:
                value = float(value) if value else 0.98
            except ValueError:
                raise _bad_target() from None
        if isinstance(value, int | float) and not isinstance(value, bool) and not 0 < value <= 100:
            raise _bad_target()
        if isinstance(value, int | float) and 1 < value <= 100:
            return value / 100
        return value


class ScheduleIn(Input):
    schedule: str = Field(max_length=16)
