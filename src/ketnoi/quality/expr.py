"""Cross-field rule expressions (`nam_ket_thuc >= nam_bat_dau`) parsed into a small safe tree.

A steward writes a condition every row must meet. It is parsed with Python's own parser into its
syntax tree and only a few node kinds are accepted: comparisons (==, !=, <, <=, >, >=, chained),
combined with `and`, `or`, `not`; operands are columns of the table, numbers, quoted texts, and
+ - * / between them. Anything else (a call, an attribute, a subscript, a lambda...) is refused
with a message naming it. The tree is then turned into SQLAlchemy expressions whose literals are
bound parameters, so nothing the steward typed is ever pasted into SQL.
"""

from __future__ import annotations

import ast
import itertools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, literal, not_, or_

from ketnoi.kit.errors import Invalid

MAX_LENGTH = 500
MAX_NODES = 60

_COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
NUMERIC = ("integer", "number")
ORDERED_AS_TEXT = ("string", "date", "datetime")  # dates are compared with 'YYYY-MM-DD' texts


@dataclass(frozen=True)
class Expression:
    """A checked condition: its text, the columns it reads, and how to build it on a table."""

    text: str
    columns: tuple[str, ...]
    tree: ast.expr

    def on(self, table: Table) -> ColumnElement[bool]:
        return _Builder(table).condition(self.tree)


def parse(text: str, column_types: Mapping[str, str], *, field: str = "expression") -> Expression:
    """Parse and check a condition against the table's columns (name → Table Schema type)."""
    text = (text or "").strip()
    if not text:
        raise Invalid("Hãy nhập biểu thức điều kiện.", fields={field: "Hãy nhập biểu thức điều kiện."})
    if len(text) > MAX_LENGTH:
        raise _invalid("Biểu thức dài quá {limit} ký tự.", field, values={"limit": MAX_LENGTH})
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as error:
        hint = " (so sánh bằng viết là ==)" if "=" in text and "==" not in text else ""
        raise _invalid(
            "Biểu thức sai cú pháp ở ký tự {position}{hint}.", field, values={"position": error.offset or 0, "hint": hint}
        ) from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise _invalid("Biểu thức quá phức tạp: hãy tách thành nhiều quy tắc.", field)
    checker = _Checker(column_types, field)
    checker.condition(tree)
    return Expression(text, tuple(sorted(checker.columns)), tree)


def _invalid(message: str, field: str, values: Mapping[str, object] | None = None) -> Invalid:
    return Invalid(message, values=values).on_field(field)


class _Checker:
    """Walks the tree once: refuses what is not allowed, and checks that compared types agree."""

    def __init__(self, column_types: Mapping[str, str], field: str) -> None:
        self.types = column_types
        self.field = field
        self.columns: set[str] = set()

    def condition(self, node: ast.expr) -> None:
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self.condition(value)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.condition(node.operand)
        elif isinstance(node, ast.Compare):
            self._compare(node)
        else:
            raise _invalid("Biểu thức phải là một phép so sánh (==, !=, <, <=, >, >=), có thể nối bằng and, or, not.", self.field)

    def _compare(self, node: ast.Compare) -> None:
        for op in node.ops:
            if type(op) not in _COMPARISONS:
                raise _invalid("Chỉ dùng các phép so sánh ==, !=, <, <=, >, >=.", self.field)
        kinds = [self.operand(n) for n in (node.left, *node.comparators)]
        for left, right in itertools.pairwise(kinds):
            if {left, right} == {"number", "text"}:
                raise _invalid("Không so sánh được số với chữ: hãy kiểm tra kiểu của các cột.", self.field)

    def operand(self, node: ast.expr) -> str:
        """'number' or 'text': what the operand holds."""
        if isinstance(node, ast.Name):
            return self._column(node.id)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str) and not isinstance(node.value, bool):
            return "text" if isinstance(node.value, str) else "number"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            if self.operand(node.operand) != "number":
                raise _invalid("Dấu âm chỉ dùng với số.", self.field)
            return "number"
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            if self.operand(node.left) != "number" or self.operand(node.right) != "number":
                raise _invalid("Phép tính + - * / chỉ dùng với số.", self.field)
            return "number"
        raise _invalid(
            "Không dùng được «{node}» trong biểu thức: chỉ cột, số, chữ trong ngoặc kép và + - * /.",
            self.field,
            values={"node": _shown(node)},
        )

    def _column(self, name: str) -> str:
        if name not in self.types:
            raise _invalid("Không có cột «{column}» trong bảng dữ liệu.", self.field, values={"column": name})
        self.columns.add(name)
        kind = self.types[name]
        if kind not in NUMERIC and kind not in ORDERED_AS_TEXT:
            raise _invalid("Cột «{column}» có kiểu {kind}: không so sánh được.", self.field, values={"column": name, "kind": kind})
        return "number" if kind in NUMERIC else "text"


def _shown(node: ast.expr) -> str:
    try:
        return ast.unparse(node)[:40]
    except Exception:
        return type(node).__name__


class _Builder:
    """The checked tree as SQLAlchemy expressions over the table's columns (literals bound)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def condition(self, node: ast.expr) -> ColumnElement[bool]:
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(v) for v in node.values]
            return and_(*parts) if isinstance(node.op, ast.And) else or_(*parts)
        if isinstance(node, ast.UnaryOp):
            return not_(self.condition(node.operand))
        assert isinstance(node, ast.Compare)
        operands = [self.operand(n) for n in (node.left, *node.comparators)]
        links = [_COMPARISONS[type(op)](a, b) for op, (a, b) in zip(node.ops, itertools.pairwise(operands), strict=True)]
        return links[0] if len(links) == 1 else and_(*links)

    def operand(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Name):
            return self.table.c[node.id]
        if isinstance(node, ast.Constant):
            return literal(node.value)
        if isinstance(node, ast.UnaryOp):
            value = self.operand(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        assert isinstance(node, ast.BinOp)
        return _ARITHMETIC[type(node.op)](self.operand(node.left), self.operand(node.right))
