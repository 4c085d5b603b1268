"""What every kind of source gives the sync: its columns, typed, and its rows as Python values.

A reader (connectors.database, connectors.rest) opens the source for one run, asking only for the
rows whose cursor reached the high-water mark when `since` is given, oldest first, and closes it
at the end. Errors are sorted for the retry loop in connectors.sync: `SourceUnavailable` (down,
timed out, a 5xx: tried again with backoff) or `SourceRefused` (bad credentials, a missing table,
a query the source rejects: failed at once, since trying again would only repeat it).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

from ketnoi.kit.errors import DomainError
from ketnoi.kit.vn import nfc
from ketnoi.workcal.service import VN

TYPES = ("integer", "number", "boolean", "date", "datetime", "string")


class SourceUnavailable(DomainError):
    """The source could not be reached or did not answer in time: worth another attempt."""

    status = 503
    type = "source_unavailable"


class SourceRefused(DomainError):
    """The source answered, but no: credentials, a missing table or column, a bad query."""

    status = 422
    type = "source_refused"


@dataclass(frozen=True)
class SourceColumn:
    name: str  # as the source names it (the datastore keeps it as the column's title)
    type: str  # one of TYPES


class Extract(Protocol):
    """One run's read of a source."""

    columns: list[SourceColumn]

    def rows(self) -> Iterator[Sequence[Any]]:
        """The rows, values in `columns` order, oldest cursor first when reading since a mark."""
        ...

    def close(self) -> None: ...


def type_of_value(value: object) -> str | None:
    """The datastore type of a Python value from a driver or a JSON document; None for a null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):
        return "number"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    return "string"


def type_of_python(python_type: type) -> str:
    """The datastore type of a column the source declares with this Python type."""
    for candidate, name in (
        (bool, "boolean"),
        (int, "integer"),
        (float, "number"),
        (Decimal, "number"),
        (datetime, "datetime"),
        (date, "date"),
    ):
        if issubclass(python_type, candidate):
            return name
    return "string"


def converter(type_: str) -> Callable[[Any], Any]:
    """Turns a source's value into what the datastore column of `type_` takes (None stays None)."""
    return _CONVERTERS[type_]


def _integer(value: Any) -> int:
    return int(value)


def _number(value: Any) -> Any:
    return value if isinstance(value, Decimal | float) else Decimal(str(value))


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        folded = value.strip().casefold()
        if folded in ("true", "1", "yes", "có", "đúng"):
            return True
        if folded in ("false", "0", "no", "không", "sai"):
            return False
        raise ValueError(f"«{value}» không phải giá trị đúng/sai")
    return bool(value)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _datetime(value: Any) -> datetime:
    """Naive, in Vietnam's time (what the datastore keeps and people read); an aware time is converted."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    elif not isinstance(value, datetime) and isinstance(value, date):
        value = datetime.combine(value, time())
    if not isinstance(value, datetime):
        raise ValueError(f"«{value}» không phải ngày giờ")
    return value.astimezone(VN).replace(tzinfo=None) if value.tzinfo else value


def _string(value: Any) -> str:
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bytes | bytearray | memoryview):
        raise ValueError("dữ liệu nhị phân không được nhận")
    if isinstance(value, uuid.UUID | Decimal | int | float | date):
        return str(value)
    return nfc(str(value))


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "date": _date,
    "datetime": _datetime,
    "string": _string,
}


def mark_of(value: Any) -> str | None:
    """A cursor value as the text kept in `high_water` (ISO for times, so text order is time order within a type)."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def parse_mark(mark: str, type_: str) -> Any:
    """The high-water text back as a value of the cursor column's type, to compare with at the source."""
    try:
        if type_ == "integer":
            return int(mark)
        if type_ == "number":
            return Decimal(mark)
        if type_ == "datetime":
            return datetime.fromisoformat(mark)
        if type_ == "date":
            return date.fromisoformat(mark)
    except ValueError:
        raise SourceRefused(
            "Mốc đồng bộ «{mark}» không đúng kiểu của cột mốc: hãy đồng bộ toàn bộ một lần.", values={"mark": mark}
        ) from None
    return mark
