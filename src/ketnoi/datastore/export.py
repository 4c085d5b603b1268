"""Downloads of a resource's served table: CSV, JSON, XLSX or Parquet, with the data API's filters and sort.

The file is written while the request's transaction is open, into a spooled temporary file (in
memory while small, on disk beyond that), then sent from there: memory stays bounded whatever
the table's size, and the transaction is not held open while a slow client downloads.

Spreadsheet programs run a CSV cell that starts with = + - @ (or a tab or carriage return) as a
formula: such text cells are written with a leading apostrophe, so a value typed by someone can
never run in the person's spreadsheet (CSV/formula injection); numbers are left as they are. In
XLSX, text cells are typed as text, which a spreadsheet never runs.

Parquet columns are typed from the Table Schema (see `_arrow_schema`), written one row group at
a time; a spreadsheet does not open Parquet, so its text is written unchanged (no formula escaping).
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
from ketnoi.datastore.infer import Field, table_schema
from ketnoi.kit.errors import Invalid
from ketnoi.kit.vn import fold

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
SPOOL_BYTES = 8 << 20
FETCH_ROWS = 2000
ROW_GROUP_ROWS = 64_000  # Parquet: rows of a row group, held as Arrow columns until written
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Export:
    file: IO[bytes]  # positioned at its start
    media_type: str
    filename: str


def export(session: Session, *, actor: Actor, resource_id: uuid.UUID, fmt: str, params: Sequence[tuple[str, str]]) -> Export:
    if fmt not in FORMATS:
        raise Invalid("Định dạng tải về phải là một trong: {choices}.", fields={"format": fmt}, values={"choices": ", ".join(FORMATS)})
    selection = query.select_rows(session, actor=actor, resource_id=resource_id, params=params, reserved=query.RESERVED | {"format"})
    names = [f.name for f in selection.shown]
    result = session.execute(query.ordered(selection, selection.query).execution_options(yield_per=FETCH_ROWS))
    rows = ([row[1:] for row in chunk] for chunk in result.partitions())  # without _id
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - handed to the response, which closes it
    if fmt == "parquet":
        _parquet(out, selection.shown, rows)  # the columns this reader may see, as chosen
    else:
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


def _parquet(out: IO[bytes], fields: list[Field], chunks: Iterator[list[Sequence[Any]]]) -> None:
    """Each fetched chunk becomes an Arrow batch; a row group is written once ROW_GROUP_ROWS rows are
    pending, so memory holds one chunk of Python rows and one row group of Arrow columns. Parquet is
    not a spreadsheet format: text is written as it is stored, with no formula escaping."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema(fields)
    numbers = [f.type == "number" for f in fields]
    pending: list[Any] = []  # Arrow batches of the row group being filled
    with pq.ParquetWriter(out, schema) as writer:

        def write_row_group() -> None:
            group = pa.Table.from_batches(pending, schema)
            writer.write_table(group, row_group_size=group.num_rows)  # one call, one row group
            pending.clear()

        for chunk in chunks:
            columns = zip(*chunk, strict=True)  # a chunk is never empty
            arrays = [
                pa.array([None if v is None else float(v) for v in values] if number else values, type=schema.field(i).type)
                for i, (values, number) in enumerate(zip(columns, numbers, strict=True))
            ]
            pending.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
            if sum(batch.num_rows for batch in pending) >= ROW_GROUP_ROWS:
                write_row_group()
        if pending:
            write_row_group()


def _arrow_schema(fields: list[Field]) -> Any:
    """Nullable typed columns: integer int64, number float64 (as the JSON and XLSX downloads give it:
    SQLite keeps numbers as floats, and PostgreSQL's unbounded NUMERIC has no fixed Arrow decimal
    scale), boolean bool, date date32, datetime a timestamp without zone (as stored), string string.
    Each column keeps its title (and description) as metadata; the file keeps its columns' Table Schema
    (only the columns it holds: never a column hidden from this reader)."""
    import pyarrow as pa

    types = {
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "datetime": pa.timestamp("us"),
        "string": pa.string(),
    }
    notes = [{"title": f.title} | ({"description": f.description} if f.description else {}) for f in fields]
    columns = [pa.field(f.name, types[f.type], nullable=True, metadata=n) for f, n in zip(fields, notes, strict=True)]
    return pa.schema(columns, metadata={b"table_schema": json.dumps(table_schema(fields), ensure_ascii=False).encode()})


def _plain(value: Any) -> Any:
    return "" if value is None else query.jsonable_value(value)
