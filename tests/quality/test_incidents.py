"""Quality incidents: the public's published error reports and other agencies' applications open them,
staff report and list them, the dataset's unit moves them along (closing needs a reason), and every
change is in the incident's history."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests import factories as f
from tests.apps import shared_app
from tests.web.conftest import login, post

from ketnoi.audit.models import AuditEvent
from ketnoi.auth import service as auth
from ketnoi.authz import PUBLIC, Actor
from ketnoi.catalog import items
from ketnoi.catalog.models import Dataset
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.demo.loader import load_demo
from ketnoi.feedback import antispam
from ketnoi.feedback import service as feedback
from ketnoi.feedback.antispam import Client
from ketnoi.feedback.models import Feedback
from ketnoi.feedback.schemas import FeedbackIn, ModerationIn
from ketnoi.identity import actor_for, system_actor
from ketnoi.kit.errors import BadRequest, Forbidden, Invalid, NotFound, Unauthenticated
from ketnoi.kit.validation import parse
from ketnoi.org.models import Organization, OrgKind
from ketnoi.quality import demo_incidents, incidents
from ketnoi.quality.incidents import Filters, IncidentIn, StatusIn
from ketnoi.quality.models import Incident
from ketnoi.sharing import consumers, registry
from ketnoi.sharing.limiter import storage
from ketnoi.sharing.schemas import ServiceIn

AUTHOR = "Trần Văn Khách"
AUTHOR_EMAIL = "nguoi.gui@example.vn"
SERVICE = "DV.SHTT.NHANHIEU"
REPORT = (
    "Một số dòng có mã tỉnh 99, không có trong danh mục đơn vị hành chính; ví dụ các đơn số 4-2024-01234 và 4-2024-01288 "
    "nộp tại Hà Nội.\nNgười gửi đề nghị kiểm tra lại toàn bộ cột mã tỉnh."
)
REASON = "Đã sửa mã tỉnh theo danh mục hành chính và nạp lại phiên bản ngày 15/03."


@dataclass
class World:
    unit: Organization
    other_unit: Organization
    dataset: Dataset
    other_dataset: Dataset
    steward: Actor
    other_steward: Actor
    leader: Actor
    admin: Actor
    keys: dict[str, dict[str, str]]  # the two agencies' applications' API keys
    tokens: dict[str, dict[str, str]]  # staff API tokens


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    storage().reset()
    yield
    storage().reset()


@pytest.fixture
def world(db: Session) -> World:
    unit = f.unit(db, "Cục Sở hữu trí tuệ")
    other = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia")
    dataset = f.dataset(db, f.database(db, unit, "Cơ sở dữ liệu sở hữu công nghiệp"), "Đơn đăng ký nhãn hiệu", visibility="public").dataset
    other_dataset = f.dataset(db, f.database(db, other), "Nhiệm vụ khoa học và công nghệ").dataset
    for name, title in (("so_don", "Số đơn"), ("ten_nhan_hieu", "Tên nhãn hiệu"), ("ma_tinh", "Mã tỉnh")):
        data = DataItemIn(name=name, title=title, sharing_form="default_shared")  # type: ignore[arg-type]
        items.add_item(db, actor=system_actor(), dataset_id=dataset.id, data=data)
    users = {
        "steward": f.user(db, "steward", unit, username="canbo"),
        "other_steward": f.user(db, "steward", other, username="canbokhac"),
        "leader": f.user(db, "leader", username="lanhdao"),
        "admin": f.user(db, "admin", username="quantri"),
    }
    actors = {key: actor_for(db, user) for key, user in users.items()}
    service_in = ServiceIn.model_validate(
        {"code": SERVICE, "name": "Tra cứu đơn đăng ký nhãn hiệu", "owner_unit_id": unit.id, "dataset_id": dataset.id,
         "data_items": ["so_don", "ten_nhan_hieu", "ma_tinh"], "sharing_form": "default_shared"}
    )  # fmt: skip
    service = registry.create_service(db, actor=actors["steward"], data=service_in).service
    registry.mark_ready(db, actor=actors["steward"], service_id=service.id)
    registry.publish(db, actor=actors["admin"], service_id=service.id)
    keys = {}
    for key, agency_name, app_name in (
        ("granted", "Văn phòng Chính phủ", "Cổng Dịch vụ công quốc gia"),
        ("stranger", "Bộ Công an", "Hệ thống xác minh"),
    ):
        agency = f.unit(db, agency_name, kind=OrgKind.AGENCY)
        app = consumers.register_app(db, actor=actors["admin"], organization_id=agency.id, name=app_name, description=None)
        keys[key] = {"X-API-Key": consumers.issue_credential(db, actor=actors["admin"], app_id=app.id, kind="api_key").secret}
    tokens = {key: {"Authorization": f"Bearer {auth.create_token(db, actor=actors[key], name='t')[1]}"} for key in actors}
    db.commit()
    return World(
        unit, other, dataset, other_dataset, actors["steward"], actors["other_steward"], actors["leader"], actors["admin"], keys, tokens
    )


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    with TestClient(shared_app()) as client:
        yield client


def _report(db: Session, world: World, body: str = REPORT, kind: str = "error_report") -> Feedback:
    data = FeedbackIn(
        kind=kind, body=body, author_name=AUTHOR, author_email=AUTHOR_EMAIL, form_token=antispam.issue_token(at=time.time() - 10)
    )  # type: ignore[arg-type]
    client = Client(f"203.0.113.{uuid.uuid4().int % 200}", "Firefox")
    return feedback.submit_feedback(db, actor=PUBLIC, client=client, dataset_id=world.dataset.id, data=data)


def _moderate(db: Session, world: World, item: Feedback, decision: str, note: str | None = None) -> None:
    feedback.moderate(db, actor=world.steward, feedback_id=item.id, data=ModerationIn(decision=decision, note=note))  # type: ignore[arg-type]


def _count(db: Session, *where: object) -> int:
    return db.scalar(select(func.count()).select_from(Incident).where(*where)) or 0  # type: ignore[arg-type]


def _staff(db: Session, world: World, title: str = "Tên nhãn hiệu bị cắt cụt ở 50 ký tự", dataset: Dataset | None = None) -> Incident:
    data = IncidentIn(title=title, description="Các nhãn hiệu có tên dài hơn 50 ký tự bị cắt cụt khi nạp.")
    return incidents.create_incident(db, actor=world.steward, dataset_id=(dataset or world.dataset).id, data=data)


# ---- from the public portal -------------------------------------------------------------------


def test_a_published_error_report_becomes_exactly_one_incident_and_a_rejected_one_none(db: Session, world: World) -> None:
    published, spam, comment = (
        _report(db, world),
        _report(db, world, "Bán danh sách khách hàng giá rẻ, liên hệ ngay."),
        _report(db, world, "Đề nghị bổ sung cột ngày cấp văn bằng.", "comment"),
    )
    assert _count(db) == 0  # pending: nothing yet
    _moderate(db, world, published, "publish")
    _moderate(db, world, spam, "reject", "Quảng cáo, không liên quan.")
    _moderate(db, world, comment, "publish")
    made = db.scalars(select(Incident)).one()
    assert (made.source, made.status, made.feedback_id, made.dataset_id) == ("portal", "open", published.id, world.dataset.id)
    assert made.body == REPORT and made.title == REPORT[: incidents.HEADLINE].rsplit(" ", 1)[0] + "…" and made.reporter is None
    trail = list(db.scalars(select(AuditEvent).where(AuditEvent.entity_id == made.id)))
    assert [e.action for e in trail] == ["create"] and trail[0].actor_label == "canbo"
    for text in (made.title, made.body, str(trail[0].changes)):
        assert AUTHOR not in text and AUTHOR_EMAIL not in text  # the member of the public is never named
    # Withdrawn later (rejected), the report's incident is dismissed with the reason; published again, still one incident.
    _moderate(db, world, published, "reject", "Trùng với báo lỗi trước.")
    assert (made.status, made.resolution) == ("dismissed", "Báo lỗi bị từ chối khi duyệt lại: Trùng với báo lỗi trước.")
    _moderate(db, world, published, "publish")
    assert _count(db) == 1 and incidents.from_feedback(db, actor=world.admin, feedback=published) is made
    # Two moderators publishing at once: the second insert meets the unique key and gets the first's incident, no error.
    assert incidents._from_report(db, world.admin, published) is made
    db.commit()
    assert _count(db) == 1


def test_closing_a_portal_incident_leaves_the_public_reply_to_the_moderator(db: Session, world: World) -> None:
    sent = _report(db, world)
    _moderate(db, world, sent, "publish")
    made = db.scalars(select(Incident)).one()
    incidents.change_status(db, actor=world.steward, incident_id=made.id, data=StatusIn(status="resolved", resolution=REASON))  # type: ignore[arg-type]
    assert db.get(Feedback, sent.id).reply is None  # type: ignore[union-attr]
    view = incidents.incident_view(db, actor=world.leader, incident_id=made.id)
    assert view.feedback is not None and view.feedback.id == sent.id and not view.can_change


# ---- from another agency's application ---------------------------------------------------------


def _connect(api: TestClient, world: World) -> None:
    """The Government Office's application asks for the service, shared by default: granted at once."""
    body = {"service": SERVICE, "purpose": "Tra cứu khi giải quyết thủ tục", "data_items": ["so_don"], "frequency": "daily"}
    asked = api.post("/x/connection-requests", headers=world.keys["granted"], json=body)
    assert asked.status_code == 201 and asked.json()["status"] == "approved"


def test_a_consumer_with_a_grant_reports_and_gets_201_one_without_is_refused_and_nothing_is_written(
    api: TestClient, db: Session, world: World
) -> None:
    _connect(api, world)
    body = {"title": "Mã tỉnh không hợp lệ", "description": "Bản ghi có mã tỉnh 99 không có trong danh mục.", "record_ids": [3, 17, 3]}
    refused = api.post(f"/x/{SERVICE}/incidents", json=body, headers=world.keys["stranger"])
    assert refused.status_code == 403 and refused.json()["error"]["type"] == "access_denied"
    assert api.post(f"/x/{SERVICE}/incidents", json=body).status_code == 401
    assert api.post("/x/DV.KHONGCO/incidents", json=body, headers=world.keys["granted"]).status_code == 404
    assert (
        _count(db) == 0 and db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == incidents.ENTITY)) == 0
    )
    made = api.post(f"/x/{SERVICE}/incidents", json=body, headers=world.keys["granted"])
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "open" and made.json()["service"] == SERVICE and "signature" in made.headers
    incident = db.get(Incident, uuid.UUID(made.json()["id"]))
    assert incident is not None and (incident.source, incident.dataset_id) == ("consumer", world.dataset.id)
    assert incident.reporter == "Văn phòng Chính phủ — Cổng Dịch vụ công quốc gia"
    assert incident.body.endswith(f"Dịch vụ: {SERVICE}\nBản ghi được báo lỗi (_id): 3, 17")
    event = db.scalars(select(AuditEvent).where(AuditEvent.entity_id == incident.id)).one()
    assert event.actor_label.startswith("Cổng Dịch vụ công quốc gia (app-")


def test_a_consumer_report_is_validated_with_vietnamese_messages_per_field(api: TestClient, db: Session, world: World) -> None:
    _connect(api, world)
    bad = {"title": "Lỗi", "description": "ngắn", "record_ids": [0, "x" * 65], "extra": 1}
    refused = api.post(f"/x/{SERVICE}/incidents", json=bad, headers=world.keys["granted"])
    assert refused.status_code == 422
    fields = refused.json()["error"]["fields"]
    assert fields["title"] == "Tiêu đề quá ngắn: hãy viết ít nhất 5 ký tự." and fields["description"].startswith("Hãy mô tả lỗi")
    assert fields["record_ids.0"] == fields["record_ids.1"] == "Mã bản ghi phải là số nguyên dương (cột _id) hoặc chuỗi từ 1 đến 64 ký tự."
    assert fields["extra"] == "Trường không được hỗ trợ." and refused.json()["error"]["fault"] == "caller"
    assert (
        api.post(f"/x/{SERVICE}/incidents", content=b"{", headers=world.keys["granted"] | {"content-type": "application/json"}).status_code
        == 400
    )
    assert _count(db) == 0


# ---- the staff ---------------------------------------------------------------------------------


def test_resolving_or_dismissing_requires_a_reason_and_a_closed_incident_is_reopened_first(db: Session, world: World) -> None:
    made = _staff(db, world)
    for status, reason in (("resolved", None), ("dismissed", "  "), ("resolved", "ok")):
        with pytest.raises(Invalid) as refused:
            incidents.change_status(db, actor=world.steward, incident_id=made.id, data=StatusIn(status=status, resolution=reason))  # type: ignore[arg-type]
        assert refused.value.fields["resolution"].startswith("Hãy nêu lý do đóng sự cố")
    assert made.status == "open" and made.resolved_at is None
    incidents.change_status(db, actor=world.steward, incident_id=made.id, data=StatusIn(status="investigating"))  # type: ignore[arg-type]
    incidents.change_status(db, actor=world.steward, incident_id=made.id, data=StatusIn(status="resolved", resolution=REASON))  # type: ignore[arg-type]
    assert (made.status, made.resolution, made.resolved_by_id) == ("resolved", REASON, world.steward.user_id) and made.resolved_at
    with pytest.raises(Invalid) as closed:
        incidents.change_status(db, actor=world.steward, incident_id=made.id, data=StatusIn(status="investigating"))  # type: ignore[arg-type]
    assert "mở lại" in closed.value.fields["status"]
    with pytest.raises(Invalid):
        incidents.change_status(db, actor=world.admin, incident_id=made.id, data=StatusIn(status="resolved", resolution=REASON))  # type: ignore[arg-type]
    incidents.change_status(
        db, actor=world.admin, incident_id=made.id, data=StatusIn(status="open", resolution="Lỗi tái diễn ở lần nạp sau.")
    )  # type: ignore[arg-type]
    assert (made.status, made.resolution, made.resolved_at, made.resolved_by_id) == ("open", None, None, None)


def test_a_leader_or_a_steward_of_another_unit_cannot_change_the_status_but_may_report(db: Session, world: World) -> None:
    made = _staff(db, world)
    for actor in (world.leader, world.other_steward):
        with pytest.raises(Forbidden):
            incidents.change_status(db, actor=actor, incident_id=made.id, data=StatusIn(status="investigating"))  # type: ignore[arg-type]
        assert not incidents.incident_view(db, actor=actor, incident_id=made.id).can_change
    with pytest.raises(Unauthenticated):
        incidents.change_status(db, actor=PUBLIC, incident_id=made.id, data=StatusIn(status="investigating"))  # type: ignore[arg-type]
    with pytest.raises(Unauthenticated):
        incidents.list_incidents(db, actor=PUBLIC, filters=Filters())
    assert made.status == "open"
    by_leader = incidents.create_incident(
        db,
        actor=world.leader,
        dataset_id=world.dataset.id,
        data=IncidentIn(title="Thiếu dữ liệu năm 2023", description="Không có đơn nào nộp trong năm 2023."),
    )
    assert (by_leader.source, by_leader.created_by_id) == ("staff", world.leader.user_id)
    with pytest.raises(NotFound):
        incidents.create_incident(
            db, actor=world.steward, dataset_id=uuid.uuid4(), data=IncidentIn(title="Không có", description="Bộ dữ liệu không tồn tại.")
        )
    with pytest.raises(Invalid) as short:
        parse(IncidentIn, {"title": "Lỗi", "description": ""})
    assert set(short.value.fields) == {"title", "description"}


def test_the_list_puts_open_incidents_first_filters_counts_and_pages(db: Session, world: World) -> None:
    made = [_staff(db, world, f"Sự cố số {n}") for n in range(5)] + [_staff(db, world, "Sự cố của đơn vị khác", world.other_dataset)]
    incidents.change_status(db, actor=world.steward, incident_id=made[0].id, data=StatusIn(status="resolved", resolution=REASON))  # type: ignore[arg-type]
    incidents.change_status(db, actor=world.steward, incident_id=made[1].id, data=StatusIn(status="investigating"))  # type: ignore[arg-type]
    seen, cursor = [], None
    while True:
        page = incidents.list_incidents(db, actor=world.leader, filters=Filters(), cursor=cursor, limit=2)
        seen += [entry.incident for entry in page.items]
        if not (cursor := page.next_cursor):
            break
    assert [i.status for i in seen] == ["open"] * 4 + ["investigating", "resolved"]
    assert [i.title for i in seen[:4]] == ["Sự cố của đơn vị khác", "Sự cố số 4", "Sự cố số 3", "Sự cố số 2"]  # newest first
    mine = Filters(unit_id=world.unit.id)
    assert incidents.status_counts(db, actor=world.leader, filters=mine) == {"open": 3, "investigating": 1, "resolved": 1, "dismissed": 0}
    assert [e.incident.id for e in incidents.list_incidents(db, actor=world.leader, filters=Filters(status="resolved")).items] == [
        made[0].id
    ]
    assert len(incidents.list_incidents(db, actor=world.leader, filters=Filters(dataset_id=world.other_dataset.id)).items) == 1
    assert incidents.list_incidents(db, actor=world.leader, filters=Filters(source="portal")).items == []
    for wrong in (Filters(status="closed"), Filters(source="email")):
        with pytest.raises(BadRequest):
            incidents.list_incidents(db, actor=world.leader, filters=wrong)
    with pytest.raises(BadRequest):
        incidents.list_incidents(db, actor=world.leader, filters=Filters(), cursor="không-phải-con-trỏ")


# ---- the JSON API and the pages ----------------------------------------------------------------


def test_the_api_reports_lists_shows_and_closes_with_a_reason(api: TestClient, db: Session, world: World) -> None:
    steward, leader = world.tokens["steward"], world.tokens["leader"]
    body = {"title": "Ngày nộp đơn 31/02/2024", "description": "Cột ngày nộp đơn có giá trị 31/02/2024, không tồn tại."}
    made = api.post(f"/api/v1/datasets/{world.dataset.id}/incidents", headers=leader, json=body)
    assert made.status_code == 201, made.text
    incident_id = made.json()["id"]
    assert made.json()["source"] == "staff" and made.json()["reporter"] == "Nguyễn Văn A"
    listed = api.get("/api/v1/quality/incidents", params={"status": "open"}, headers=leader).json()
    assert [i["id"] for i in listed["items"]] == [incident_id] and listed["counts"]["open"] == 1
    assert listed["items"][0]["dataset_name"] == "Đơn đăng ký nhãn hiệu" and listed["items"][0]["unit_name"] == "Cục Sở hữu trí tuệ"
    assert api.get("/api/v1/quality/incidents", params={"status": "closed"}, headers=leader).status_code == 422
    assert api.get(f"/api/v1/quality/incidents/{incident_id}").status_code == 401
    assert api.post(f"/api/v1/quality/incidents/{incident_id}/status", json={"status": "investigating"}, headers=leader).status_code == 403
    no_reason = api.post(f"/api/v1/quality/incidents/{incident_id}/status", json={"status": "dismissed"}, headers=steward)
    assert no_reason.status_code == 422 and "resolution" in no_reason.json()["error"]["fields"]
    reason = "Ngày đúng là 28/02/2024 theo hồ sơ gốc; không phải lỗi dữ liệu."
    closed = api.post(
        f"/api/v1/quality/incidents/{incident_id}/status", json={"status": "dismissed", "resolution": reason}, headers=steward
    )
    assert closed.status_code == 200 and closed.json()["status"] == "dismissed" and closed.json()["resolved_at"]
    shown = api.get(f"/api/v1/quality/incidents/{incident_id}", headers=leader).json()
    assert shown["status"] == "dismissed" and shown["resolution"].startswith("Ngày đúng là")
    history = api.get(f"/api/v1/audit/quality_incident/{incident_id}", headers=leader).json()
    assert [e["action"] for e in history] == ["update", "create"]


def test_the_pages_show_the_status_history_and_the_reason_error_at_its_field(api: TestClient, db: Session, world: World) -> None:
    made = _staff(db, world)
    db.commit()
    login(api, "canbo", f.PASSWORD)
    url = f"/quality/incidents/{made.id}"
    assert post(api, f"{url}/status", {"status": "investigating"}).status_code == 303
    refused = post(api, f"{url}/status", {"status": "resolved", "resolution": ""})
    assert refused.status_code == 422 and 'id="f-resolution-error"' in refused.text and "Hãy nêu lý do đóng sự cố" in refused.text
    assert (
        api.post(f"{url}/status", data={"status": "resolved", "resolution": REASON}, follow_redirects=False).status_code == 403
    )  # no CSRF token
    done = post(api, f"{url}/status", {"status": "resolved", "resolution": REASON})
    assert done.status_code == 303 and done.headers["location"] == f"{url}?done=saved"
    page = api.get(url).text
    history = page.split('id="history-title"', 1)[1]
    assert "Đang xử lý" in history and "Đã khắc phục" in history and REASON in history and "Mới" in history
    assert "Mở lại" in page  # the way back
    listed = api.get("/quality/incidents", params={"status": "resolved"}).text
    assert made.title in listed and "Đơn đăng ký nhãn hiệu" in listed
    form = api.get(f"/datasets/{world.dataset.id}/incidents/new")
    assert form.status_code == 200 and "Báo sự cố chất lượng dữ liệu" in form.text
    short = post(api, f"/datasets/{world.dataset.id}/incidents/new", {"title": "Lỗi", "description": "Cột mã tỉnh sai ở nhiều dòng."})
    assert short.status_code == 422 and 'id="f-title-error"' in short.text and "Cột mã tỉnh sai ở nhiều dòng." in short.text
    sent = post(
        api, f"/datasets/{world.dataset.id}/incidents/new", {"title": "Mã tỉnh sai", "description": "Cột mã tỉnh sai ở nhiều dòng."}
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith("/quality/incidents/")
    assert _count(db, Incident.title == "Mã tỉnh sai") == 1


def test_the_demo_examples_cover_each_source_and_status_through_the_services_and_load_once(db: Session) -> None:
    load_demo(db, password="mat-khau-demo-dai")  # the demo loader loads them
    assert demo_incidents.load_examples(db) == (0, 5)
    found = {(i.source, i.status) for i in db.scalars(select(Incident))}
    expected = {("portal", "resolved"), ("consumer", "open"), ("staff", "investigating"), ("staff", "dismissed"), ("staff", "resolved")}
    assert expected <= found
    portal = db.scalars(select(Incident).where(Incident.source == "portal")).one()
    assert portal.reporter is None and portal.resolution
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == incidents.ENTITY)) >= 5 + 5
