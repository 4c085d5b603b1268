"""Rules measured in the datastore find exactly the planted defects, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests import factories as f
from tests.quality.conftest import (
    BAD_PHONE,
    BUDGET_OUT,
    DUPLICATED,
    EMAIL_MISSING,
    END_BEFORE_START,
    ROWS,
    Register,
    load_register,
)

from ketnoi.datastore.models import DatastoreVersion
from ketnoi.identity import system_actor
from ketnoi.kit.errors import Conflict, Invalid
from ketnoi.quality import runner, service
from ketnoi.quality.models import Incident, IncidentSource, Outcome, QualityResult
from ketnoi.quality.schemas import RuleIn
from ketnoi.settings import get_settings

PHONE = r"(0|\+84)(3|5|7|8|9)[0-9]{8}"


def _rule(db: Session, register: Register, kind: str, severity: str = "major", target: float = 0.98, **params: Any) -> uuid.UUID:
    data = RuleIn(kind=kind, severity=severity, target=target, params=params)
    return service.create_rule(db, actor=system_actor(), dataset_id=register.dataset_id, data=data).id


def _results(db: Session, run_id: uuid.UUID) -> dict[uuid.UUID | None, QualityResult]:
    return {r.rule_id: r for r in db.scalars(select(QualityResult).where(QualityResult.run_id == run_id))}


def test_the_five_benchmark_rules_find_exactly_the_planted_defects(db: Session, register: Register) -> None:
    email = _rule(db, register, "not_null", severity="critical", target=0.99, column="email")  # 5 of 300 missing: 98.3 %
    unique = _rule(db, register, "unique", columns=["ma_de_tai"])
    phone = _rule(db, register, "pattern", column="so_dien_thoai", regex=PHONE)
    years = _rule(db, register, "expression", expression="nam_ket_thuc >= nam_bat_dau")
    budget = _rule(db, register, "range", column="kinh_phi", min=10, max=50000)
    run = runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id)
    found = _results(db, run.id)
    assert run.row_count == ROWS
    assert (found[email].evaluated, found[email].failed) == (ROWS, len(EMAIL_MISSING))
    assert found[email].sample_ids == sorted(EMAIL_MISSING)  # row ids, never the values
    assert (found[unique].failed, found[unique].details) == (3, {"duplicated_keys": 2, "rows_involved": 5})
    assert found[unique].sample_ids == sorted({*DUPLICATED, *DUPLICATED.values()})
    assert (found[phone].evaluated, found[phone].failed, found[phone].sample_ids) == (ROWS, len(BAD_PHONE), sorted(BAD_PHONE))
    assert (found[years].failed, found[years].sample_ids) == (len(END_BEFORE_START), sorted(END_BEFORE_START))
    assert (found[budget].failed, found[budget].sample_ids) == (len(BUDGET_OUT), sorted(BUDGET_OUT))
    assert found[email].outcome == Outcome.FAILED and {r.outcome for r in found.values() if r.rule_id != email} == {Outcome.PASSED}
    # A failed critical rule caps the score at 69 and opens one incident, not one per run.
    assert run.capped and run.score is not None and run.score <= 69
    assert set(run.covered) == {"completeness", "uniqueness", "validity", "consistency"}
    runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id)
    incidents = list(db.scalars(select(Incident).where(Incident.dataset_id == register.dataset_id)))
    assert [(i.source, i.rule_id) for i in incidents] == [(IncidentSource.RULE, email)]


def test_value_rules_count_only_the_rows_they_apply_to(db: Session, register: Register) -> None:
    allowed = _rule(db, register, "allowed", column="tinh_thanh", values="Hà Nội\nHải Phòng\nĐà Nẵng\nCần Thơ")
    length = _rule(db, register, "length", column="ma_de_tai", min=14, max=14)
    typed = _rule(db, register, "type", column="email", type="email")
    required = _rule(db, register, "required_if", column="email", when="kinh_phi > 200")
    fresh = _rule(db, register, "date_freshness", column="ngay_cap_nhat", max_age_days=36500)
    run = runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id)
    found = _results(db, run.id)
    assert found[allowed].failed == ROWS // 5  # every fifth row is in Ho Chi Minh City
    assert (found[length].failed, found[length].outcome) == (0, Outcome.PASSED)
    assert (found[typed].evaluated, found[typed].failed) == (ROWS - len(EMAIL_MISSING), 0)  # empty cells are not typed
    # kinh_phi = 100 + n (or 60000): rows 101..300 and the two out-of-range rows need an e-mail.
    applies = {n for n in range(1, ROWS + 1) if n > 100 or n in BUDGET_OUT}
    assert (found[required].evaluated, found[required].failed) == (len(applies), len(EMAIL_MISSING & applies))
    assert found[fresh].details["latest"] == "2024-12-15" and found[fresh].outcome == Outcome.PASSED


def test_a_foreign_key_to_a_code_list_finds_the_orphans(db: Session, tmp_path: Path, register: Register) -> None:
    codes = load_register(db, tmp_path, name="Danh mục mã đề tài", rows=250)  # codes of rows 1..250 only
    orphan = _rule(db, register, "foreign_key", column="ma_de_tai", ref_resource_id=str(codes.resource_id), ref_column="ma_de_tai")
    listed = _rule(db, register, "allowed", column="ma_de_tai", ref_resource_id=str(codes.resource_id), ref_column="ma_de_tai")
    run = runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id)
    found = _results(db, run.id)
    assert found[orphan].failed == found[listed].failed == 50
    assert found[orphan].sample_ids == list(range(251, 271))


def test_catalog_rules_read_the_dataset_record(db: Session, register: Register) -> None:
    meta = _rule(db, register, "metadata", fields=["owner", "focal_point", "description", "license", "review"])
    review = _rule(db, register, "review", checked=50, correct=49, source="Hồ sơ gốc lưu trữ tại Cục")
    fresh = _rule(db, register, "freshness")
    run = runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id)
    found = _results(db, run.id)
    assert found[meta].details["missing"] == ["focal_point", "description", "license", "review"]
    assert (found[review].evaluated, found[review].failed, found[review].outcome) == (50, 1, Outcome.PASSED)
    assert found[fresh].outcome == Outcome.SKIPPED  # no declared frequency: nothing to be late for
    service.confirm_metadata_review(db, actor=system_actor(), dataset_id=register.dataset_id)
    again = _results(db, runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id).id)
    assert "review" not in again[meta].details["missing"]


def test_a_query_over_its_time_limit_marks_its_rules_as_errors_and_the_run_goes_on(
    db: Session, engine: Engine, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = _rule(db, register, "not_null", column="email")
    meta = _rule(db, register, "metadata", fields=["owner"])
    db.commit()
    with ExitStack() as stack:
        if engine.dialect.name == "postgresql":
            # Another transaction holds the table: the query waits, and its time limit stops the wait.
            other = stack.enter_context(engine.connect())
            table = db.scalar(select(DatastoreVersion.table_name).where(DatastoreVersion.resource_id == register.resource_id))
            other.exec_driver_sql(f'LOCK TABLE datastore."{table}" IN ACCESS EXCLUSIVE MODE')
            monkeypatch.setattr(get_settings(), "quality_query_seconds", 0.05)
        else:  # the progress handler stops the query at its first call
            monkeypatch.setattr(get_settings(), "quality_query_seconds", 1e-9)
        run = runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id)
    found = _results(db, run.id)
    assert found[email].outcome == Outcome.ERROR and "Quá thời hạn" in (found[email].message or "")
    assert found[meta].outcome == Outcome.PASSED and run.score == 100.0 and run.covered == ["metadata"]
    db.commit()  # the transaction is still usable after the stopped query


def test_a_run_needs_rules_and_the_right_to_edit_the_dataset(db: Session, register: Register) -> None:
    with pytest.raises(Conflict):
        runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id)
    _rule(db, register, "not_null", column="email")
    leader = f.actor(db, "leader")
    with pytest.raises(Exception, match="quyền"):
        runner.run_dataset(db, actor=leader, dataset_id=register.dataset_id)


@pytest.mark.parametrize(
    ("kind", "params", "field", "message"),
    [
        ("pattern", {"column": "so_dien_thoai", "regex": "(0|84"}, "regex", "Biểu thức chính quy không hợp lệ"),
        ("pattern", {"column": "so_dien_thoai", "regex": r"\bx"}, "regex", r"Không dùng \b"),
        ("expression", {"expression": "nam_ket_thuc >= nam_khong_co"}, "expression", "Không có cột «nam_khong_co»"),
        ("expression", {"expression": "__import__('os').system('id')"}, "expression", "phép so sánh"),
        ("expression", {"expression": "nam_ket_thuc >= len(email)"}, "expression", "Không dùng được «len(email)»"),
        ("expression", {"expression": "nam_ket_thuc = nam_bat_dau"}, "expression", "=="),
        ("expression", {"expression": "nam_ket_thuc >= 'x'"}, "expression", "Không so sánh được số với chữ"),
        ("range", {"column": "kinh_phi", "min": 100, "max": 10}, "max", "không nhỏ hơn"),
        ("not_null", {"column": "khong_co"}, "column", "Không có cột «khong_co»"),
        ("unique", {"columns": []}, "columns", "Hãy chọn"),
        ("review", {"checked": 10, "correct": 11, "source": "x"}, "correct", "Số bản ghi đúng"),
        ("metadata", {"fields": ["owner", "xyz"]}, "fields", "Trường siêu dữ liệu không hợp lệ: xyz"),
    ],
)
def test_bad_rules_are_refused_naming_the_parameter_at_fault(
    db: Session, register: Register, kind: str, params: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(Invalid) as refused:
        _rule(db, register, kind, **params)
    assert message in refused.value.fields[field]


def test_a_reference_to_a_dataset_the_steward_cannot_read_is_refused(db: Session, tmp_path: Path, register: Register) -> None:
    steward = f.actor(db, "steward", db.get(f.Organization, register.unit_id))
    other = load_register(db, tmp_path, name="Dữ liệu của đơn vị khác", personal=("ma_de_tai",))  # another unit's
    refs = {"column": "ma_de_tai", "ref_resource_id": str(other.resource_id), "ref_column": "ma_de_tai"}
    with pytest.raises(Invalid) as hidden:
        service.create_rule(db, actor=steward, dataset_id=register.dataset_id, data=RuleIn(kind="foreign_key", params=refs))
    assert "không có cột «ma_de_tai» mà bạn được xem" in hidden.value.fields["ref_column"]
    unknown = refs | {"ref_resource_id": str(uuid.uuid4())}
    with pytest.raises(Invalid) as missing:
        service.create_rule(db, actor=steward, dataset_id=register.dataset_id, data=RuleIn(kind="foreign_key", params=unknown))
    assert "không được đọc" in missing.value.fields["ref_resource_id"]
