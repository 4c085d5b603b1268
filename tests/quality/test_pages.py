"""The quality pages of a dataset: rules added through the forms, "run now", YAML down and up, the run and the overview."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories as f
from tests.quality.conftest import BAD_PHONE, BUDGET_OUT, DUPLICATED, EMAIL_MISSING, END_BEFORE_START, ROWS, Register
from tests.web.conftest import client, login, post

from ketnoi.audit.models import AuditEvent
from ketnoi.catalog import items
from ketnoi.datastore import ingest as datastore
from ketnoi.identity import system_actor
from ketnoi.org.models import Organization
from ketnoi.quality import runner, service
from ketnoi.quality.models import DatasetQuality, QualityRule
from ketnoi.quality.schemas import RuleIn

__all__ = ["client"]

PHONE = r"(0|\+84)(3|5|7|8|9)[0-9]{8}"


def _steward(db: Session, register: Register, username: str = "canbo") -> None:
    f.user(db, "steward", db.get(Organization, register.unit_id), username=username)
    db.commit()


def _rules(db: Session, register: Register) -> list[QualityRule]:
    db.expire_all()
    return list(db.scalars(select(QualityRule).where(QualityRule.dataset_id == register.dataset_id).order_by(QualityRule.created_at)))


def _add(client: TestClient, register: Register, kind: str, **values: Any) -> httpx.Response:
    return post(client, f"/datasets/{register.dataset_id}/quality/rules", {"kind": kind, "severity": "major", "target": "98", **values})


def _result_rows(page: httpx.Response) -> dict[str, list[str]]:
    """The latest results table: rule name → the text of its cells."""
    tree = html.fromstring(page.text)
    rows = tree.xpath("//table[contains(@class, 'dq-results')]/tbody/tr")
    out = {}
    for row in rows:
        cells = row.xpath("./td")
        name = (cells[0].text or "").strip()
        out[name] = [" ".join(c.text_content().split()) for c in cells]
    return out


def _assert_accessible_forms(page: httpx.Response) -> None:
    """Fourteen forms share the page: every id is unique and every input has its label."""
    tree = html.fromstring(page.text)
    ids = [e.get("id") for e in tree.xpath("//*[@id]")]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    labelled = set(tree.xpath("//label/@for"))
    fields = tree.xpath("//input[not(@type='hidden')] | //select | //textarea")
    assert [f.get("name") for f in fields if f.get("id") not in labelled] == []


def _field_error(page: httpx.Response, field_id: str) -> str:
    found = html.fromstring(page.text).xpath(f"//p[@id='{field_id}-error']")
    return " ".join(found[0].text_content().split()) if found else ""


def test_the_quality_pages_are_for_signed_in_staff(client: TestClient, db: Session, register: Register) -> None:
    service.create_rule(db, actor=system_actor(), dataset_id=register.dataset_id, data=RuleIn(kind="not_null", params={"column": "email"}))
    run = runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id)
    db.commit()
    for url in (
        f"/datasets/{register.dataset_id}/quality",
        f"/quality/runs/{run.id}",
        "/quality",
        f"/datasets/{register.dataset_id}/quality/rules.yaml",
    ):
        refused = client.get(url, follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login"), url
    f.user(db, "leader", None, username="lanhdao")
    db.commit()
    login(client, "lanhdao", f.PASSWORD)
    page = client.get(f"/datasets/{register.dataset_id}/quality")
    assert page.status_code == 200 and "Q 100 · bao phủ 1/7" in page.text
    assert "Thêm quy tắc" not in page.text and "Chạy kiểm tra ngay" not in page.text  # a leader reads, changes nothing
    assert post(client, f"/datasets/{register.dataset_id}/quality/run").status_code == 403
    assert post(client, f"/datasets/{register.dataset_id}/quality/rules", {"kind": "not_null", "column": "email"}).status_code == 403
    assert len(_rules(db, register)) == 1


def test_a_steward_adds_the_five_benchmark_rules_through_the_forms_and_sees_the_planted_counts(
    client: TestClient, db: Session, register: Register
) -> None:
    _steward(db, register)
    login(client, "canbo", f.PASSWORD)
    page = client.get(f"/datasets/{register.dataset_id}/quality")
    assert page.status_code == 200 and "Bộ dữ liệu chưa được kiểm tra lần nào." in page.text
    for kind in ("not_null", "unique", "pattern", "expression", "range", "metadata", "review"):
        assert f'id="add-{kind}"' in page.text  # one form per kind
    _assert_accessible_forms(page)
    added = [
        _add(client, register, "not_null", name="Email chủ nhiệm", column="email", severity="critical", target="99"),
        _add(client, register, "unique", name="Mã đề tài", columns="ma_de_tai"),
        _add(client, register, "pattern", name="Số điện thoại", column="so_dien_thoai", regex=PHONE),
        _add(client, register, "expression", name="Năm kết thúc", expression="nam_ket_thuc >= nam_bat_dau"),
        _add(client, register, "range", name="Kinh phí", column="kinh_phi", min="10", max="50 000"),
    ]
    assert [a.status_code for a in added] == [303] * 5, [a.text[:300] for a in added if a.status_code != 303]
    assert added[0].headers["location"] == f"/datasets/{register.dataset_id}/quality?done=created#rules"
    rules = _rules(db, register)
    assert [(r.kind, r.severity, r.target) for r in rules][:2] == [("not_null", "critical", 0.99), ("unique", "major", 0.98)]
    assert rules[4].params == {"column": "kinh_phi", "min": 10, "max": 50000}
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.entity_id == rules[0].id)) == "create"

    ran = post(client, f"/datasets/{register.dataset_id}/quality/run")
    assert ran.status_code == 303 and "?ran=" in ran.headers["location"]
    page = client.get(ran.headers["location"])
    notice = html.fromstring(page.text).xpath("//div[@id='ran-notice']")[0].text_content()
    assert "Q 69 · bao phủ 4/7" in " ".join(notice.split()) and "Xếp loại D" in notice  # a failed critical rule caps Q at 69
    found = _result_rows(page)
    # rule name → [name, kind, dimension, severity, evaluated, failed, conformance, target, outcome, ids]
    assert found["Email chủ nhiệm"][4:6] == [str(ROWS), str(len(EMAIL_MISSING))]
    assert found["Email chủ nhiệm"][8] == "Không đạt" and found["Email chủ nhiệm"][7] == "99 %"
    assert found["Email chủ nhiệm"][9] == ", ".join(str(i) for i in sorted(EMAIL_MISSING))
    assert found["Mã đề tài"][5] == "3" and "Số khóa bị trùng: 2" in found["Mã đề tài"][0]
    assert found["Mã đề tài"][9] == ", ".join(str(i) for i in sorted({*DUPLICATED, *DUPLICATED.values()}))
    assert found["Số điện thoại"][5:] == [str(len(BAD_PHONE)), "98,7 %", "98 %", "Đạt", ", ".join(map(str, sorted(BAD_PHONE)))]
    assert found["Năm kết thúc"][5] == str(len(END_BEFORE_START)) and found["Kinh phí"][5] == str(len(BUDGET_OUT))
    # Failing rows are named by their id, linked to the data API; their values never appear.
    resource = register.resource_id
    assert f'href="/api/v1/resources/{resource}/rows?_id=7"' in page.text
    assert "chu.nhiem" not in page.text and "12345" not in page.text and "DT-2021-000010" not in page.text
    assert "Tính đầy đủ" in page.text and '<meter min="0" max="100"' in page.text
    _assert_accessible_forms(page)


def test_a_run_has_its_own_page_with_every_result_in_words(client: TestClient, db: Session, register: Register) -> None:
    _steward(db, register)
    actor = system_actor()
    for data in (
        RuleIn(kind="unique", name="Mã đề tài", params={"columns": ["ma_de_tai"]}),
        RuleIn(kind="metadata", name="Siêu dữ liệu", params={"fields": ["description", "license", "review"]}),
        RuleIn(kind="date_freshness", name="Ngày cập nhật", params={"column": "ngay_cap_nhat", "max_age_days": 30}),
    ):
        service.create_rule(db, actor=actor, dataset_id=register.dataset_id, data=data)
    run = runner.run_dataset(db, actor=actor, dataset_id=register.dataset_id)
    db.commit()
    login(client, "canbo", f.PASSWORD)
    page = client.get(f"/quality/runs/{run.id}")
    text = " ".join(html.fromstring(page.text).text_content().split())
    assert page.status_code == 200
    assert "Số khóa bị trùng: 2" in text and "Số dòng mang khóa trùng: 5" in text
    assert "Siêu dữ liệu còn thiếu: Mô tả; Giấy phép; Ngày rà soát siêu dữ liệu (trong 12 tháng)" in text
    assert "Ngày mới nhất trong cột: 15/12/2024" in text
    history = client.get(f"/datasets/{register.dataset_id}/quality")
    assert f'href="/quality/runs/{run.id}"' in history.text and "Chạy thủ công" in history.text


@pytest.mark.parametrize(
    ("kind", "values", "field", "message"),
    [
        ("pattern", {"column": "so_dien_thoai", "regex": "([0-9"}, "regex", "Biểu thức chính quy không hợp lệ"),
        ("expression", {"expression": "so_nam > 3"}, "expression", "Không có cột «so_nam» trong bảng dữ liệu."),
        ("expression", {"expression": "__import__('os')"}, "expression", "Biểu thức phải là một phép so sánh"),
        ("not_null", {"column": "email", "target": "chín mươi"}, "target", "Ngưỡng đạt là một số lớn hơn 0"),
        ("range", {"column": "ten_de_tai", "min": "1"}, "column", "Khoảng giá trị chỉ áp dụng cho cột số hoặc ngày"),
    ],
)
def test_a_refused_rule_is_shown_again_with_the_message_at_its_field_and_nothing_saved(
    client: TestClient, db: Session, register: Register, kind: str, values: dict[str, str], field: str, message: str
) -> None:
    _steward(db, register)
    login(client, "canbo", f.PASSWORD)
    refused = _add(client, register, kind, **values)
    assert refused.status_code == 422
    assert message in _field_error(refused, f"r-{kind}-{field}")
    tree = html.fromstring(refused.text)
    assert [d.get("id") for d in tree.xpath("//details[@open]")] == [f"add-{kind}"]  # this form comes back open, alone
    typed = next(iter(v for k, v in values.items() if k == field))
    if field != "column":
        assert tree.xpath(f"//*[@id='r-{kind}-{field}']/@value") == [typed]  # as typed
    assert _rules(db, register) == []


def test_with_two_tables_the_form_asks_which_one_and_checks_the_column_against_it(
    client: TestClient, db: Session, register: Register, tmp_path: Path
) -> None:
    _steward(db, register)
    content = "ma_tinh,ten_tinh\n01,Hà Nội\n31,Hải Phòng\n"
    second = items.add_resource(
        db, actor=system_actor(), dataset_id=register.dataset_id, name="Danh mục tỉnh", description=None, filename="tinh.csv",
        stream=io.BytesIO(content.encode()), max_bytes=1 << 20,
    )  # fmt: skip
    (tmp_path / "tinh.csv").write_text(content, encoding="utf-8")
    datastore.ingest(db, actor=system_actor(), resource_id=second.id, path=tmp_path / "tinh.csv")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    page = html.fromstring(client.get(f"/datasets/{register.dataset_id}/quality").text)
    assert page.xpath("//select[@id='r-not_null-column']/optgroup/@label") == ["Danh mục đề tài", "Danh mục tỉnh"]
    unchosen = _add(client, register, "not_null", column="email")
    assert unchosen.status_code == 422 and _field_error(unchosen, "r-not_null-resource_id") == "Lỗi: Hãy chọn bảng dữ liệu."
    elsewhere = _add(client, register, "not_null", resource_id=str(second.id), column="email")
    assert _field_error(elsewhere, "r-not_null-column") == "Lỗi: Không có cột «email» trong bảng dữ liệu."
    assert _add(client, register, "not_null", resource_id=str(second.id), column="ten_tinh").status_code == 303
    assert [(r.resource_id, r.params) for r in _rules(db, register)] == [(second.id, {"column": "ten_tinh"})]
    # A foreign key to the other table, given by its page's address pasted whole.
    link = {"ref_resource_id": f"http://127.0.0.1:8000/resources/{second.id}", "ref_column": "ten_tinh"}
    added = _add(client, register, "foreign_key", name="Tỉnh", resource_id=str(register.resource_id), column="tinh_thanh", **link)
    assert added.status_code == 303, _field_error(added, "r-foreign_key-ref_resource_id")
    assert _rules(db, register)[1].params == {"column": "tinh_thanh", "ref_resource_id": str(second.id), "ref_column": "ten_tinh"}
    page_after = client.get(post(client, f"/datasets/{register.dataset_id}/quality/run").headers["location"])
    assert _result_rows(page_after)["Tỉnh"][4:6] == [str(ROWS), str(ROWS * 3 // 5)]  # Đà Nẵng, Cần Thơ, TP. Hồ Chí Minh are not listed


def test_rules_are_switched_off_edited_and_deleted_through_their_forms(client: TestClient, db: Session, register: Register) -> None:
    _steward(db, register)
    rule = service.create_rule(
        db,
        actor=system_actor(),
        dataset_id=register.dataset_id,
        data=RuleIn(kind="pattern", params={"column": "so_dien_thoai", "regex": PHONE}),
    )
    db.commit()
    login(client, "canbo", f.PASSWORD)
    assert post(client, f"/quality/rules/{rule.id}/toggle").status_code == 303
    assert [r.enabled for r in _rules(db, register)] == [False]
    form = client.get(f"/quality/rules/{rule.id}/edit")
    assert form.status_code == 200 and f'value="{PHONE}"' in form.text and 'value="98"' in form.text
    bad = post(
        client, f"/quality/rules/{rule.id}/edit", {"kind": "pattern", "column": "so_dien_thoai", "regex": "(?P<x>0)", "target": "95"}
    )
    assert bad.status_code == 422 and "Không dùng nhóm có tên" in _field_error(bad, "r-pattern-regex")
    saved = post(
        client,
        f"/quality/rules/{rule.id}/edit",
        {"kind": "pattern", "name": "Điện thoại di động", "column": "so_dien_thoai", "regex": PHONE, "target": "95", "severity": "minor",
         "enabled": ["", "on"]},
    )  # fmt: skip
    assert saved.status_code == 303
    (edited,) = _rules(db, register)
    assert (edited.name, edited.target, edited.severity, edited.enabled) == ("Điện thoại di động", 0.95, "minor", True)
    assert post(client, f"/quality/rules/{rule.id}/delete").status_code == 303
    assert _rules(db, register) == []


def test_yaml_downloaded_and_uploaded_again_keeps_every_rule(client: TestClient, db: Session, register: Register) -> None:
    _steward(db, register)
    actor = system_actor()
    for data in (
        RuleIn(kind="not_null", name="Email", severity="critical", target=0.99, params={"column": "email"}),
        RuleIn(kind="allowed", name="Tỉnh", params={"column": "tinh_thanh", "values": ["Hà Nội", "Đà Nẵng"]}),
        RuleIn(kind="unique", name="Khóa", enabled=False, params={"columns": ["ma_de_tai", "nam_bat_dau"]}),
        RuleIn(kind="metadata", name="Siêu dữ liệu", params={"fields": ["owner", "license"]}),
    ):
        service.create_rule(db, actor=actor, dataset_id=register.dataset_id, data=data)
    db.commit()
    shape = [(r.name, r.kind, r.resource_id, r.dimension, r.severity, r.target, r.params, r.enabled) for r in _rules(db, register)]
    login(client, "canbo", f.PASSWORD)
    download = client.get(f"/datasets/{register.dataset_id}/quality/rules.yaml")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/yaml")
    assert "attachment" in download.headers["content-disposition"] and "resource: Danh mục đề tài" in download.text
    uploaded = post(
        client, f"/datasets/{register.dataset_id}/quality/rules.yaml", files={"file": ("rules.yaml", download.content, "text/yaml")}
    )
    assert uploaded.status_code == 303 and "imported=4" in uploaded.headers["location"]
    assert [(r.name, r.kind, r.resource_id, r.dimension, r.severity, r.target, r.params, r.enabled) for r in _rules(db, register)] == shape
    assert {r.origin for r in _rules(db, register)} == {"yaml"}


def test_a_bad_yaml_upload_names_the_rule_at_fault_and_keeps_the_old_rules(client: TestClient, db: Session, register: Register) -> None:
    _steward(db, register)
    kept = service.create_rule(
        db, actor=system_actor(), dataset_id=register.dataset_id, data=RuleIn(kind="not_null", params={"column": "email"})
    )
    db.commit()
    login(client, "canbo", f.PASSWORD)
    text = (
        "rules:\n"
        "  - {name: Email, kind: not_null, column: email}\n"
        "  - {name: Số điện thoại, kind: pattern, column: so_dien_thoai, regex: '([0-9'}\n"
    )
    refused = post(
        client, f"/datasets/{register.dataset_id}/quality/rules.yaml", files={"file": ("rules.yaml", text.encode(), "text/yaml")}
    )
    assert refused.status_code == 422
    error = _field_error(refused, "f-file")
    assert "Quy tắc 2 («Số điện thoại»)" in error and "Biểu thức chính quy không hợp lệ" in error
    assert [r.id for r in _rules(db, register)] == [kept.id]
    empty = post(client, f"/datasets/{register.dataset_id}/quality/rules.yaml", files={"file": ("", b"", "text/yaml")})
    assert empty.status_code == 422 and "Hãy chọn tệp quy tắc YAML." in _field_error(empty, "f-file")


def test_the_schedule_and_the_metadata_review_are_set_from_the_page(client: TestClient, db: Session, register: Register) -> None:
    _steward(db, register)
    login(client, "canbo", f.PASSWORD)
    assert post(client, f"/datasets/{register.dataset_id}/quality/schedule", {"schedule": "daily"}).status_code == 303
    bad = post(client, f"/datasets/{register.dataset_id}/quality/schedule", {"schedule": "hourly"})
    assert bad.status_code == 422 and "Lịch kiểm tra không hợp lệ." in bad.text
    reviewed = post(client, f"/datasets/{register.dataset_id}/quality/review")
    assert reviewed.status_code == 303
    assert "Đã ghi nhận: siêu dữ liệu của bộ dữ liệu vừa được rà soát." in client.get(reviewed.headers["location"]).text
    db.expire_all()
    summary = db.get(DatasetQuality, register.dataset_id)
    assert summary is not None and summary.schedule == "daily" and summary.metadata_reviewed_at is not None
    no_rules = post(client, f"/datasets/{register.dataset_id}/quality/run")
    assert no_rules.status_code == 409 and "Bộ dữ liệu chưa có quy tắc chất lượng nào đang bật." in no_rules.text


def test_the_overview_lists_units_and_the_lowest_datasets(client: TestClient, db: Session, register: Register) -> None:
    _steward(db, register)
    service.create_rule(
        db, actor=system_actor(), dataset_id=register.dataset_id, data=RuleIn(kind="not_null", target=0.99, params={"column": "email"})
    )
    runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id)
    other = f.unit(db, "Vụ Kế hoạch - Tài chính")
    f.dataset(db, f.database(db, other), "Kế hoạch vốn")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    page = client.get("/quality")
    assert page.status_code == 200
    tree = html.fromstring(page.text)
    units = [[" ".join(c.text_content().split()) for c in r] for r in tree.xpath("//section[@aria-labelledby='units-title']//tbody/tr")]
    # unit, U with its band, measured / all, median, datasets in bands A B C D, rule coverage (1 dimension of 7)
    assert units[0] == ["Cục Thông tin khoa học và công nghệ quốc gia", "99,3 Xếp loại A", "1 / 1", "99,3", "1", "0", "0", "0", "14 %"]
    assert units[1] == ["Vụ Kế hoạch - Tài chính", "—", "0 / 1", "—", "0", "0", "0", "0", "—"]
    assert f'href="/datasets/{register.dataset_id}/quality"' in page.text
    filtered = client.get(f"/quality?unit_id={other.id}")
    assert "Kế hoạch" in filtered.text and "Đề tài khoa học" not in filtered.text
    assert client.get("/quality?unit_id=khong-phai-ma").status_code == 400


def test_the_dataset_page_and_the_menu_link_to_the_quality_pages(client: TestClient, db: Session, register: Register) -> None:
    _steward(db, register)
    login(client, "canbo", f.PASSWORD)
    assert f'href="/datasets/{register.dataset_id}/quality"' in client.get(f"/datasets/{register.dataset_id}").text
    assert 'href="/quality"' in client.get("/").text


def test_an_unknown_dataset_or_run_is_not_found(client: TestClient, db: Session, register: Register) -> None:
    _steward(db, register)
    login(client, "canbo", f.PASSWORD)
    assert client.get(f"/datasets/{uuid.uuid4()}/quality").status_code == 404
    assert client.get(f"/quality/runs/{uuid.uuid4()}").status_code == 404
