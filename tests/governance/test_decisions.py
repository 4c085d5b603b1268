"""Official catalogs as versioned decisions: building per kind, the workflow and its refusals, the
immutability of published versions, the diff, the review cycles, the documents (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.audit.models import AuditEvent
from ketnoi.authz import PUBLIC, Actor
from ketnoi.catalog.models import Database, DataItem, Dataset
from ketnoi.governance import decisions, decisions_demo, decisions_report
from ketnoi.governance import decisions_build as build
from ketnoi.governance.decisions_build import Snap
from ketnoi.governance.decisions_models import (
    ApproveIn,
    CatalogEntry,
    CatalogKind,
    CatalogVersion,
    EntryIn,
    HeaderIn,
    NoteIn,
    ReturnIn,
    VersionStatus,
)
from ketnoi.identity import actor_for
from ketnoi.kit.errors import Conflict, Forbidden, Invalid, NotFound
from ketnoi.kit.validation import parse
from tests import factories as f

APPROVAL = ApproveIn(decision_number="1234/QĐ-BKHCN", decision_date=date(2026, 1, 15), signer_name="Hoàng Minh", signer_title="THỨ TRƯỞNG")


@dataclass
class World:
    admin: Actor
    steward: Actor
    leader: Actor
    open_ds: Dataset  # public, an open item and a default-shared item
    internal_open: Dataset  # an open item, but internal: not open data
    default_ds: Dataset  # default-shared items only
    closed_ds: Dataset  # specific request only


def item(db: Session, dataset: Dataset, name: str, form: str) -> None:
    db.add(DataItem(dataset_id=dataset.id, name=name, title=name.replace("_", " ").capitalize(), sharing_form=form))
    db.flush()


def build_world(db: Session) -> World:
    ministry = f.unit(db, "Bộ Khoa học và Công nghệ")
    cuc = f.unit(db, "Cục Sở hữu trí tuệ", parent=ministry)
    vien = f.unit(db, "Viện Năng lượng nguyên tử Việt Nam", parent=ministry)
    shared = f.database(db, cuc, "CSDL sở hữu công nghiệp", db_class="ministry_shared", code="SHCN")
    f.database(db, vien, "CSDL an toàn bức xạ", db_class="sector_shared", code="ATBX")
    f.database(db, cuc, "CSDL quốc gia về sáng chế", db_class="national", code="QGSC")
    f.database(db, vien, "CSDL cũ", db_class="ministry_shared", code="CU", status="retired")
    f.database(db, cuc, "CSDL nội bộ", db_class="internal", code="NB")
    open_ds = f.dataset(db, shared, "Nhãn hiệu đã cấp", visibility="public", license_id="cc-by-4.0", update_frequency="monthly").dataset
    internal_open = f.dataset(db, shared, "Đơn chờ thẩm định").dataset
    default_ds = f.dataset(db, shared, "Chủ đơn").dataset
    closed_ds = f.dataset(db, shared, "Hồ sơ mật").dataset
    item(db, open_ds, "so_van_bang", "open")
    item(db, open_ds, "chu_so_huu", "default_shared")
    item(db, internal_open, "so_don", "open")
    item(db, default_ds, "ten_chu_don", "default_shared")
    item(db, closed_ds, "noi_dung", "specific_request")
    return World(
        admin=actor_for(db, f.user(db, "admin", username="quantri")),
        steward=actor_for(db, f.user(db, "steward", cuc, username="canbo")),
        leader=actor_for(db, f.user(db, "leader", ministry, username="lanhdao")),
        open_ds=open_ds,
        internal_open=internal_open,
        default_ds=default_ds,
        closed_ds=closed_ds,
    )


@pytest.fixture
def world(db: Session) -> World:
    w = build_world(db)
    db.commit()
    return w


def names(db: Session, version: CatalogVersion) -> list[str]:
    return [e.snapshot["name"] for e in decisions.entries(db, version)]


def publish(db: Session, w: World, version: CatalogVersion, approval: ApproveIn = APPROVAL) -> CatalogVersion:
    decisions.submit(db, actor=w.admin, version_id=version.id)
    decisions.approve(db, actor=w.admin, version_id=version.id, data=approval)
    return decisions.publish(db, actor=w.admin, version_id=version.id)


# ---- building ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (CatalogKind.MINISTRY_SHARED, ["CSDL sở hữu công nghiệp"]),  # the retired one and the internal one left out
        (CatalogKind.SECTOR_SHARED, ["CSDL an toàn bức xạ"]),
        (CatalogKind.NATIONAL_PROPOSAL, ["CSDL quốc gia về sáng chế"]),
        (CatalogKind.OPEN_DATA, ["Nhãn hiệu đã cấp"]),  # public with an open item: not the internal one
        (CatalogKind.DEFAULT_SHARING, ["Chủ đơn", "Nhãn hiệu đã cấp"]),
    ],
)
def test_each_kind_picks_the_records_its_rule_chooses(db: Session, world: World, kind: CatalogKind, expected: list[str]) -> None:
    version = decisions.new_version(db, actor=world.admin, kind=kind)
    assert (version.number, version.status) == (1, VersionStatus.DRAFT)
    assert names(db, version) == expected
    assert version.review_months == (12 if kind in build.DATABASE_KINDS else 6)


def test_a_snapshot_keeps_the_fields_the_decision_shows(db: Session, world: World) -> None:
    version = decisions.new_version(db, actor=world.admin, kind=CatalogKind.OPEN_DATA)
    (entry,) = decisions.entries(db, version)
    assert entry.source_id == world.open_ds.id and entry.source_kind == "dataset"
    assert entry.snapshot == {
        "name": "Nhãn hiệu đã cấp",
        "database": "CSDL sở hữu công nghiệp",
        "owner": "Cục Sở hữu trí tuệ",
        "data_class": "Dữ liệu khác",
        "sharing_form": "Dữ liệu mở",
        "items": "So van bang",  # only the open item
        "license": "Creative Commons Ghi công 4.0 (CC BY 4.0)",
        "frequency": "Hằng tháng",
    }
    shared = decisions.new_version(db, actor=world.admin, kind=CatalogKind.MINISTRY_SHARED)
    assert decisions.entries(db, shared)[0].snapshot["code"] == "SHCN"


def test_entries_of_a_draft_are_editable_and_audited(db: Session, world: World) -> None:
    version = decisions.new_version(db, actor=world.admin, kind=CatalogKind.OPEN_DATA)
    decisions.add_entry(db, actor=world.admin, version_id=version.id, data=EntryIn(source=world.default_ds.slug, note="Đề xuất mở"))
    added = decisions.add_entry(db, actor=world.admin, version_id=version.id, data=EntryIn(source=str(world.closed_ds.id)))
    assert names(db, version) == ["Nhãn hiệu đã cấp", "Chủ đơn", "Hồ sơ mật"]
    with pytest.raises(Conflict) as taken:
        decisions.add_entry(db, actor=world.admin, version_id=version.id, data=EntryIn(source=world.default_ds.slug))
    assert "đã có trong danh mục" in taken.value.fields["source"]
    with pytest.raises(Invalid) as missing:
        decisions.add_entry(db, actor=world.admin, version_id=version.id, data=EntryIn(source="khong-co"))
    assert missing.value.fields == {"source": "Không tìm thấy bộ dữ liệu này trong hệ thống."}
    first = decisions.entries(db, version)[0]
    decisions.remove_entry(db, actor=world.admin, version_id=version.id, entry_id=first.id)
    decisions.set_note(db, actor=world.admin, version_id=version.id, entry_id=added.id, data=NoteIn(note="Chỉ mở trường đã rà soát"))
    listed = decisions.entries(db, version)
    assert [(e.position, e.snapshot["name"], e.note) for e in listed] == [
        (1, "Chủ đơn", "Đề xuất mở"),
        (2, "Hồ sơ mật", "Chỉ mở trường đã rà soát"),
    ]
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == version.id)).all()
    assert sorted(actions) == ["add_entry", "add_entry", "create", "remove_entry", "update_entry"]


# ---- the workflow ---------------------------------------------------------------------------------


def test_the_workflow_goes_draft_submitted_approved_published_with_the_next_review(db: Session, world: World) -> None:
    version = decisions.new_version(db, actor=world.admin, kind=CatalogKind.OPEN_DATA)
    publish(db, world, version)
    assert version.status == VersionStatus.PUBLISHED
    assert (version.decision_number, version.decision_date, version.next_review_due) == (
        "1234/QĐ-BKHCN",
        date(2026, 1, 15),
        date(2026, 7, 15),
    )
    assert version.submitted_by_id == world.admin.user_id and version.published_at is not None
    second = decisions.new_version(db, actor=world.admin, kind=CatalogKind.OPEN_DATA)
    assert second.number == 2
    with pytest.raises(Conflict):  # one version in progress per kind
        decisions.new_version(db, actor=world.admin, kind=CatalogKind.OPEN_DATA)


def test_a_steward_or_a_leader_cannot_build_or_approve(db: Session, world: World) -> None:
    with pytest.raises(Forbidden):
        decisions.new_version(db, actor=world.steward, kind=CatalogKind.OPEN_DATA)
    version = decisions.new_version(db, actor=world.admin, kind=CatalogKind.OPEN_DATA)
    decisions.submit(db, actor=world.admin, version_id=version.id)
    for who in (world.steward, world.leader):
        with pytest.raises(Forbidden):
            decisions.approve(db, actor=who, version_id=version.id, data=APPROVAL)
    assert decisions.get_version(db, actor=world.leader, version_id=version.id).status == VersionStatus.SUBMITTED


def test_approving_without_a_decision_number_is_refused_at_the_field(db: Session, world: World) -> None:
    with pytest.raises(Invalid) as refused:
        parse(ApproveIn, {"decision_date": "2026-01-15", "signer_name": "Hoàng Minh", "signer_title": "THỨ TRƯỞNG"})
    assert refused.value.fields == {"decision_number": "Trường này là bắt buộc."}
    version = decisions.new_version(db, actor=world.admin, kind=CatalogKind.OPEN_DATA)
    decisions.submit(db, actor=world.admin, version_id=version.id)
    future = APPROVAL.model_copy(update={"decision_date": decisions.today() + timedelta(days=3)})
    with pytest.raises(Invalid) as late:
        decisions.approve(db, actor=world.admin, version_id=version.id, data=future)
    assert "decision_date" in late.value.fields


def test_a_draft_cannot_be_approved_and_a_return_needs_a_note(db: Session, world: World) -> None:
    version = decisions.new_version(db, actor=world.admin, kind=CatalogKind.OPEN_DATA)
    with pytest.raises(Conflict):
        decisions.approve(db, actor=world.admin, version_id=version.id, data=APPROVAL)
    decisions.submit(db, actor=world.admin, version_id=version.id)
    with pytest.raises(Conflict):  # submitted: the entries are frozen
        decisions.remove_entry(db, actor=world.admin, version_id=version.id, entry_id=decisions.entries(db, version)[0].id)
    with pytest.raises(Invalid):
        parse(ReturnIn, {"note": ""})
    decisions.approve(db, actor=world.admin, version_id=version.id, data=APPROVAL)
    decisions.return_to_draft(db, actor=world.admin, version_id=version.id, data=ReturnIn(note="Bổ sung bộ dữ liệu chủ đơn"))
    assert (version.status, version.return_note, version.decision_number) == (VersionStatus.DRAFT, "Bổ sung bộ dữ liệu chủ đơn", None)


def test_a_published_version_cannot_be_changed_by_the_service_nor_directly(db: Session, world: World) -> None:
    version = publish(db, world, decisions.new_version(db, actor=world.admin, kind=CatalogKind.OPEN_DATA))
    db.commit()
    entry = decisions.entries(db, version)[0]
    attempts = [
        lambda: decisions.update_header(
            db, actor=world.admin, version_id=version.id, data=HeaderIn(title="Khác", legal_basis="x", review_months=3)
        ),
        lambda: decisions.add_entry(db, actor=world.admin, version_id=version.id, data=EntryIn(source=world.default_ds.slug)),
        lambda: decisions.remove_entry(db, actor=world.admin, version_id=version.id, entry_id=entry.id),
        lambda: decisions.set_note(db, actor=world.admin, version_id=version.id, entry_id=entry.id, data=NoteIn(note="x")),
        lambda: decisions.return_to_draft(db, actor=world.admin, version_id=version.id, data=ReturnIn(note="x")),
        lambda: decisions.publish(db, actor=world.admin, version_id=version.id),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.message == "Phiên bản đã công bố là quyết định đã ban hành: không được sửa đổi."
    entry.note = "sửa thẳng vào bảng"  # past the service: the flush guard refuses it
    with pytest.raises(Conflict):
        db.flush()
    db.rollback()
    version.decision_number = "9999/QĐ-BKHCN"
    with pytest.raises(Conflict):
        db.flush()
    db.rollback()
    db.add(CatalogEntry(version_id=version.id, position=9, source_kind="dataset", source_id=uuid.uuid4(), snapshot={"name": "x"}))
    with pytest.raises(Conflict):
        db.flush()
    db.rollback()
    assert [e.note for e in decisions.entries(db, version)] == [None]


def test_the_public_reads_published_versions_only(db: Session, world: World) -> None:
    published = publish(db, world, decisions.new_version(db, actor=world.admin, kind=CatalogKind.OPEN_DATA))
    draft = decisions.new_version(db, actor=world.admin, kind=CatalogKind.DEFAULT_SHARING)
    assert [v.id for v in decisions.list_versions(db, actor=PUBLIC)] == [published.id]
    with pytest.raises(NotFound):
        decisions.get_version(db, actor=PUBLIC, version_id=draft.id)
    assert {v.id for v in decisions.list_versions(db, actor=world.steward)} == {published.id, draft.id}


# ---- the diff: a pure function ------------------------------------------------------------------


def s(source: uuid.UUID, **fields: str) -> Snap:
    return Snap(source, {"name": "A", "owner": "Cục", "license": "CC BY", **fields})


def test_diff_lists_added_removed_and_changed_entries_with_their_fields() -> None:
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    result = build.diff([s(a), s(b), s(c, license="CC0")], [s(a), s(c, license="CC BY", name="C mới"), s(d, name="D")])
    assert [x.source_id for x in result.added] == [d]
    assert [x.source_id for x in result.removed] == [b]
    assert [(x.after.source_id, x.fields) for x in result.changed] == [(c, ("name", "license"))]
    assert result.unchanged == 1 and not result.empty


def test_diff_of_identical_lists_is_empty_and_a_first_version_adds_everything() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert build.diff([s(a), s(b)], [s(b), s(a)]).empty  # the order is no change
    first = build.diff([], [s(a), s(b)])
    assert [x.source_id for x in first.added] == [a, b] and first.removed == [] and first.changed == []
    gone = build.diff([s(a, items="x")], [Snap(a, {"name": "A", "owner": "Cục", "license": "CC BY"})])  # a field no longer shown
    assert gone.changed[0].fields == ("items",)


def test_the_diff_is_against_the_previous_published_version_of_the_kind(db: Session, world: World) -> None:
    first = publish(db, world, decisions.new_version(db, actor=world.admin, kind=CatalogKind.DEFAULT_SHARING))
    world.default_ds.update_frequency = "annual"  # the inventory changes between the two versions
    item(db, world.closed_ds, "tom_tat", "default_shared")
    second = decisions.new_version(db, actor=world.admin, kind=CatalogKind.DEFAULT_SHARING)
    decisions.remove_entry(db, actor=world.admin, version_id=second.id, entry_id=decisions.entries(db, second)[-1].id)  # Nhãn hiệu đã cấp
    _, previous, diff = decisions.version_diff(db, actor=world.leader, version_id=second.id)
    assert previous is not None and previous.id == first.id
    assert [x.snapshot["name"] for x in diff.added] == ["Hồ sơ mật"]
    assert [x.snapshot["name"] for x in diff.removed] == ["Nhãn hiệu đã cấp"]
    assert [(c.after.snapshot["name"], c.fields) for c in diff.changed] == [("Chủ đơn", ("frequency",))]


# ---- review cycles ---------------------------------------------------------------------------------


def test_review_due_dates_follow_the_decision_date_and_overdue_kinds_are_listed(db: Session, world: World) -> None:
    assert build.add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert build.add_months(date(2025, 3, 10), 12) == date(2026, 3, 10)
    opened = publish(db, world, decisions.new_version(db, actor=world.admin, kind=CatalogKind.OPEN_DATA))
    yearly = publish(db, world, decisions.new_version(db, actor=world.admin, kind=CatalogKind.MINISTRY_SHARED))
    assert (opened.next_review_due, yearly.next_review_due) == (date(2026, 7, 15), date(2027, 1, 15))
    assert decisions.due_reviews(db, date(2026, 7, 15)) == []  # due that day: not yet overdue
    (late,) = decisions.due_reviews(db, date(2026, 8, 1))
    assert (late.kind, late.version.id, late.days_overdue) == (CatalogKind.OPEN_DATA, opened.id, 17)
    assert {r.kind for r in decisions.due_reviews(db, date(2027, 2, 1))} == {CatalogKind.OPEN_DATA, CatalogKind.MINISTRY_SHARED}


# ---- documents -------------------------------------------------------------------------------------


def test_the_docx_is_a_decision_with_the_list_as_its_appendix(db: Session, world: World) -> None:
    version = publish(db, world, decisions.new_version(db, actor=world.admin, kind=CatalogKind.DEFAULT_SHARING))
    doc = Document(io.BytesIO(decisions_report.to_docx(db, version)))
    text = "\n".join(p.text for p in doc.paragraphs)
    header = "\n".join(c.text for c in doc.tables[0].rows[0].cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header and "Số: 1234/QĐ-BKHCN" in header
    assert "Hà Nội, ngày 15 tháng 01 năm 2026" in header
    assert "QUYẾT ĐỊNH" in text and "Ban hành danh mục dữ liệu chia sẻ theo hình thức mặc định" in text
    assert "PHỤ LỤC: DANH MỤC DỮ LIỆU CHIA SẺ THEO HÌNH THỨC MẶC ĐỊNH" in text
    appendix = doc.tables[-1]
    assert [c.text for c in appendix.rows[0].cells][:2] == ["TT", "Tên"]
    assert [row.cells[1].text for row in appendix.rows[1:]] == ["Chủ đơn", "Nhãn hiệu đã cấp"]


def test_the_xlsx_and_the_json_hold_the_entries(db: Session, world: World) -> None:
    version = decisions.new_version(db, actor=world.admin, kind=CatalogKind.MINISTRY_SHARED)
    book = load_workbook(io.BytesIO(decisions_report.to_xlsx(db, version)))
    sheet = book["Danh mục"]
    assert [c.value for c in sheet[1]][:3] == ["TT", "Tên", "Mã"]
    assert [c.value for c in sheet[2]][:3] == [1, "CSDL sở hữu công nghiệp", "SHCN"]
    data = decisions_report.version_json(db, version)
    assert data["status"] == "draft" and [e["fields"]["code"] for e in data["entries"]] == ["SHCN"]


def test_the_demo_has_a_published_open_data_catalog_and_a_draft_that_differs(db: Session, world: World) -> None:
    database = db.get(Database, world.open_ds.database_id)
    assert database is not None
    extra = f.dataset(db, database, "Kiểu dáng công nghiệp", visibility="public").dataset
    item(db, extra, "so_bang", "open")
    assert decisions_demo.load_examples(db) == (2, 0)
    assert decisions_demo.load_examples(db) == (0, 2)
    first, second = sorted(decisions.list_versions(db, actor=world.admin, kind=CatalogKind.OPEN_DATA), key=lambda v: v.number)
    assert (first.status, second.status) == (VersionStatus.PUBLISHED, VersionStatus.DRAFT)
    _, previous, diff = decisions.version_diff(db, actor=world.admin, version_id=second.id)
    assert previous is not None and not diff.empty and len(diff.added) == 1 and len(diff.removed) == 1
    assert [r.kind for r in decisions.due_reviews(db, decisions.today())] == [CatalogKind.OPEN_DATA]
