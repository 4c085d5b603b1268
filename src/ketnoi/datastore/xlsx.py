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
from typing import Any

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


def rows(path: Path, sheet: str | None) -> Iterator[tuple[int, list[Any]]]:
    """(row number in the sheet, cells) of every row; trailing empty cells dropped."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            names = ", ".join(workbook.sheetnames)
            raise Invalid(f"Bảng tính không có trang «{sheet}» (các trang: {names}).", fields={"sheet": sheet})
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            cells = [unicodedata.normalize("NFC", v) if isinstance(v, str) else v for v in values]
            while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
                cells.pop()
            yield number, cells
    finally:
        workbook.close()
