"""Downloads of a resource's served table: CSV, JSON or XLSX, with the data API's filters and sort.

The file is written while the request's transaction is open, into a spooled temporary file (in
memory while small, on disk beyond that), then sent from there: memory stays bounded whatever
the table's size, and the transaction is not held open while a slow client downloads.

Spreadsheet programs run a CSV cell that starts with = + - @ (or a tab or carriage return) as a
formula: such text cells are written with a leading apostrophe, so a value typed by someone can
never run in the person's spreadsheet (CSV/formula injection); numbers are left as they are. In
XLSX, text cells are typed as text, which a spreadsheet never runs.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.catalog.models import Resource
from ketnoi.datastore import query
from ketnoi.kit.errors import Invalid
from ketnoi.kit.vn import fold

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SPOOL_BYTES = 8 << 20
FETCH_ROWS = 2000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Export:
    file: IO[bytes]  # positioned at its start
    media_type: str
    filename: str


def export(session: Session, *, actor: Actor, resource_id: uuid.UUID, fmt: str, params: Sequence[tuple[str, str]]) -> Export:
    if fmt not in FORMATS:
        raise Invalid(f"Định dạng tải về phải là một trong: {', '.join(FORMATS)}.", fields={"format": fmt})
    selection = query.select_rows(session, actor=actor, resource_id=resource_id, params=params, reserved=query.RESERVED | {"format"})
    names = [f.name for f in selection.shown]
    result = session.execute(query.ordered(selection, selection.query).execution_options(yield_per=FETCH_ROWS))
    rows = ([row[1:] for row in chunk] for chunk in result.partitions())  # without _id
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - handed to the response, which closes it
    {"csv": _csv, "json": _json, "xlsx": _xlsx}[fmt](out, names, rows)
    out.seek(0)
    resource = session.get(Resource, selection.version.resource_id)
    stem = re.sub(r"[^a-z0-9]+", "_", fold(resource.name if resource else "")).strip("_") or "du_lieu"
    return Export(out, FORMATS[fmt], f"{stem[:80]}_v{selection.version.version}.{fmt}")


def safe_text(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(out: IO[bytes], names: list[str], chunks: Iterator[list[Sequence[Any]]]) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)  # the BOM: Excel reads UTF-8
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(names)
    for chunk in chunks:
        writer.writerows([_plain(safe_text(v)) for v in row] for row in chunk)
    text.detach()


def _json(out: IO[bytes], names: list[str], chunks: Iterator[list[Sequence[Any]]]) -> None:
    out.write(b"[")
    first = True
    for chunk in chunks:
        for row in chunk:
            record = {name: query.jsonable_value(value) for name, value in zip(names, row, strict=True)}
            out.write((b"" if first else b",\n") + json.dumps(record, ensure_ascii=False).encode())
            first = False
    out.write(b"]")


def _xlsx(out: IO[bytes], names: list[str], chunks: Iterator[list[Sequence[Any]]]) -> None:
    """In XLSX a cell typed as text never runs: text is written as text (not guessed), unchanged."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("du_lieu")
    sheet.append(names)
    for chunk in chunks:
        for row in chunk:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=float(value) if isinstance(value, Decimal) else value)
                if isinstance(value, str):
                    cell.data_type = "s"  # openpyxl would make "=…" a formula
                cells.append(cell)
            sheet.append(cells)
    book.save(out)


def _plain(value: Any) -> Any:
    return "" if value is None else query.jsonable_value(value)
