"""XLSX sheets, streamed (openpyxl's read-only mode), after checking the file is not a zip bomb.

An XLSX file is a zip of XML parts. Before any XML is parsed, the zip's directory is checked:
a part that inflates more than MAX_RATIO times, or a whole that would inflate past
MAX_INFLATED_BYTES, is refused (a "zip bomb" of a few kilobytes can otherwise fill the memory
or the disk). Cells come back as Python values: text (NFC), numbers, booleans, datetimes.
"""

from __future__ import annotations

import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from ketnoi.kit.errors import Invalid

MAX_RATIO = 200  # real sheets compress 5-20 times; bombs thousands of times
MAX_INFLATED_BYTES = 4 << 30


def check(path: Path) -> None:
    """Refuse what is not an XLSX workbook, or would inflate absurdly."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise Invalid("Tệp không phải bảng tính XLSX hợp lệ (không mở được tệp nén).", fields={"file": path.name}) from None
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise Invalid("Tệp nén này không phải bảng tính XLSX (thiếu xl/workbook.xml).", fields={"file": path.name})
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > MAX_RATIO * max(member.compress_size, 1) and member.file_size > 1 << 20:
            raise Invalid("Tệp XLSX bị nén bất thường (có thể là «bom nén»): không mở.", fields={"file": path.name})
    if total > MAX_INFLATED_BYTES:
        raise Invalid("Tệp XLSX giải nén ra quá lớn: không mở.", fields={"file": path.name})


def sheet_names(path: Path) -> list[str]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


Merged = tuple[int, int, int, int]  # min_row, min_col, max_row, max_col (1-based, inclusive)
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def merged_ranges(path: Path, sheet: str | None) -> list[Merged]:
    """The merged cell ranges of the sheet (openpyxl's read-only mode does not read them).

    One streaming pass over the sheet's XML (the ranges come after the cells): each element is
    dropped once read, so memory stays small whatever the sheet's size.
    """
    import openpyxl
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils.cell import range_boundaries

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        worksheet = workbook[sheet] if sheet is not None and sheet in workbook.sheetnames else workbook.worksheets[0]
        part: str = cast(Any, worksheet)._worksheet_path  # where the sheet's XML lives in the zip (read-only mode keeps it)
    finally:
        workbook.close()
    ranges: list[Merged] = []
    with zipfile.ZipFile(path) as archive, archive.open(part) as xml:
        for _, element in iterparse(xml, events=("end",)):
            if element.tag == f"{_MAIN}mergeCell" and (ref := element.get("ref")):
                min_col, min_row, max_col, max_row = range_boundaries(ref)
                if None not in (min_col, min_row, max_col, max_row):
                    ranges.append((min_row, min_col, max_row, max_col))  # type: ignore[arg-type]
            if element.tag in (f"{_MAIN}row", f"{_MAIN}mergeCell"):
                element.clear()
    return ranges


def rows(path: Path, sheet: str | None) -> Iterator[tuple[int, list[Any]]]:
    """(row number in the sheet, cells) of every row; trailing empty cells dropped."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            names = ", ".join(workbook.sheetnames)
            raise Invalid(
                "Bảng tính không có trang «{sheet}» (các trang: {sheets}).",
                fields={"sheet": sheet},
                values={"sheet": sheet, "sheets": names},
            )
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            cells = [unicodedata.normalize("NFC", v) if isinstance(v, str) else v for v in values]
            while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
                cells.pop()
            yield number, cells
    finally:
        workbook.close()
