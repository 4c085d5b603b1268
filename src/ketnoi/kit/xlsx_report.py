"""Sheets of the reports the platform writes as XLSX (feedback synthesis, the yearly quality inspection)."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


def add_sheet(book: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A sheet with a bold, frozen header row, then the rows; text always written as text, never run as a formula."""
    sheet = book.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, values in enumerate(rows, start=2):
        sheet.append(list(values))
        # By position: sheet.max_row and sheet[row] scan every cell written so far (quadratic on 5,000 rows).
        for column, value in enumerate(values, start=1):
            if isinstance(value, str):
                sheet.cell(row=number, column=column).data_type = "s"
    sheet.freeze_panes = "A2"
    for index, name in enumerate(headers, 1):
        longest = max([len(name), *(len(str(row[index - 1] or "")) for row in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))
