"""Quality rules suggested from a table's profile, and the steward's choice of them turned into rules.

Each suggestion is a rule ready to create (a RuleIn whose parameters quality.rules.normalize
already accepted), a Vietnamese reason drawn from the figures, and a stable key: the same data
gives the same key, so a steward's ticked keys are found again when the page is sent back (and a
key whose rule the data no longer gives is refused). Rules equivalent to one the dataset has (same
kind on the same column or columns) are not suggested. The heuristics are described in
docs/quality-profiling.md.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import logging
import math
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.catalog.codelists import FREQUENCIES
from ketnoi.catalog.models import Dataset
from ketnoi.kit.errors import Invalid
from ketnoi.portal.freshness import ALLOWED
from ketnoi.quality import rules as kinds
from ketnoi.quality.labels import METADATA_FIELDS
from ketnoi.quality.labels_profile import REASONS
from ketnoi.quality.models import QualityRule
from ketnoi.quality.profile import (
    VIETNAMESE_LOWER,
    VIETNAMESE_UPPER,
    ColumnProfile,
    Pattern,
    TableProfile,
    profile_table,
)
from ketnoi.quality.schemas import RuleIn
from ketnoi.quality.service import MAX_RULES, create_rule, editable_dataset, readable_dataset

log = logging.getLogger("ketnoi.quality")

DOMINANT = 0.99  # a shape this common in the sample becomes a pattern rule
KEY_DUPLICATES = 100  # a key-like column with at most one value in this many repeated is a key with defects
SHORT_CODE = 20  # characters: a text column this short, every value distinct, one shape, no space: a code
ALLOWED_MAX = 20
KEY_NAMES = ("id", "ma", "so", "code", "uuid")
KEY_PREFIXES = ("ma_", "so_", "id_")
KEY_SUFFIXES = ("_id", "_ma", "_code")
NOT_KEYS = ("dien_thoai", "di_dong", "fax", "email", "phone", "so_luong", "so_tien", "so_lan", "so_nguoi")
UPDATE_WORDS = ("cap_nhat", "sua_doi", "thay_doi", "update", "modified", "changed")
# (start, end) words of a pair of columns: nam_bat_dau / nam_ket_thuc, tu_ngay / den_ngay, start_date / end_date.
PAIRS = (("bat_dau", "ket_thuc"), ("tu_ngay", "den_ngay"), ("tu_nam", "den_nam"), ("start", "end"), ("begin", "end"))
COMPARABLE = (("integer", "number"), ("date", "datetime"))
_ESCAPED = set(".^$*+?()[]{}|\\")
Why = tuple[str, dict[str, str]]  # a key of labels_profile.REASONS and its figures, written out


@dataclass(frozen=True)
class Suggestion:
    key: str  # stable: kind, target, table and a digest of the parameters
    rule: RuleIn  # ready for service.create_rule
    why: Why  # the reason's sentence (labels_profile.REASONS) and the figures that fill it
    column: str | None  # the column it reads (None: several, or the catalog)
    detail: str  # what it checks, when the kind's label and the column do not say it: bounds, a regex, the values
    same: tuple[str, str, str]  # (kind, table, target): a rule with these is equivalent

    @property
    def reason(self) -> str:
        """Why, in the data's figures: "0 ô trống trên 300 dòng"."""
        return REASONS[self.why[0]] % self.why[1]

    @property
    def kind(self) -> str:
        return self.rule.kind

    @property
    def label(self) -> str:
        return kinds.KINDS[self.rule.kind].label


def suggest(session: Session, *, actor: Actor, dataset_id: uuid.UUID, profile: TableProfile) -> list[Suggestion]:
    """The rules the profile suggests for the dataset, less those equivalent to a rule it has."""
    dataset = readable_dataset(session, actor=actor, dataset_id=dataset_id)
    if profile.dataset_id != dataset.id:
        raise Invalid("Hồ sơ không phải của bảng thuộc bộ dữ liệu này.", fields={"resource_id": "Bảng dữ liệu không hợp lệ."})
    taken = _existing(session, dataset)
    found = [*candidates(profile), *catalog_candidates(dataset)]
    return [s for s in found if s.same not in taken]


def accept(session: Session, *, actor: Actor, dataset_id: uuid.UUID, keys: Sequence[str]) -> list[QualityRule]:
    """Create the suggested rules the steward ticked (origin "suggested"); keys of rules the dataset has are passed over."""
    readable_dataset(session, actor=actor, dataset_id=dataset_id)  # signed out: asked to sign in
    dataset = editable_dataset(session, actor=actor, dataset_id=dataset_id)
    wanted = list(dict.fromkeys(k.strip() for k in keys if isinstance(k, str) and k.strip()))
    if not wanted:
        raise Invalid("Hãy chọn ít nhất một quy tắc được gợi ý.", fields={"keys": "Chưa chọn quy tắc nào."})
    if len(wanted) > MAX_RULES:
        raise Invalid("Tối đa {limit} quy tắc cho một bộ dữ liệu.", fields={"keys": "Quá nhiều quy tắc."}, values={"limit": MAX_RULES})
    found = {s.key: s for s in catalog_candidates(dataset)}
    for resource_id in _tables_of_keys(wanted):
        profile = profile_table(session, actor=actor, dataset_id=dataset.id, resource_id=resource_id)
        found |= {s.key: s for s in candidates(profile)}
    missing = next((key for key in wanted if key not in found), None)
    if missing is not None:  # checked before any rule is made: all the chosen rules or none
        message = "Gợi ý «{key}» không còn phù hợp với dữ liệu hiện tại: hãy mở lại trang hồ sơ dữ liệu."
        raise Invalid(message, values={"key": missing}).on_field("keys")
    taken = _existing(session, dataset)
    created = []
    for chosen in (found[key] for key in wanted):
        if chosen.same in taken:
            continue
        created.append(create_rule(session, actor=actor, dataset_id=dataset.id, data=chosen.rule, origin="suggested"))
        taken.add(chosen.same)
    return created


def _tables_of_keys(keys: list[str]) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    for key in keys:
        if "@" not in key:
            continue
        try:
            resource_id = uuid.UUID(key.split("@", 1)[1].split("#", 1)[0])
        except ValueError:
            raise Invalid("Gợi ý «{key}» không hợp lệ.", values={"key": key}).on_field("keys") from None
        if resource_id not in out:
            out.append(resource_id)
    return out


def _existing(session: Session, dataset: Dataset) -> set[tuple[str, str, str]]:
    rules = session.scalars(select(QualityRule).where(QualityRule.dataset_id == dataset.id))
    return {_same(r.kind, r.resource_id, r.params) for r in rules}


def _same(kind: str, resource_id: uuid.UUID | None, params: dict[str, Any]) -> tuple[str, str, str]:
    """(kind, table, target): two rules alike in these check the same thing (bounds and values aside)."""
    if kind == "unique":
        target = ",".join(sorted(params.get("columns") or []))
    elif kind == "expression":
        target = ",".join(_expression_columns(str(params.get("expression") or "")))
    else:
        target = str(params.get("column") or "")
    return kind, str(resource_id) if resource_id else "", target


def _expression_columns(text: str) -> list[str]:
    """The columns an expression reads (its names, parsed without a table)."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return []
    return sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)})


# ---- the heuristics ------------------------------------------------------------------------------


def candidates(profile: TableProfile) -> list[Suggestion]:
    """Every rule the profile suggests for its table, each checked by quality.rules.normalize."""
    columns = {c.name: c.type for c in profile.columns}
    out: list[Suggestion] = []
    for column in profile.columns:
        for kind, params, why, detail in _column_rules(column, profile.update_frequency):
            made = _made(profile, columns, kind, params, why, detail, column.name)
            if made is not None:
                out.append(made)
    for start, end in pairs(profile.columns):
        text = f"{end.name} >= {start.name}"
        why = ("expression", {"end": end.title, "start": start.title})
        made = _made(profile, columns, "expression", {"expression": text}, why, text, None)
        if made is not None:
            out.append(made)
    return out


def catalog_candidates(dataset: Dataset) -> list[Suggestion]:
    """The rules read from the catalog: freshness (when a frequency is declared) and complete metadata."""
    out = []
    frequency = dataset.update_frequency
    if frequency in ALLOWED:
        out.append(_catalog("freshness", {}, ("freshness", {"frequency": FREQUENCIES.get(frequency, frequency)})))
    out.append(_catalog("metadata", {"fields": list(METADATA_FIELDS)}, ("metadata", {})))
    return out


def _catalog(kind: str, params: dict[str, Any], why: Why) -> Suggestion:
    normalized = kinds.normalize(kind, params, {})
    return Suggestion(f"{kind}#{_digest(normalized)}", RuleIn(kind=kind, params=normalized), why, None, "", (kind, "", ""))


def _made(
    profile: TableProfile, columns: dict[str, str], kind: str, params: dict[str, Any], why: Why, detail: str, column: str | None
) -> Suggestion | None:
    try:
        normalized = kinds.normalize(kind, params, columns)
    except Invalid as error:  # a heuristic's mistake: the page goes on without it
        log.warning("suggested %s rule refused: %s %s", kind, error.message, error.fields)
        return None
    same = _same(kind, profile.resource_id, normalized)
    key = f"{kind}:{same[2]}@{profile.resource_id}#{_digest(normalized)}"
    return Suggestion(key, RuleIn(kind=kind, resource_id=profile.resource_id, params=normalized), why, column, detail, same)


def _digest(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:8]


Rule = tuple[str, dict[str, Any], Why, str]  # kind, params, why, detail


def _column_rules(column: ColumnProfile, frequency: str | None) -> Iterator[Rule]:
    if column.non_null == 0:
        return
    name = column.name
    if column.nulls == 0:
        yield "not_null", {"column": name}, ("not_null", {"rows": number(column.rows)}), ""
    yield from _unique(column)
    allowed = _allowed(column)
    yield from allowed
    if column.type in ("integer", "number") and column.minimum is not None and column.maximum is not None:
        low, high = nice_bounds(column.minimum, column.maximum, integer=column.type == "integer")
        why = ("range", {"min": number(column.minimum), "max": number(column.maximum), "rows": number(column.non_null)})
        yield "range", {"column": name, "min": low, "max": high}, why, f"{number(low)} – {number(high)}"
    pattern = [] if allowed else list(_pattern(column))
    yield from pattern
    if column.type == "string" and not pattern and column.min_length is not None and column.min_length == column.max_length:
        n = column.min_length
        yield "length", {"column": name, "min": n, "max": n}, ("length", {"length": number(n)}), ""
    if column.type in ("date", "datetime") and frequency in ALLOWED and any(w in name for w in UPDATE_WORDS):
        days = ALLOWED[frequency].days
        why = ("date_freshness", {"frequency": FREQUENCIES.get(frequency, frequency), "days": number(days)})
        yield "date_freshness", {"column": name, "max_age_days": days}, why, ""


def key_like(name: str) -> bool:
    if any(word in name for word in NOT_KEYS):
        return False
    return name in KEY_NAMES or name.startswith(KEY_PREFIXES) or name.endswith(KEY_SUFFIXES)


def _unique(column: ColumnProfile) -> Iterator[Rule]:
    if column.type not in ("string", "integer") or column.non_null < 2:
        return
    repeated = column.non_null - column.distinct
    named = key_like(column.name) and repeated * KEY_DUPLICATES <= column.non_null
    code = repeated == 0 and column.type == "string" and _short_code(column)
    if not (named or code):
        return
    figures = {"distinct": number(column.distinct), "rows": number(column.non_null), "repeated": number(repeated)}
    yield "unique", {"columns": [column.name]}, ("unique_repeated" if repeated else "unique", figures), ""


def _short_code(column: ColumnProfile) -> bool:
    top = column.patterns[0] if column.patterns else None
    return bool(
        column.max_length is not None
        and column.max_length <= SHORT_CODE
        and top is not None
        and top.share >= DOMINANT
        and " " not in top.shape
        and "9" in top.shape
    )


def _allowed(column: ColumnProfile) -> list[Rule]:
    values = column.values
    if column.type != "string" or column.personal or values is None or not 1 < len(values) <= ALLOWED_MAX:
        return []
    if column.non_null < 2 * len(values):  # values that do not repeat are not a list of codes
        return []
    why = ("allowed", {"distinct": number(len(values)), "rows": number(column.non_null)})
    detail = ", ".join(str(v) for v in values)
    return [("allowed", {"column": column.name, "values": values}, why, detail if len(detail) <= 300 else detail[:299] + "…")]


def _pattern(column: ColumnProfile) -> Iterator[Rule]:
    if column.type != "string" or not column.patterns or column.sampled < 2:
        return
    top = column.patterns[0]
    regex = regex_of(top)
    if top.share < DOMINANT or regex is None:
        return
    why = ("pattern", {"share": percent(top.share), "sampled": number(column.sampled), "shape": top.shape})
    yield "pattern", {"column": column.name, "regex": regex}, why, regex


def regex_of(pattern: Pattern) -> str | None:
    """The shape as a regular expression both databases read alike: "AA-9999" → "[A-Z]{2}-[0-9]{4}"."""
    if pattern.cut or pattern.letters == "other":
        return None
    vietnamese = pattern.letters == "vietnamese"
    classes = {
        "9": "[0-9]",
        "A": "[A-Z" + (VIETNAMESE_UPPER if vietnamese else "") + "]",
        "a": "[a-z" + (VIETNAMESE_LOWER if vietnamese else "") + "]",
    }
    parts = []
    for ch, run in itertools.groupby(pattern.shape):
        n = len(list(run))
        atom = classes.get(ch) or ("\\" + ch if ch in _ESCAPED else ch)
        parts.append(atom if n == 1 else f"{atom}{{{n}}}")
    regex = "".join(parts)
    return regex if len(regex) <= kinds.MAX_REGEX else None


def pairs(columns: Sequence[ColumnProfile]) -> list[tuple[ColumnProfile, ColumnProfile]]:
    """(start, end) columns of the same kind: the end's name is the start's with its start word turned into the end word."""
    by_name = {c.name: c for c in columns}
    out = []
    for column in columns:
        padded = f"_{column.name}_"
        for start, end in PAIRS:
            if f"_{start}_" not in padded:
                continue
            other = by_name.get(padded.replace(f"_{start}_", f"_{end}_", 1).strip("_"))
            if other is not None and comparable(column.type, other.type) and (column, other) not in out:
                out.append((column, other))
    return out


def comparable(a: str, b: str) -> bool:
    return any(a in group and b in group for group in COMPARABLE)


def nice_bounds(low: float, high: float, *, integer: bool) -> tuple[Any, Any]:
    """The bounds rounded outward to the power of ten of the spread: (101, 60000) → (0, 60000), (2018, 2022) → (2018, 2022)."""
    spread = float(high) - float(low)
    if spread <= 0:
        spread = abs(float(high)) or 1.0
    exponent = math.floor(math.log10(spread))
    if integer:
        exponent = max(exponent, 0)
    step = 10.0**exponent
    lo, hi = math.floor(float(low) / step) * step, math.ceil(float(high) / step) * step
    if integer or exponent >= 0:
        return int(lo), int(hi)
    return round(lo, -exponent), round(hi, -exponent)


def number(value: Any) -> str:
    """A number as Vietnamese write it: 60.000 and 1.234,5 (four-digit numbers, such as years, ungrouped)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = f"{value:,}" if abs(value) >= 10_000 else f"{value}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def percent(share: float) -> str:
    """98,7% (one decimal, a comma; 100% and 0% without)."""
    text = f"{share * 100:.1f}".replace(".", ",")
    return text.removesuffix(",0") + "%"
