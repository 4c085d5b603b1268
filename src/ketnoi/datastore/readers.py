"""Reading the tables people upload: CSV/TSV, XLSX and JSON (array or NDJSON), a row at a time.

`open_table(path)` looks at the start of the file to learn its encoding (kit.vnencodings), its
delimiter and where its header is (below title rows such as "BÁO CÁO …" that offices put above
a table), then `rows()` streams the data rows: memory is bounded by one row, not by the file.
Every cell is text in Unicode NFC (or a JSON scalar); every problem is an `Invalid` with a
Vietnamese message that names the line.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ketnoi.datastore import xlsx
from ketnoi.kit.errors import Invalid
from ketnoi.kit.vnencodings import Detected, detect

SAMPLE_BYTES = 64 * 1024
SAMPLE_ROWS = 30  # where a header below title rows is looked for
MAX_CELL_CHARS = 1_000_000  # a cell longer than this is a broken file, not data
MAX_RECORD_CHARS = 16_000_000  # one JSON record larger than this is refused
DELIMITERS = (",", ";", "\t", "|")
FORMATS = ("csv", "tsv", "xlsx", "json", "ndjson")
XLSX_ENCODING = Detected("utf-8", "Bảng tính XLSX luôn lưu văn bản Unicode.")


@dataclass
class Table:
    """A file opened for reading: what was found about it, and its rows."""

    path: Path
    format: str  # csv | tsv | xlsx | json | ndjson
    encoding: Detected
    headers: list[str]
    header_line: int  # 1-based line (CSV) or record (JSON) of the header, for messages
    delimiter: str = ","
    sheet: str | None = None  # XLSX: the sheet read (None: the first)
    merges: list[xlsx.Merged] = field(default_factory=list)  # XLSX: merged cell ranges, filled on reading
    notes: list[str] = field(default_factory=list)  # what the reader decided, to show the user

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(line number, cells) of every data row, in order."""
        if self.format in ("csv", "tsv", "xlsx"):
            yield from _data_rows(self)
        else:
            yield from _json_rows(self)


def open_table(path: Path, *, format: str | None = None, encoding: str | None = None, sheet: str | None = None) -> Table:
    """Open `path` as a table; `format`, `encoding` and the XLSX `sheet` override what would be detected."""
    with path.open("rb") as stream:
        sample = stream.read(SAMPLE_BYTES)
        complete = len(sample) < SAMPLE_BYTES or not stream.read(1)
    if not sample.strip():
        raise Invalid("Tệp rỗng: không có dữ liệu để nạp.", fields={"file": path.name})
    if format == "xlsx" or (format is None and (path.suffix.lower() == ".xlsx" or sample.startswith(b"PK\x03\x04"))):
        return _open_head(Table(path, "xlsx", XLSX_ENCODING, [], 0, sheet=sheet))
    found = Detected(encoding, "Do người dùng chọn.") if encoding else detect(sample, complete=complete)
    _check_codec(found.encoding)
    text = sample.decode(found.encoding, errors="replace")
    if "\x00" in text:
        raise Invalid("Tệp có byte nhị phân: đây không phải tệp văn bản CSV hoặc JSON.", fields={"file": path.name})
    kind = format or _guess_format(path, text)
    if kind not in FORMATS:
        raise Invalid("Định dạng «{kind}» không được hỗ trợ (CSV, TSV, JSON, NDJSON).", fields={"format": kind}, values={"kind": kind})
    if kind in ("json", "ndjson"):
        return _open_json(path, kind, found)
    return _open_csv(path, kind, found, text)


def _check_codec(name: str) -> None:
    try:
        codecs.lookup(name)
    except LookupError:
        raise Invalid("Không biết bảng mã «{encoding}».", fields={"encoding": name}, values={"encoding": name}) from None


def _guess_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("json", "ndjson", "jsonl"):
        return "ndjson" if suffix != "json" or not text.lstrip("\ufeff \r\n\t").startswith("[") else "json"
    if suffix == "tsv":
        return "tsv"
    return "csv"


# -- CSV ------------------------------------------------------------------------------------------


def _open_text(table_path: Path, encoding: Detected) -> IO[str]:
    return table_path.open(encoding=encoding.encoding, errors="replace", newline="")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the most sample lines into the same number (> 1) of fields."""
    lines = text.splitlines()[: SAMPLE_ROWS * 2] or [""]
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if len(row) > 1]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        score = (counts.count(mode) / len(lines), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _open_csv(path: Path, kind: str, encoding: Detected, sample: str) -> Table:
    delimiter = "\t" if kind == "tsv" else _sniff_delimiter(sample.lstrip("\ufeff"))
    return _open_head(Table(path, kind, encoding, [], 0, delimiter))


def _open_head(table: Table) -> Table:
    """Find the header among the first rows (CSV, TSV, XLSX), and check that data follows it."""
    if table.format == "xlsx":
        xlsx.check(table.path)
        table.merges = xlsx.merged_ranges(table.path, table.sheet)
    # Where the header is, from the cells as written: a merged title fills one cell, not the width.
    written = list(itertools.islice(_records(table, fill=False), SAMPLE_ROWS))
    if not written:
        raise Invalid("Tệp rỗng: không có dữ liệu để nạp.", fields={"file": table.path.name})
    index = _header_index([row for _, row in written])
    head = list(itertools.islice(_records(table), SAMPLE_ROWS)) if table.merges else written
    table.header_line = head[index][0]
    table.headers = ["" if cell is None else str(cell).strip() for cell in head[index][1]]
    if index:
        table.notes.append(f"Dòng tiêu đề là dòng {table.header_line}; {index} dòng phía trên (tên bảng, ghi chú) được bỏ qua.")
    if table.merges:
        _merged_header(table, head[index + 1] if index + 1 < len(head) else None)
    while table.headers and not table.headers[-1]:
        table.headers.pop()  # trailing empty cells of a spreadsheet export
    if not any(True for _ in _data_rows(table, limit=1)):
        raise Invalid("Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào.", fields={"file": table.path.name})
    return table


def _records(table: Table, *, fill: bool = True) -> Iterator[tuple[int, list[Any]]]:
    """(line or sheet row number, cells) of every row of the file, blank ones included; with
    `fill`, the cells of a merged range (XLSX) read as its top-left one."""
    if table.format == "xlsx":
        rows = xlsx.rows(table.path, table.sheet)
        yield from _fill_merges(rows, table.merges) if fill and table.merges else rows
        return
    with _open_text(table.path, table.encoding) as stream:
        yield from _csv_records(stream, table.delimiter)


def _csv_records(stream: IO[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each record; a record may span lines (quoted newlines)."""
    reader = csv.reader(stream, delimiter=delimiter, strict=False)
    csv.field_size_limit(MAX_CELL_CHARS)
    line = 1
    try:
        for row in reader:
            if line == 1 and row:
                row[0] = row[0].lstrip("\ufeff")  # a BOM the chosen encoding did not consume
            yield line, [unicodedata.normalize("NFC", cell) for cell in row]
            line = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise Invalid(
                "Dòng {line}: một ô dài hơn {limit} ký tự; tệp hỏng hoặc thiếu dấu ngoặc kép đóng.",
                fields={"line": str(reader.line_num)},
                values={"line": reader.line_num, "limit": f"{MAX_CELL_CHARS:,}".replace(",", ".")},
            ) from None
        raise Invalid(
            "Dòng {line}: không đọc được CSV ({error}).",
            fields={"line": str(reader.line_num)},
            values={"line": reader.line_num, "error": str(exc)},
        ) from None


def _fill_merges(rows: Iterator[tuple[int, list[Any]]], merges: list[xlsx.Merged]) -> Iterator[tuple[int, list[Any]]]:
    """Every cell of a merged range reads as its top-left cell, as the person sees the sheet
    ("Quốc gia" merged over three rows is the level of each of them)."""
    by_row: dict[int, list[xlsx.Merged]] = {}
    for merge in merges:
        for number in range(merge[0], merge[2] + 1):
            by_row.setdefault(number, []).append(merge)
    values: dict[tuple[int, int], Any] = {}
    for number, cells in rows:
        for top, left, _, right in by_row.get(number, ()):
            if number == top:
                values[(top, left)] = cells[left - 1] if left <= len(cells) else None
            if right > len(cells):
                cells.extend([None] * (right - len(cells)))
            for column in range(left, right + 1):
                cells[column - 1] = values.get((top, left))
        yield number, cells


def _merged_header(table: Table, below: tuple[int, list[Any]] | None) -> None:
    """A header written over merged cells. A title spanning several columns with sub-titles under
    it makes a two-row header, joined per column («Kinh phí – Ngân sách nhà nước»); a spanning
    title with no sub-titles names its first column, the others get a number («Ghi chú (2)»)."""
    row = table.header_line
    spans = [m for m in table.merges if m[0] == m[2] == row and m[3] > m[1]]  # across columns, in the header row
    width = max([len(table.headers), *(m[3] for m in spans)])
    headers = table.headers + [""] * (width - len(table.headers))
    sub = [] if below is None or below[0] != row + 1 else ["" if c is None else str(c).strip() for c in below[1]]
    sub += [""] * (width - len(sub))
    under = {c for m in spans for c in range(m[1], m[3] + 1)}
    # Sub-titles: two or more under a spanning title, and nothing new beside them (the other
    # columns' titles are merged down, or empty); a data row has values in the other columns too.
    titled = any(sum(1 for c in range(m[1], m[3] + 1) if sub[c - 1]) >= 2 for m in spans)
    if titled and all(not sub[c - 1] or sub[c - 1] == headers[c - 1] for c in range(1, width + 1) if c not in under):
        table.headers = [f"{top} – {low}" if top and low and low != top else (top or low) for top, low in zip(headers, sub, strict=True)]
        table.header_line = row + 1
        table.notes.append(f"Tiêu đề hai dòng (ô gộp) ở dòng {row} và {row + 1}: tên cột ghép từ hai dòng.")
        return
    for _, left, _, right in spans:
        for column in range(left + 1, right + 1):
            headers[column - 1] = f"{headers[left - 1]} ({column - left + 1})"
    table.headers = headers


def _filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _header_index(rows: list[list[Any]]) -> int:
    """The first row as wide as the table: title rows above it fill one or two cells."""
    widths = [sum(1 for cell in row if _filled(cell)) for row in rows]
    widest = max(widths)
    for index, width in enumerate(widths):
        if width >= max(1, int(widest * 0.8)):
            return index
    return 0


def _data_rows(table: Table, limit: int | None = None) -> Iterator[tuple[int, list[Any]]]:
    produced = 0
    for line, row in _records(table):
        if line <= table.header_line or not any(_filled(cell) for cell in row):
            continue  # above the header, the header itself, and blank lines
        yield line, row
        produced += 1
        if limit is not None and produced >= limit:
            return


# -- JSON -----------------------------------------------------------------------------------------


def _open_json(path: Path, kind: str, encoding: Detected) -> Table:
    table = Table(path, kind, encoding, [], 0)
    keys: dict[str, None] = {}
    for _, record in _json_records(table, limit=1000):
        keys.update(dict.fromkeys(record))
    if not keys:
        raise Invalid("Tệp JSON không có bản ghi nào (cần một mảng các đối tượng, hoặc mỗi dòng một đối tượng).")
    table.headers = list(keys)
    table.notes.append("Các cột là các khoá của những bản ghi đầu tiên; khoá chỉ có ở bản ghi sau sẽ bị bỏ qua.")
    return table


def _json_rows(table: Table) -> Iterator[tuple[int, list[Any]]]:
    for number, record in _json_records(table):
        yield number, [_json_cell(record.get(key)) for key in table.headers]


def _json_cell(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _json_records(table: Table, limit: int | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(record number, object): NDJSON line by line; a JSON array element by element (streamed)."""
    with _open_text(table.path, table.encoding) as stream:
        values = _ndjson_values(stream) if table.format == "ndjson" else _array_values(stream)
        for number, value in enumerate(values, start=1):
            if not isinstance(value, dict):
                raise Invalid(
                    "Bản ghi {number} không phải một đối tượng JSON {{…}}.", fields={"record": str(number)}, values={"number": number}
                )
            yield number, value
            if limit is not None and number >= limit:
                return


def _ndjson_values(stream: IO[str]) -> Iterator[Any]:
    for line_number, line in enumerate(stream, start=1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise Invalid(
                    "Dòng {line}: JSON không hợp lệ ({error}).",
                    fields={"line": str(line_number)},
                    values={"line": line_number, "error": exc.msg},
                ) from None


def _array_values(stream: IO[str], chunk: int = 1 << 16) -> Iterator[Any]:
    """The elements of a top-level JSON array, decoded one at a time from a buffer of a few chunks."""
    decoder = json.JSONDecoder()
    buffer = stream.read(chunk).lstrip("\ufeff \r\n\t")
    if not buffer.startswith("["):
        raise Invalid("Tệp JSON phải là một mảng [ … ] các đối tượng, hoặc NDJSON (mỗi dòng một đối tượng).")
    position, expect_value, eof = 1, True, False
    while True:
        while position < len(buffer) and buffer[position] in " \r\n\t":
            position += 1
        if position < len(buffer) and buffer[position] == "]":
            return
        if position < len(buffer) and buffer[position] == "," and not expect_value:
            position, expect_value = position + 1, True
            continue
        try:
            value, end = decoder.raw_decode(buffer, position)
        except json.JSONDecodeError as exc:
            # Most often the record goes on in the next chunk: read more, up to a bound.
            if eof or len(buffer) - position > MAX_RECORD_CHARS:
                raise Invalid("JSON không hợp lệ gần ký tự {position}: {error}.", values={"position": exc.pos, "error": exc.msg}) from None
            more = stream.read(chunk)
            eof = not more
            buffer, position = buffer[position:] + more, 0
            continue
        yield value
        position, expect_value = end, False
        if position > chunk:  # keep the buffer small: drop what was read
            buffer, position = buffer[position:], 0
