"""A survey answer's value checked against its question's kind, and a question's options checked when it is built.

`clean(question, raw)` takes what a form sent (strings) or what an API call sent (typed JSON) and
gives the value to store, None when nothing was answered, or raises ValueError with a Vietnamese
message. Numbers are written the Vietnamese way or the English way ("12,5", "12.5", "1.234,5").
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from ketnoi.governance.survey_models import CHOICE_KINDS, CellKind, QuestionIn, QuestionKind, SurveyQuestion
from ketnoi.kit.vn import nfc

MAX_TEXT = {QuestionKind.SHORT_TEXT: 500, QuestionKind.LONG_TEXT: 20_000}
MAX_CELL = 1000
MAX_FREE_ROWS = 100
_PLAIN = re.compile(r"^-?\d+([.,]\d+)?$")
_GROUPED_DOT = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")  # 1.234,5
_GROUPED_COMMA = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234.5
NUMBER_ERROR = "Phải là một số (ví dụ 12 hoặc 12,5)."


def question_options(data: QuestionIn) -> tuple[dict[str, Any], dict[str, str]]:
    """The options to store for a new question, and what is wrong with them as {field: message}."""
    problems: dict[str, str] = {}
    if data.kind in CHOICE_KINDS:
        if len(data.choices) < 2:
            problems["choices"] = "Câu hỏi lựa chọn cần ít nhất 2 phương án (mỗi phương án một dòng)."
        elif len(set(data.choices)) != len(data.choices):
            problems["choices"] = "Các phương án không được trùng nhau."
        return {"choices": list(data.choices)}, problems
    if data.kind == QuestionKind.TABLE:
        if not data.columns:
            problems["columns"] = "Bảng cần ít nhất một cột (mỗi cột một dòng)."
        elif len(set(data.columns)) != len(data.columns):
            problems["columns"] = "Các cột không được trùng tên."
        if len(set(data.rows)) != len(data.rows):
            problems["rows"] = "Các dòng không được trùng tên."
        return {"rows": list(data.rows), "columns": list(data.columns), "cell": data.cell.value}, problems
    return {}, problems


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list):
        return all(is_blank(item) for item in raw)
    return False


def number(raw: Any) -> float | int:
    if isinstance(raw, bool):
        raise ValueError(NUMBER_ERROR)
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip().replace(" ", "")
        if _GROUPED_DOT.match(text):
            text = text.replace(".", "").replace(",", ".")
        elif _GROUPED_COMMA.match(text):
            text = text.replace(",", "")
        elif _PLAIN.match(text):
            text = text.replace(",", ".")
        else:
            raise ValueError(NUMBER_ERROR)
        value = float(text)
    if not math.isfinite(value) or abs(value) > 1e15:
        raise ValueError(NUMBER_ERROR)
    return int(value) if value.is_integer() else value


def _text(raw: Any, limit: int) -> str:
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise ValueError("Phải là chuỗi ký tự.")
    text = nfc(str(raw).strip())
    if len(text) > limit:
        raise ValueError(f"Tối đa {limit} ký tự.")
    return text


def _yes_no(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("yes", "true", "có", "co"):
        return True
    if text in ("no", "false", "không", "khong"):
        return False
    raise ValueError("Chọn «Có» hoặc «Không».")


def _date(raw: Any) -> str:
    try:
        return date.fromisoformat(str(raw).strip()).isoformat()
    except ValueError:
        raise ValueError("Ngày không hợp lệ (định dạng YYYY-MM-DD).") from None


def _choice(raw: Any, choices: list[str]) -> str:
    text = nfc(str(raw).strip())
    if text not in choices:
        raise ValueError(f"«{text}» không có trong các phương án của câu hỏi.")
    return text


def _choices(raw: Any, choices: list[str]) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    picked = {_choice(item, choices) for item in items if not is_blank(item)}
    return [c for c in choices if c in picked]  # in the questionnaire's order, once each


def _cell(raw: Any, kind: str, where: str) -> str | float | int | None:
    if is_blank(raw):
        return None
    try:
        return number(raw) if kind == CellKind.NUMBER else _text(raw, MAX_CELL)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _table(raw: Any, options: dict[str, Any]) -> list[list[Any]] | None:
    if not isinstance(raw, list) or not all(isinstance(row, list) for row in raw):
        raise ValueError("Bảng phải là danh sách các dòng, mỗi dòng là danh sách các ô.")
    rows, columns, kind = options.get("rows") or [], options["columns"], options.get("cell", CellKind.TEXT)
    if rows and len(raw) > len(rows):
        raise ValueError(f"Bảng có {len(rows)} dòng.")
    if not rows and len(raw) > MAX_FREE_ROWS:
        raise ValueError(f"Tối đa {MAX_FREE_ROWS} dòng.")
    table: list[list[Any]] = []
    for r, row in enumerate(raw):
        if len(row) > len(columns):
            raise ValueError(f"Bảng có {len(columns)} cột.")
        label = rows[r] if rows else f"Dòng {r + 1}"
        cells = [_cell(row[c] if c < len(row) else None, kind, f"{label}, cột «{columns[c]}»") for c in range(len(columns))]
        table.append(cells)
    if not rows:
        table = [row for row in table if any(cell is not None for cell in row)]  # free rows: empty ones dropped
    elif len(table) < len(rows):
        table += [[None] * len(columns) for _ in range(len(rows) - len(table))]
    return table if any(cell is not None for row in table for cell in row) else None


def clean(question: SurveyQuestion, raw: Any) -> Any:
    """The value to store for `raw`, None when nothing is answered; ValueError with a message otherwise."""
    kind = question.kind
    if kind == QuestionKind.TABLE:
        return None if raw is None else _table(raw, question.options)
    if is_blank(raw):
        return None
    if kind in MAX_TEXT:
        return _text(raw, MAX_TEXT[QuestionKind(kind)])
    if kind == QuestionKind.NUMBER:
        return number(raw)
    if kind == QuestionKind.YES_NO:
        return _yes_no(raw)
    if kind == QuestionKind.DATE:
        return _date(raw)
    if kind == QuestionKind.SINGLE_CHOICE:
        return _choice(raw, question.options.get("choices", []))
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return _choices(raw, question.options.get("choices", [])) or None
    raise ValueError("Loại câu hỏi không được hỗ trợ.")


def shown_number(value: float | int | None) -> str:
    """A number as Vietnamese write it: 1.234,5 (no trailing zeros)."""
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        whole, _, part = f"{value:,.4f}".rstrip("0").partition(".")
        return whole.replace(",", ".") + ("," + part if part else "")
    return f"{int(value):,}".replace(",", ".")
