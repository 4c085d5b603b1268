"""The JSON API of quality: rules (and their YAML), runs with their results, unit scores."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests import factories as f
from tests.quality.conftest import BAD_PHONE, EMAIL_MISSING, ROWS, Register
from tests.web.conftest import client

from ketnoi.auth import service as auth
from ketnoi.identity import actor_for, system_actor
from ketnoi.org.models import Organization
from ketnoi.quality import runner, service
from ketnoi.quality.schemas import RuleIn
from ketnoi.quality.service import MAX_YAML_BYTES

__all__ = ["client"]

PHONE = r"(0|\+84)(3|5|7|8|9)[0-9]{8}"


def _bearer(db: Session, role: str, unit: Organization | None) -> dict[str, str]:
    _, secret = auth.create_token(db, actor=actor_for(db, f.user(db, role, unit)), name="thử")
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def steward(db: Session, register: Register) -> dict[str, str]:
    return _bearer(db, "steward", db.get(Organization, register.unit_id))


def test_rules_are_created_read_changed_and_deleted(client: TestClient, db: Session, register: Register, steward: dict[str, str]) -> None:
    base = f"/api/v1/datasets/{register.dataset_id}/quality/rules"
    created = client.post(base, headers=steward, json={"kind": "pattern", "severity": "critical", "target": "99%",
                                                       "params": {"column": "so_dien_thoai", "regex": PHONE}})  # fmt: skip
    assert created.status_code == 201, created.text
    rule = created.json()
    assert (rule["kind"], rule["dimension"], rule["severity"], rule["target"], rule["resource_id"]) == (
        "pattern", "validity", "critical", 0.99, str(register.resource_id),
    )  # fmt: skip
    assert rule["name"] == "Đúng mẫu (biểu thức chính quy): so_dien_thoai"
    assert [r["id"] for r in client.get(base, headers=steward).json()] == [rule["id"]]
    one = f"/api/v1/quality/rules/{rule['id']}"
    assert client.get(one, headers=steward).json()["params"] == {"column": "so_dien_thoai", "regex": PHONE}
    changed = client.put(one, headers=steward, json={"kind": "pattern", "name": "Điện thoại", "target": 0.9, "enabled": False,
                                                    "params": {"column": "so_dien_thoai", "regex": "0[0-9]{9}"}})  # fmt: skip
    assert changed.status_code == 200 and (changed.json()["name"], changed.json()["target"], changed.json()["enabled"]) == (
        "Điện thoại",
        0.9,
        False,
    )
    assert client.delete(one, headers=steward).status_code == 204
    assert client.get(one, headers=steward).status_code == 404
    assert client.get(base, headers=steward).json() == []


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"kind": "pattern", "params": {"column": "so_dien_thoai", "regex": "[0-9"}}, "regex", "Biểu thức chính quy không hợp lệ"),
        ({"kind": "expression", "params": {"expression": "khong_co >= 1"}}, "expression", "Không có cột «khong_co»"),
        ({"kind": "expression", "params": {"expression": "__import__('os').system('ls')"}}, "expression", "phép so sánh"),
        ({"kind": "not_null", "params": {"column": "email"}, "target": 150}, "target", "Ngưỡng đạt"),
        ({"kind": "khong_co_loai_nay"}, "kind", "Loại quy tắc không hợp lệ."),
        ({"kind": "foreign_key", "params": {"column": "tinh_thanh", "ref_resource_id": str(uuid.uuid4()), "ref_column": "ten"}},
         "ref_resource_id", "Bạn không được đọc bộ dữ liệu được tham chiếu"),
    ],
)  # fmt: skip
def test_a_refused_rule_gets_422_naming_its_field(
    client: TestClient, db: Session, register: Register, steward: dict[str, str], body: dict[str, Any], field: str, message: str
) -> None:
    refused = client.post(f"/api/v1/datasets/{register.dataset_id}/quality/rules", headers=steward, json=body)
    assert refused.status_code == 422
    assert message in refused.json()["error"]["fields"][field]
    assert service.list_rules(db, actor=system_actor(), dataset_id=register.dataset_id) == []


def test_a_run_now_answers_with_the_results_and_is_kept_in_the_history(
    client: TestClient, db: Session, register: Register, steward: dict[str, str]
) -> None:
    base = f"/api/v1/datasets/{register.dataset_id}/quality"
    assert client.post(f"{base}/runs", headers=steward).status_code == 409  # no rule yet
    for body in (
        {"kind": "not_null", "name": "Email", "severity": "critical", "target": 99, "params": {"column": "email"}},
        {"kind": "pattern", "name": "Điện thoại", "params": {"column": "so_dien_thoai", "regex": PHONE}},
    ):
        assert client.post(f"{base}/rules", headers=steward, json=body).status_code == 201
    ran = client.post(f"{base}/runs", headers=steward)
    assert ran.status_code == 201, ran.text
    run = ran.json()
    results = {r["rule_name"]: r for r in run["results"]}
    assert (results["Email"]["evaluated"], results["Email"]["failed"], results["Email"]["outcome"]) == (ROWS, len(EMAIL_MISSING), "failed")
    assert results["Email"]["sample_ids"] == sorted(EMAIL_MISSING)
    assert (results["Điện thoại"]["failed"], results["Điện thoại"]["outcome"]) == (len(BAD_PHONE), "passed")
    assert results["Điện thoại"]["conformance"] == pytest.approx((ROWS - len(BAD_PHONE)) / ROWS)
    assert (run["score"], run["capped"], run["band"], run["coverage"], run["trigger"]) == (69.0, True, "D", "2/7", "manual")
    summary = client.get(base, headers=steward).json()
    assert (summary["score"], summary["band"], summary["coverage"], summary["rules"]) == (69.0, "D", "2/7", 2)
    assert summary["open_incidents"] == 1  # the failed critical rule opened one
    assert summary["latest"]["id"] == run["id"] and len(summary["latest"]["results"]) == 2
    history = client.get(f"{base}/runs", headers=steward).json()
    assert [h["id"] for h in history] == [run["id"]] and "results" not in history[0]
    assert client.get(f"/api/v1/quality/runs/{run['id']}", headers=steward).json()["results"] == run["results"]


def test_staff_read_quality_but_only_the_datasets_unit_changes_it(client: TestClient, db: Session, register: Register) -> None:
    service.create_rule(db, actor=system_actor(), dataset_id=register.dataset_id, data=RuleIn(kind="not_null", params={"column": "email"}))
    leader = _bearer(db, "leader", None)
    other = _bearer(db, "steward", f.unit(db, "Vụ Pháp chế"))
    base = f"/api/v1/datasets/{register.dataset_id}/quality"
    for headers in (leader, other):
        assert client.get(f"{base}/rules", headers=headers).status_code == 200
        assert client.post(f"{base}/runs", headers=headers).status_code == 403
        assert client.post(f"{base}/rules", headers=headers, json={"kind": "not_null", "params": {"column": "email"}}).status_code == 403
    assert client.get(base).status_code == 401
    assert client.get("/api/v1/quality/units").status_code == 401


def test_rules_go_out_and_come_back_as_yaml(client: TestClient, db: Session, register: Register, steward: dict[str, str]) -> None:
    actor = system_actor()
    service.create_rule(
        db, actor=actor, dataset_id=register.dataset_id, data=RuleIn(kind="not_null", name="Email", params={"column": "email"})
    )
    service.create_rule(
        db,
        actor=actor,
        dataset_id=register.dataset_id,
        data=RuleIn(kind="expression", name="Năm", params={"expression": "nam_ket_thuc >= nam_bat_dau"}),
    )
    db.commit()
    url = f"/api/v1/datasets/{register.dataset_id}/quality/rules.yaml"
    text = client.get(url, headers=steward)
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/yaml")
    assert "expression: nam_ket_thuc >= nam_bat_dau" in text.text
    edited = text.text.replace("severity: major", "severity: critical", 1)  # the first rule's
    replaced = client.put(url, headers={**steward, "Content-Type": "text/yaml"}, content=edited.encode())
    assert replaced.status_code == 200, replaced.text
    assert [(r["name"], r["severity"], r["origin"]) for r in replaced.json()] == [("Email", "critical", "yaml"), ("Năm", "major", "yaml")]
    bad = edited.replace("nam_ket_thuc >= nam_bat_dau", "open('/etc/passwd')")
    refused = client.put(url, headers={**steward, "Content-Type": "text/yaml"}, content=bad.encode())
    assert refused.status_code == 422 and "Quy tắc 2 («Năm»)" in refused.json()["error"]["fields"]["file"]
    too_big = client.put(url, headers={**steward, "Content-Type": "text/yaml"}, content=b"#" * (MAX_YAML_BYTES + 1))
    assert too_big.status_code == 422 and too_big.json()["error"]["fields"]["file"] == "Tệp quá lớn."
    kept = client.get(f"/api/v1/datasets/{register.dataset_id}/quality/rules", headers=steward).json()
    assert [(r["name"], r["severity"]) for r in kept] == [("Email", "critical"), ("Năm", "major")]
    assert client.put(url, headers={**steward, "Content-Type": "text/csv"}, content=b"a,b").status_code == 415


def _review_rule(db: Session, dataset_id: uuid.UUID, checked: int, correct: int) -> None:
    """A recorded sample review: a rule measured from the catalog alone (accuracy), so any dataset can get a known score."""
    data = RuleIn(kind="review", target=0.98, params={"checked": checked, "correct": correct, "source": "Hồ sơ gốc"})
    service.create_rule(db, actor=system_actor(), dataset_id=dataset_id, data=data)
    runner.run_dataset(db, actor=system_actor(), dataset_id=dataset_id)


def test_a_units_score_weighs_its_datasets_by_class(client: TestClient, db: Session) -> None:
    unit = f.unit(db, "Cục Sở hữu trí tuệ")
    national = f.dataset(db, f.database(db, unit, "CSDL quốc gia về sở hữu công nghiệp", db_class="national"), "Văn bằng bảo hộ")
    internal = f.dataset(db, f.database(db, unit, "CSDL nội bộ", db_class="internal"), "Công văn đến")
    f.dataset(db, f.database(db, unit, "CSDL lưu trữ", db_class="internal"), "Hồ sơ lưu trữ")  # never measured
    other = f.unit(db, "Cục Năng lượng nguyên tử")
    core = f.dataset(db, f.database(db, other, "CSDL nội bộ khác", db_class="internal"), "Giấy phép bức xạ", data_class="core")
    _review_rule(db, national.dataset.id, 100, 49)  # c = 0.49, τ = 0.98: s = 0.5, Q = 50; weight 3 (national database)
    _review_rule(db, internal.dataset.id, 10, 10)  # Q = 100; weight 1 (internal database, other data)
    _review_rule(db, core.dataset.id, 100, 98)  # Q = 100
    headers = _bearer(db, "leader", None)
    seen = client.get("/api/v1/quality/units", headers=headers).json()
    assert [(b["name"], b["floor"]) for b in seen["bands"]] == [("A", 95.0), ("B", 85.0), ("C", 70.0), ("D", 0.0)]
    units = {u["unit_name"]: u for u in seen["units"]}
    ip = units["Cục Sở hữu trí tuệ"]
    assert ip["score"] == 62.5  # (3 × 50 + 1 × 100) / 4, not the plain mean 75
    assert (ip["datasets"], ip["unmeasured"], ip["median"]) == (2, 1, 75.0)
    assert ip["bands"] == {"A": 1, "B": 0, "C": 0, "D": 1}
    assert ip["coverage"] == round(2 / (2 * 7), 3)
    assert units["Cục Năng lượng nguyên tử"]["score"] == 100.0
    assert seen["ministry"]["score"] == round((3 * 50 + 100 + 3 * 100) / 7, 1)  # a core dataset weighs 3 even in an internal database
    only = client.get(f"/api/v1/quality/units?unit_id={other.id}", headers=headers).json()
    assert [u["unit_name"] for u in only["units"]] == ["Cục Năng lượng nguyên tử"]
