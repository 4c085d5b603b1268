"""A table's profile: per column its type, empties, distinct values, extremes, frequent values and shapes.

Counts, distinct counts and extremes come from one aggregated query over the whole table; the
most frequent values from a GROUP BY per column (not for near-unique columns, whose "top values"
say nothing); the shapes ("patterns") of text values are computed here over the first
SAMPLE_ROWS rows by `_id`. Every query runs under the quality time limit.

Privacy: a column whose data item is personal or sensitive never gives a value: no frequent
values, no extremes, only counts, distinct counts, empties and shapes (a shape carries no value).
And a reader profiles only the columns the datastore shows them (datastore.access).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Table, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.catalog.models import DataItem, Dataset
from ketnoi.datastore import access
from ketnoi.datastore.infer import Field
from ketnoi.kit.errors import Conflict, Invalid
from ketnoi.quality.measure import TimeLimit, limited
from ketnoi.quality.runner import served_table
from ketnoi.quality.service import TableColumns, can_edit, readable_dataset, tables_of
from ketnoi.settings import get_settings

SAMPLE_ROWS = 10_000  # the shapes are computed over the first rows by _id
TOP_VALUES = 5
TOP_PATTERNS = 3
LOW_CARDINALITY = 20  # a column with at most this many distinct values keeps them all (allowed values)
NEAR_UNIQUE = 0.5  # distinct values above this share of the rows: no frequent values
SHAPE_LIMIT = 60  # longer shapes are cut (and marked with "…")
ORDERED = ("integer", "number", "date", "datetime")

VIETNAMESE_UPPER = "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
VIETNAMESE_LOWER = VIETNAMESE_UPPER.lower()
_VIETNAMESE = frozenset(VIETNAMESE_UPPER + VIETNAMESE_LOWER)


@dataclass(frozen=True)
class ValueCount:
    value: Any  # a number, a text, a date (never for a personal column)
    count: int


@dataclass(frozen=True)
class Pattern:
    """The shape of values (digit → 9, upper-case letter → A, lower-case → a, other characters kept)."""

    shape: str
    count: int  # values of the sample with this shape
    share: float  # of the sample's non-empty values
    letters: str  # the letters met in those values: "ascii", "vietnamese" (Latin with diacritics) or "other"

    @property
    def cut(self) -> bool:
        return self.shape.endswith("…")


@dataclass
class ColumnProfile:
    name: str
    title: str
    type: str
    personal: bool  # its data item is personal or sensitive: no value is ever given
    rows: int
    nulls: int  # empty cells (NULL, and the empty text in a text column)
    distinct: int  # distinct non-empty values
    minimum: Any = None  # numbers and dates; None for a personal column
    maximum: Any = None
    min_length: int | None = None  # text columns, in characters
    max_length: int | None = None
    top: list[ValueCount] | None = None  # None: see top_skipped
    top_skipped: str | None = None  # labels_profile.TOP_SKIPPED_LABELS
    values: list[Any] | None = None  # every distinct value, when at most LOW_CARDINALITY and not personal
    patterns: list[Pattern] = field(default_factory=list)
    sampled: int = 0  # non-empty values in the sample the patterns read
    patterns_skipped: str | None = None  # labels_profile.PATTERN_SKIPPED_LABELS

    @property
    def non_null(self) -> int:
        return self.rows - self.nulls

    @property
    def null_share(self) -> float:
        return self.nulls / self.rows if self.rows else 0.0

    @property
    def range_skipped(self) -> str | None:
        return "personal" if self.personal and self.type in ORDERED else None


@dataclass(frozen=True)
class TableRef:
    resource_id: uuid.UUID
    name: str


@dataclass
class TableProfile:
    dataset_id: uuid.UUID
    dataset_name: str
    resource_id: uuid.UUID
    resource_name: str
    rows: int
    columns: list[ColumnProfile]
    hidden: int  # columns of the table this reader may not see (not profiled)
    sample_rows: int  # the patterns read the first rows up to this many
    tables: list[TableRef]  # the dataset's loaded tables (to switch between them)
    editable: bool  # the reader may add rules to the dataset
    update_frequency: str | None = None

    def column(self, name: str) -> ColumnProfile | None:
        return next((c for c in self.columns if c.name == name), None)


def loaded_tables(session: Session, *, actor: Actor, dataset_id: uuid.UUID) -> tuple[Dataset, list[TableColumns]]:
    """The dataset (staff who may see it) and its tables loaded in the datastore."""
    dataset = readable_dataset(session, actor=actor, dataset_id=dataset_id)
    return dataset, tables_of(session, dataset)


def profile_table(session: Session, *, actor: Actor, dataset_id: uuid.UUID, resource_id: uuid.UUID | None = None) -> TableProfile:
    """The profile of one of the dataset's loaded tables (the only one when `resource_id` is left out)."""
    dataset, loaded = loaded_tables(session, actor=actor, dataset_id=dataset_id)
    chosen = _choose(loaded, resource_id)
    reading = access.served(session, actor=actor, resource_id=chosen.resource.id)
    served = served_table(session, chosen.resource.id)
    if served is None:  # tables_of found it a moment ago, in this transaction
        raise Invalid("Bảng dữ liệu chưa được nạp.", fields={"resource_id": "Bảng dữ liệu chưa được nạp."})
    table = served[0]
    items = {i.name: i for i in access.dataset_items(session, dataset.id)}
    columns = [_column_of(f, items) for f in reading.shown]
    seconds = get_settings().quality_query_seconds
    rows = _aggregate(session, table, columns, seconds, chosen.resource.name)
    for column in columns:
        _top_values(session, table, column, seconds)
    _patterns(session, table, [c for c in columns if c.type == "string"], seconds)
    return TableProfile(
        dataset_id=dataset.id,
        dataset_name=dataset.name,
        resource_id=chosen.resource.id,
        resource_name=chosen.resource.name,
        rows=rows,
        columns=columns,
        hidden=len(reading.hidden),
        sample_rows=SAMPLE_ROWS,
        tables=[TableRef(t.resource.id, t.resource.name) for t in loaded],
        editable=can_edit(actor, dataset),
        update_frequency=dataset.update_frequency,
    )


def _choose(loaded: list[TableColumns], resource_id: uuid.UUID | None) -> TableColumns:
    if not loaded:
        message = "Bộ dữ liệu chưa có bảng nào trong kho dữ liệu: hãy nạp dữ liệu trước khi lập hồ sơ."
        raise Invalid(message, fields={"resource_id": "Chưa có bảng dữ liệu."})
    if resource_id is None:
        if len(loaded) > 1:
            raise Invalid("Bộ dữ liệu có nhiều bảng: hãy chọn bảng dữ liệu.", fields={"resource_id": "Hãy chọn bảng dữ liệu."})
        return loaded[0]
    for table in loaded:
        if table.resource.id == resource_id:
            return table
    message = "Bảng dữ liệu không thuộc bộ dữ liệu này hoặc chưa được nạp."
    raise Invalid(message, fields={"resource_id": message})


def _column_of(f: Field, items: dict[str, DataItem]) -> ColumnProfile:
    item = items.get(f.item) if f.item else None
    personal = bool(item is not None and (item.is_personal or item.is_sensitive))
    return ColumnProfile(name=f.name, title=f.title, type=f.type, personal=personal, rows=0, nulls=0, distinct=0)


def _present(table: Table, column: ColumnProfile) -> ColumnElement[Any]:
    """The column's non-empty value (the empty text of a text column counts as empty, as the not-null rule reads it)."""
    c = table.c[column.name]
    return func.nullif(c, "") if column.type == "string" else c


def _missing(table: Table, column: ColumnProfile) -> ColumnElement[bool]:
    c = table.c[column.name]
    return or_(c.is_(None), c == "") if column.type == "string" else c.is_(None)


def _aggregate(session: Session, table: Table, columns: list[ColumnProfile], seconds: float, name: str) -> int:
    """One pass: the rows, and per column its empties, distinct values and extremes (or text lengths)."""
    selected: list[Any] = [func.count().label("rows")]
    for i, column in enumerate(columns):
        present = _present(table, column)
        selected += [
            func.sum(case((_missing(table, column), 1), else_=0)).label(f"n{i}"),
            func.count(distinct(present)).label(f"d{i}"),
        ]
        if column.type == "string":
            selected += [func.min(func.length(present)).label(f"lo{i}"), func.max(func.length(present)).label(f"hi{i}")]
        elif column.type in ORDERED and not column.personal:
            selected += [func.min(present).label(f"lo{i}"), func.max(present).label(f"hi{i}")]
    try:
        with limited(session, seconds):
            row = session.execute(select(*selected).select_from(table)).one()._mapping
    except TimeLimit:
        raise Conflict(
            "Bảng «{table}» lớn quá để lập hồ sơ trong {seconds:g} giây. Hãy thử lại lúc hệ thống ít việc, "
            "hoặc đề nghị quản trị hệ thống nâng thời hạn truy vấn chất lượng.",
            values={"table": name, "seconds": seconds},
        ) from None
    rows = int(row["rows"])
    for i, column in enumerate(columns):
        column.rows, column.nulls, column.distinct = rows, int(row[f"n{i}"] or 0), int(row[f"d{i}"] or 0)
        if column.type == "string":
            column.min_length, column.max_length = _int(row[f"lo{i}"]), _int(row[f"hi{i}"])
        elif f"lo{i}" in row:
            column.minimum, column.maximum = plain(row[f"lo{i}"]), plain(row[f"hi{i}"])
    return rows


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def plain(value: Any) -> Any:
    """A value as JSON and the page show it: a Decimal as an int or a float; dates as they are."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _top_values(session: Session, table: Table, column: ColumnProfile, seconds: float) -> None:
    """The most frequent values (GROUP BY), and every value of a low-cardinality column."""
    if column.personal:
        column.top_skipped = "personal"
        return
    if column.distinct == 0:
        column.top_skipped = "empty"
        return
    if column.distinct > NEAR_UNIQUE * column.rows:
        column.top_skipped = "near_unique"
        return
    c = table.c[column.name]
    keep = column.distinct if column.distinct <= LOW_CARDINALITY else TOP_VALUES
    count = func.count().label("c")
    # Code-point order between equal counts, on both databases (PostgreSQL's collation would sort Vietnamese otherwise).
    order = c.collate("C") if column.type == "string" and session.get_bind().dialect.name == "postgresql" else c
    query = select(c, count).where(~_missing(table, column)).group_by(c).order_by(count.desc(), order).limit(keep)
    try:
        with limited(session, seconds):
            found = [ValueCount(plain(value), int(n)) for value, n in session.execute(query)]
    except TimeLimit:
        column.top_skipped = "time_limit"
        return
    column.top = found[:TOP_VALUES]
    if column.distinct <= LOW_CARDINALITY:
        column.values = sorted((v.value for v in found), key=str)


def shape_of(value: str) -> str:
    """9 for a digit, A for an upper-case letter, a for another letter (Vietnamese letters count), others kept."""
    out = []
    for ch in value:
        if "0" <= ch <= "9":
            out.append("9")
        elif ch.isalpha():
            out.append("A" if ch.isupper() else "a")
        else:
            out.append(ch)
    shape = "".join(out)
    return shape if len(shape) <= SHAPE_LIMIT else shape[:SHAPE_LIMIT] + "…"


def letters_of(values: Iterable[str]) -> str:
    """The letters met: "ascii" (a–z, A–Z only), "vietnamese" (the others are Vietnamese letters) or "other"."""
    kind = "ascii"
    for value in values:
        for ch in value:
            if not ch.isalpha() or ch.isascii():
                continue
            if ch not in _VIETNAMESE:
                return "other"
            kind = "vietnamese"
    return kind


def patterns_of(values: Sequence[str]) -> list[Pattern]:
    """The TOP_PATTERNS most frequent shapes of the values, with their share."""
    by_shape: dict[str, list[str]] = defaultdict(list)
    for value in values:
        by_shape[shape_of(value)].append(value)
    counts = Counter({shape: len(group) for shape, group in by_shape.items()})
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_PATTERNS]
    return [Pattern(shape, n, n / len(values), letters_of(by_shape[shape])) for shape, n in ranked]


def _patterns(session: Session, table: Table, columns: list[ColumnProfile], seconds: float) -> None:
    """The shapes of each text column's non-empty values in the first SAMPLE_ROWS rows (one query)."""
    if not columns:
        return
    query = select(*(table.c[c.name] for c in columns)).order_by(table.c._id).limit(SAMPLE_ROWS)
    try:
        with limited(session, seconds):
            sample = session.execute(query).all()
    except TimeLimit:
        for column in columns:
            column.patterns_skipped = "time_limit"
        return
    for i, column in enumerate(columns):
        values = [str(r[i]) for r in sample if r[i] not in (None, "")]
        column.sampled = len(values)
        if values:
            column.patterns = patterns_of(values)
        else:
            column.patterns_skipped = "empty"


def patterns_skipped(column: ColumnProfile) -> str | None:
    """Why the column has no patterns (labels_profile.PATTERN_SKIPPED_LABELS), or None."""
    return "not_text" if column.type != "string" else column.patterns_skipped


def as_json(value: Any) -> Any:
    """Dates and times in ISO form; other values as they are."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
