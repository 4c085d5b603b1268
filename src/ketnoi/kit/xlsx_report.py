"""Sheets of the reports the platform writes as XLSX (feedback synthesis, the yearly quality inspection)."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


def add_sheet(book: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A sheet with a bold, frozen header row, then the rows; text always written as text, never run as a formula."""
    sheet = book.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(list(values))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell, Cell) and isinstance(cell.value, str):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for index, name in enumerate(headers, 1):
        longest = max([len(name), *(len(str(row[index - 1] or "")) for row in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))
