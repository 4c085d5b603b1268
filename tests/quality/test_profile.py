"""A table's profile gives exact figures and never a personal value; its suggested rules are valid and find the defects."""

from __future__ import annotations

import csv
import io
import json
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests import factories as f
from tests.quality.conftest import DUPLICATED, EMAIL_MISSING, END_BEFORE_START, PROVINCES, ROWS, Register, load_register
from tests.web.conftest import client, login, post

from ketnoi.auth import service as auth
from ketnoi.authz import PUBLIC, Actor
from ketnoi.catalog import items
from ketnoi.catalog.models import Dataset
from ketnoi.datastore import ingest as datastore
from ketnoi.datastore.models import DatastoreVersion
from ketnoi.identity import actor_for, system_actor
from ketnoi.kit.errors import Conflict, Forbidden, Invalid, Unauthenticated
from ketnoi.quality import rules as kinds
from ketnoi.quality import runner, service
from ketnoi.quality.models import QualityResult, QualityRule
from ketnoi.quality.profile import TableProfile, patterns_of, profile_table, shape_of
from ketnoi.quality.schemas import RuleIn
from ketnoi.quality.suggest import Suggestion, accept, nice_bounds, number, percent, regex_of, suggest
from ketnoi.settings import get_settings

__all__ = ["client"]


def _steward(db: Session, register: Register, username: str | None = None) -> Actor:
    return actor_for(db, f.user(db, "steward", db.get(f.Organization, register.unit_id), username=username))


def _profile(db: Session, register: Register, actor: Actor | None = None) -> TableProfile:
    return profile_table(db, actor=actor or system_actor(), dataset_id=register.dataset_id)


def _suggested(db: Session, register: Register, actor: Actor | None = None) -> list[Suggestion]:
    actor = actor or system_actor()
    return suggest(db, actor=actor, dataset_id=register.dataset_id, profile=_profile(db, register, actor))


def _by(suggestions: list[Suggestion]) -> dict[tuple[str, str | None], Suggestion]:
    return {(s.kind, s.column or s.rule.params.get("expression")): s for s in suggestions}


def _token(db: Session, actor: Actor) -> dict[str, str]:
    user = db.get(f.User, actor.user_id)
    _, secret = auth.create_token(db, actor=actor_for(db, user), name="t")
    db.commit()  # the app reads it in its own transaction
    return {"Authorization": f"Bearer {secret}"}


def test_the_profile_gives_the_exact_figures_of_the_register(db: Session, register: Register) -> None:
    found = _profile(db, register, _steward(db, register))
    assert (found.rows, found.hidden, found.editable) == (ROWS, 0, True)
    assert [c.name for c in found.columns][:3] == ["ma_de_tai", "ten_de_tai", "nam_bat_dau"]
    email, code, start, end = (found.column(n) for n in ("email", "ma_de_tai", "nam_bat_dau", "nam_ket_thuc"))
    assert email is not None and code is not None and start is not None and end is not None
    assert (email.nulls, email.null_share, email.distinct) == (len(EMAIL_MISSING), len(EMAIL_MISSING) / ROWS, ROWS - len(EMAIL_MISSING))
    assert (code.nulls, code.distinct, code.min_length, code.max_length) == (0, ROWS - len(DUPLICATED), 14, 14)
    assert (code.top, code.top_skipped) == (None, "near_unique")  # 297 distinct of 300: the "top values" would say nothing
    assert (start.minimum, start.maximum, end.minimum, end.maximum) == (2018, 2022, 2017, 2024)
    budget, updated = found.column("kinh_phi"), found.column("ngay_cap_nhat")
    assert budget is not None and (budget.minimum, budget.maximum) == (101, 60000)
    assert updated is not None and (updated.minimum, updated.maximum) == (date(2024, 1, 15), date(2024, 12, 15))
    provinces = found.column("tinh_thanh")
    assert provinces is not None and provinces.top is not None
    # Equal counts in code-point order, on both databases.
    assert [(v.value, v.count) for v in provinces.top] == [(p, ROWS // 5) for p in sorted(PROVINCES)]
    assert [(v.value, v.count) for v in start.top or []] == [(year, 60) for year in range(2018, 2023)]
    phone = found.column("so_dien_thoai")
    assert phone is not None and phone.sampled == ROWS
    assert [(p.shape, p.count, p.share) for p in phone.patterns] == [("9999999999", 296, 296 / ROWS), ("99999", 4, 4 / ROWS)]
    assert [(p.shape, p.share, p.letters) for p in code.patterns] == [("AA-9999-999999", 1.0, "ascii")]
    title = found.column("ten_de_tai")
    assert title is not None and title.patterns[0].shape == "Aa aaa aaaaaa aaa aa 999" and title.patterns[0].letters == "vietnamese"
    assert budget.patterns == [] and budget.min_length is None  # shapes and lengths are for text columns


def test_shapes_read_vietnamese_letters_and_become_portable_regular_expressions() -> None:
    assert shape_of("Đà Nẵng") == "Aa Aaaa" and shape_of("DT-2021-000010") == "AA-9999-999999"
    assert shape_of("a@b.vn (x)") == "a@a.aa (a)" and shape_of("x" * 80).endswith("…")
    (top,) = patterns_of(["ĐN-01", "HN-22"])
    assert top.letters == "vietnamese" and (top.shape, top.count) == ("AA-99", 2)
    regex = regex_of(top)
    assert regex is not None and regex.startswith("[A-ZÀÁ") and regex.endswith("]{2}-[0-9]{2}")
    assert regex_of(patterns_of(["AB.1"])[0]) == r"[A-Z]{2}\.[0-9]"
    assert regex_of(patterns_of(["中文"])[0]) is None  # letters of another script: no pattern
    assert nice_bounds(101, 60000, integer=True) == (0, 60000) and nice_bounds(2018, 2022, integer=True) == (2018, 2022)
    assert nice_bounds(0.05, 0.95, integer=False) == (0.0, 1.0) and nice_bounds(7, 7, integer=True) == (7, 7)
    assert (number(60000), number(2018), number(1234.5), percent(296 / 300), percent(1.0)) == ("60.000", "2018", "1234,5", "98,7%", "100%")


def test_a_personal_column_never_gives_a_value_in_the_profile_the_api_or_the_page(db: Session, tmp_path: Path, client: TestClient) -> None:
    register = load_register(db, tmp_path, personal=("tinh_thanh", "email", "nam_bat_dau"))
    steward = _steward(db, register, username="canbo")
    db.commit()
    found = _profile(db, register, steward)
    provinces, email, start = (found.column(n) for n in ("tinh_thanh", "email", "nam_bat_dau"))
    assert provinces is not None and email is not None and start is not None
    assert (provinces.personal, provinces.top, provinces.values, provinces.top_skipped) == (True, None, None, "personal")
    assert (start.minimum, start.maximum, start.top, start.range_skipped) == (None, None, None, "personal")
    assert (email.nulls, email.distinct) == (len(EMAIL_MISSING), ROWS - len(EMAIL_MISSING))
    assert email.patterns[0].shape == "aaa.aaaaa999@aaaa.aaa.aa"  # shapes carry no value
    suggested = _by(suggest(db, actor=steward, dataset_id=register.dataset_id, profile=found))
    assert ("allowed", "tinh_thanh") not in suggested and ("range", "nam_bat_dau") not in suggested
    assert ("not_null", "tinh_thanh") in suggested  # counts still suggest rules

    answer = client.get(f"/api/v1/datasets/{register.dataset_id}/quality/profile", headers=_token(db, steward))
    assert answer.status_code == 200, answer.text
    body = json.dumps(answer.json(), ensure_ascii=False)
    columns = {c["name"]: c for c in answer.json()["profile"]["columns"]}
    assert columns["nam_bat_dau"]["min"] is None and columns["tinh_thanh"]["top"] is None and columns["tinh_thanh"]["personal"]
    login(client, "canbo", f.PASSWORD)
    page = client.get(f"/datasets/{register.dataset_id}/quality/profile")
    assert page.status_code == 200 and "Cá nhân/nhạy cảm" in page.text
    for planted in [*PROVINCES, "vien.gov.vn", "chu.nhiem"]:
        assert planted not in body and planted not in page.text
    # Another unit's reader does not even see the personal columns (datastore.access).
    leader = f.actor(db, "leader")
    hidden = _profile(db, register, leader)
    assert hidden.hidden == 3 and {"tinh_thanh", "email", "nam_bat_dau"}.isdisjoint(c.name for c in hidden.columns)
    assert hidden.editable is False


def test_suggestions_are_valid_rules_that_once_accepted_find_the_defects(db: Session, register: Register) -> None:
    dataset = db.get(Dataset, register.dataset_id)
    assert dataset is not None
    dataset.update_frequency = "monthly"
    db.flush()
    suggestions = _suggested(db, register)
    columns = runner.served_table(db, register.resource_id)[1]  # type: ignore[index]
    for s in suggestions:  # each is ready: the kind's checks give back the same parameters
        assert kinds.normalize(s.rule.kind, s.rule.params, columns) == s.rule.params, s.key
        assert s.reason
    found = _by(suggestions)
    assert found[("not_null", "ma_de_tai")].reason == "0 ô trống trên 300 dòng"
    assert ("not_null", "email") not in found  # 5 empty cells
    assert found[("unique", "ma_de_tai")].rule.params == {"columns": ["ma_de_tai"]}
    assert "3 dòng trùng" in found[("unique", "ma_de_tai")].reason
    assert ("unique", "so_dien_thoai") not in found  # a contact, not a key
    assert found[("range", "kinh_phi")].rule.params == {"column": "kinh_phi", "min": 0, "max": 60000}
    assert found[("range", "nam_bat_dau")].rule.params == {"column": "nam_bat_dau", "min": 2018, "max": 2022}
    assert ("expression", "nam_ket_thuc >= nam_bat_dau") in found
    assert found[("pattern", "ma_de_tai")].rule.params["regex"] == "[A-Z]{2}-[0-9]{4}-[0-9]{6}"
    assert ("pattern", "so_dien_thoai") not in found  # 98.7 % share a shape: below the 99 % a pattern needs
    assert ("length", "ma_de_tai") not in found  # the pattern says it already
    assert found[("allowed", "tinh_thanh")].rule.params["values"] == sorted(PROVINCES)
    assert found[("date_freshness", "ngay_cap_nhat")].rule.params == {"column": "ngay_cap_nhat", "max_age_days": 38}
    assert {("freshness", None), ("metadata", None)} <= found.keys()
    assert [s.key for s in _suggested(db, register)] == [s.key for s in suggestions]  # stable keys

    steward = _steward(db, register)
    made = accept(db, actor=steward, dataset_id=register.dataset_id, keys=[s.key for s in suggestions])
    assert len(made) == len(suggestions) and {r.origin for r in made} == {"suggested"}
    run = runner.run_dataset(db, actor=steward, dataset_id=register.dataset_id)
    results = {(r.kind, r.rule_id): r for r in db.scalars(select(QualityResult).where(QualityResult.run_id == run.id))}
    by_key = {s.key: rule.id for s, rule in zip(suggestions, made, strict=True)}
    unique = results[("unique", by_key[found[("unique", "ma_de_tai")].key])]
    assert (unique.failed, unique.sample_ids) == (3, sorted({*DUPLICATED, *DUPLICATED.values()}))
    years = results[("expression", by_key[found[("expression", "nam_ket_thuc >= nam_bat_dau")].key])]
    assert (years.failed, years.sample_ids) == (len(END_BEFORE_START), sorted(END_BEFORE_START))
    assert results[("range", by_key[found[("range", "kinh_phi")].key])].failed == 0  # its bounds came from this data
    # Once accepted, a rule is no longer suggested; sending its key again creates nothing.
    assert _suggested(db, register) == []
    assert accept(db, actor=steward, dataset_id=register.dataset_id, keys=[suggestions[0].key]) == []


def test_a_rule_the_dataset_has_is_not_suggested_again(db: Session, register: Register) -> None:
    for kind, params in (
        ("not_null", {"column": "ma_de_tai"}),
        ("range", {"column": "kinh_phi", "min": 10, "max": 50000}),  # other bounds: the same check
        ("expression", {"expression": "nam_bat_dau <= nam_ket_thuc"}),  # the same columns, written the other way
        ("metadata", {"fields": ["owner"]}),
    ):
        service.create_rule(db, actor=system_actor(), dataset_id=register.dataset_id, data=RuleIn(kind=kind, params=params))
    found = _by(_suggested(db, register))
    assert ("not_null", "ma_de_tai") not in found and ("range", "kinh_phi") not in found and ("metadata", None) not in found
    assert ("expression", "nam_ket_thuc >= nam_bat_dau") not in found
    assert ("not_null", "ten_de_tai") in found and ("range", "nam_bat_dau") in found


def test_only_the_datasets_unit_accepts_and_signed_out_callers_see_nothing(db: Session, register: Register) -> None:
    leader = f.actor(db, "leader")
    other = f.actor(db, "steward", f.unit(db, "Vụ Kế hoạch - Tài chính"))
    suggestions = _suggested(db, register, leader)  # staff read the profile and the suggestions
    assert suggestions and _profile(db, register, leader).editable is False
    for refused in (leader, other):
        with pytest.raises(Forbidden):
            accept(db, actor=refused, dataset_id=register.dataset_id, keys=[suggestions[0].key])
    with pytest.raises(Unauthenticated):
        _profile(db, register, PUBLIC)
    with pytest.raises(Unauthenticated):
        accept(db, actor=PUBLIC, dataset_id=register.dataset_id, keys=[suggestions[0].key])
    assert db.scalars(select(QualityRule)).all() == []
    steward = _steward(db, register)
    with pytest.raises(Invalid) as empty:
        accept(db, actor=steward, dataset_id=register.dataset_id, keys=[])
    assert "Chưa chọn" in empty.value.fields["keys"]
    stale = suggestions[0].key.replace("#", "#0")
    with pytest.raises(Invalid) as gone:
        accept(db, actor=steward, dataset_id=register.dataset_id, keys=[suggestions[1].key, stale])
    assert "không còn phù hợp" in gone.value.fields["keys"]
    assert db.scalars(select(QualityRule)).all() == []  # checked before anything was made


@dataclass(frozen=True)
class Loaded:
    dataset_id: uuid.UUID
    resource_id: uuid.UUID


def _load(db: Session, tmp_path: Path, header: list[str], rows: list[list[str]], dataset_id: uuid.UUID | None = None) -> Loaded:
    if dataset_id is None:
        dataset_id = f.dataset(db, f.database(db, f.unit(db)), "Bảng thử").dataset.id
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    resource = items.add_resource(
        db,
        actor=system_actor(),
        dataset_id=dataset_id,
        name=f"Bảng {uuid.uuid4().hex[:6]}",
        description=None,
        filename="bang.csv",
        stream=io.BytesIO(out.getvalue().encode()),
        max_bytes=1 << 24,
    )
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    datastore.ingest(db, actor=system_actor(), resource_id=resource.id, path=path)
    db.flush()
    return Loaded(dataset_id, resource.id)


def test_vietnamese_codes_date_pairs_and_decimals_give_rules_both_databases_run_alike(db: Session, tmp_path: Path) -> None:
    prefixes = ["ĐN", "HN", "HP", "CT"]
    rows = [
        [
            "hn-5" if n == 150 else f"{prefixes[n % 4]}-{n % 100:02d}",
            f"2024-{1 + n % 12:02d}-01",
            f"2023-{1 + n % 12:02d}-01" if n == 77 else f"2024-{1 + n % 12:02d}-28",
            f"0.{5 + n % 90:02d}",
        ]
        for n in range(1, 201)
    ]
    loaded = _load(db, tmp_path, ["ma_tinh", "tu_ngay", "den_ngay", "ty_le"], rows)
    found = profile_table(db, actor=system_actor(), dataset_id=loaded.dataset_id)
    assert [c.type for c in found.columns] == ["string", "date", "date", "number"]
    code = found.column("ma_tinh")
    assert code is not None and code.patterns[0].letters == "vietnamese" and code.patterns[0].share == 199 / 200
    suggested = _by(suggest(db, actor=system_actor(), dataset_id=loaded.dataset_id, profile=found))
    assert suggested[("range", "ty_le")].rule.params == {"column": "ty_le", "min": 0.0, "max": 1.0}
    chosen = [suggested[("pattern", "ma_tinh")], suggested[("expression", "den_ngay >= tu_ngay")], suggested[("range", "ty_le")]]
    made = accept(db, actor=system_actor(), dataset_id=loaded.dataset_id, keys=[s.key for s in chosen])
    run = runner.run_dataset(db, actor=system_actor(), dataset_id=loaded.dataset_id)
    results = {r.rule_id: r for r in db.scalars(select(QualityResult).where(QualityResult.run_id == run.id))}
    assert [(results[r.id].failed, results[r.id].sample_ids) for r in made] == [(1, [150]), (1, [77]), (0, [])]


def test_a_dataset_with_several_tables_needs_one_chosen(db: Session, tmp_path: Path, register: Register) -> None:
    second = _load(db, tmp_path, ["ma", "ten"], [["A1", "Một"], ["A2", "Hai"]], dataset_id=register.dataset_id)
    with pytest.raises(Invalid) as choose:
        _profile(db, register)
    assert choose.value.fields["resource_id"] == "Hãy chọn bảng dữ liệu."
    found = profile_table(db, actor=system_actor(), dataset_id=register.dataset_id, resource_id=second.resource_id)
    assert (found.rows, [t.name for t in found.tables]) == (2, ["Danh mục đề tài", found.resource_name])
    elsewhere = _load(db, tmp_path, ["x"], [["1"]])
    with pytest.raises(Invalid) as foreign:
        profile_table(db, actor=system_actor(), dataset_id=register.dataset_id, resource_id=elsewhere.resource_id)
    assert "không thuộc bộ dữ liệu này" in foreign.value.fields["resource_id"]


def test_a_profile_over_its_time_limit_is_refused_and_the_transaction_lives_on(
    db: Session, engine: Engine, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ExitStack() as stack:
        if engine.dialect.name == "postgresql":
            other = stack.enter_context(engine.connect())
            table = db.scalar(select(DatastoreVersion.table_name).where(DatastoreVersion.resource_id == register.resource_id))
            other.exec_driver_sql(f'LOCK TABLE datastore."{table}" IN ACCESS EXCLUSIVE MODE')
            monkeypatch.setattr(get_settings(), "quality_query_seconds", 0.05)
        else:
            monkeypatch.setattr(get_settings(), "quality_query_seconds", 1e-9)
        with pytest.raises(Conflict, match="lớn quá để lập hồ sơ"):
            _profile(db, register)
    assert db.scalar(select(Dataset.name).where(Dataset.id == register.dataset_id)) == "Đề tài khoa học"


def test_the_page_shows_the_profile_and_a_steward_adds_the_ticked_rules(db: Session, register: Register, client: TestClient) -> None:
    f.user(db, "steward", db.get(f.Organization, register.unit_id), username="canbo")
    f.user(db, "leader", username="lanhdao")
    db.commit()
    url = f"/datasets/{register.dataset_id}/quality/profile"
    assert client.get(url, follow_redirects=False).status_code in (303, 401)
    login(client, "lanhdao", f.PASSWORD)
    read_only = client.get(url)
    assert read_only.status_code == 200 and "Quy tắc được gợi ý" in read_only.text and "0 ô trống trên 300 dòng" in read_only.text
    assert "Thêm các quy tắc đã chọn" not in read_only.text and 'name="keys"' not in read_only.text
    keys = [s.key for s in _suggested(db, register)]
    db.commit()
    assert post(client, f"/datasets/{register.dataset_id}/quality/suggestions", {"keys": keys}).status_code == 403

    client.cookies.clear()
    login(client, "canbo", f.PASSWORD)
    page = client.get(url)
    assert page.status_code == 200
    for text in ("Tỉ lệ trống", "Giá trị khác nhau", "1,7%", "AA-9999-999999", "98,7%", "Hải Phòng", "Thêm các quy tắc đã chọn"):
        assert text in page.text, text
    assert f'href="/datasets/{register.dataset_id}/quality"' in page.text
    assert page.text.count('name="keys"') == len(keys) and page.text.count(" checked>") == len(keys)
    stale = post(client, f"/datasets/{register.dataset_id}/quality/suggestions", {"keys": [keys[0], "range:x@y#z"]})
    assert stale.status_code == 422 and "không hợp lệ" in stale.text and db.scalars(select(QualityRule)).all() == []
    chosen = keys[:3]
    added = post(client, f"/datasets/{register.dataset_id}/quality/suggestions", {"keys": chosen})
    assert added.status_code == 303 and added.headers["location"] == f"/datasets/{register.dataset_id}/quality?done=created#rules"
    db.expire_all()
    assert len(db.scalars(select(QualityRule).where(QualityRule.origin == "suggested")).all()) == 3
    assert client.get(url).text.count('name="keys"') == len(keys) - 3


def test_the_api_gives_the_profile_and_creates_the_chosen_rules(db: Session, register: Register, client: TestClient) -> None:
    steward = _steward(db, register)
    leader = f.actor(db, "leader")
    db.commit()
    url = f"/api/v1/datasets/{register.dataset_id}/quality"
    assert client.get(f"{url}/profile").status_code == 401
    read = client.get(f"{url}/profile", headers=_token(db, leader))
    assert read.status_code == 200 and read.json()["can_accept"] is False
    keys = [s["key"] for s in read.json()["suggestions"] if s["kind"] in ("unique", "expression")]
    assert len(keys) == 2
    assert client.post(f"{url}/suggestions", json={"keys": keys}, headers=_token(db, leader)).status_code == 403
    answer = client.get(f"{url}/profile", headers=_token(db, steward)).json()
    email = next(c for c in answer["profile"]["columns"] if c["name"] == "email")
    assert (email["nulls"], email["distinct"], email["patterns"][0]["count"]) == (5, 295, 198)
    dates = next(c for c in answer["profile"]["columns"] if c["name"] == "ngay_cap_nhat")
    assert (dates["min"], dates["max"], dates["top"][0]) == ("2024-01-15", "2024-12-15", {"value": "2024-01-15", "count": 25})
    created = client.post(f"{url}/suggestions", json={"keys": keys}, headers=_token(db, steward))
    assert created.status_code == 201, created.text
    assert sorted((r["kind"], r["origin"]) for r in created.json()) == [("expression", "suggested"), ("unique", "suggested")]
    refused = client.post(f"{url}/suggestions", json={"keys": ["unique:ma_de_tai@khong-phai-uuid"]}, headers=_token(db, steward))
    assert refused.status_code == 422 and "không hợp lệ" in refused.text
