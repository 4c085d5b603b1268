"""Example quality incidents for the demo ministry, reported and handled through the real services.

`load_examples(session)` runs after the demo's feedback, connections and quality rules are loaded
(`ketnoi.demo.loader`): the public's published error report (feedback.demo) already opened its
incident, which the standards committee's steward resolves; the Government Office's portal reports
an error through the gateway (its grant on DV.KHCN.NHIEMVU, by policy); civil servants of other
units report three problems of the National Agency's registers, one taken up, one resolved, one
dismissed. Present when an incident with the same title exists on the dataset: a second run adds
nothing. A rule incident appears only if a critical rule of quality.demo fails on the sample files.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.authz import Actor
from ketnoi.catalog.models import Dataset
from ketnoi.feedback.models import Feedback
from ketnoi.identity import actor_for, system_actor
from ketnoi.kit.vn import nfc
from ketnoi.quality import incidents
from ketnoi.quality.incidents import ConsumerReportIn, IncidentIn, StatusIn
from ketnoi.quality.models import Incident, IncidentStatus
from ketnoi.sharing.consumers import Consumer, ConsumerApp, ConsumerCredential

TASKS = "Nhiệm vụ khoa học và công nghệ đang tiến hành"
RESULTS = "Kết quả thực hiện nhiệm vụ khoa học và công nghệ"
ORGANIZATIONS = "Tổ chức khoa học và công nghệ"
PORTAL_REPORT = "Một số dòng có mã tỉnh 99, không có trong danh mục đơn vị hành chính."  # feedback.demo's published error report
CONSUMER_APP = "Cổng Dịch vụ công quốc gia"
SERVICE = "DV.KHCN.NHIEMVU"


@dataclass(frozen=True)
class Example:
    dataset: str
    title: str
    description: str
    reporter: str  # the demo account that reports it
    status: str = IncidentStatus.OPEN
    reason: str | None = None  # of the last move (required to resolve or dismiss)


STAFF = (
    Example(
        ORGANIZATIONS,
        "Thiếu tổ chức chủ trì của nhiệm vụ đang tiến hành",
        "Sáu trong tám tổ chức chủ trì ở danh mục nhiệm vụ đang tiến hành (ví dụ Viện Hàn lâm Khoa học và Công nghệ Việt Nam, "
        "Trung tâm Công nghệ thông tin) không có trong danh mục tổ chức khoa học và công nghệ, nên không tra cứu chéo được.",
        reporter="ttcntt",
        status=IncidentStatus.INVESTIGATING,
        reason="Đang đối chiếu với hồ sơ cấp giấy chứng nhận đăng ký hoạt động của các tổ chức.",
    ),
    Example(
        TASKS,
        "Kinh phí có phần thập phân ở nhiệm vụ ĐTĐL.CN-02/21",
        "Cột kinh phí từ ngân sách nhà nước của nhiệm vụ ĐTĐL.CN-02/21 là 6250.5, các nhiệm vụ khác là số nguyên. "
        "Đề nghị kiểm tra lại đơn vị tính (triệu đồng hay nghìn đồng).",
        reporter="vukhtc",
        status=IncidentStatus.DISMISSED,
        reason="Không phải lỗi: kinh phí tính bằng triệu đồng; 6.250,5 triệu đồng đúng như quyết định phê duyệt nhiệm vụ.",
    ),
    Example(
        RESULTS,
        "Lĩnh vực nghiên cứu không theo bảng phân loại",
        "Cột lĩnh vực nghiên cứu chỉ ghi tên lĩnh vực cấp 1 (ví dụ «Khoa học y, dược»), không có mã theo Bảng phân loại "
        "lĩnh vực nghiên cứu khoa học và công nghệ, nên không thống kê được theo lĩnh vực cấp 2.",
        reporter="cucthongtin",
        status=IncidentStatus.RESOLVED,
        reason="Đã bổ sung cột mã lĩnh vực cấp 2 ở bảng tính nguồn; có trong lần cập nhật tháng tới.",
    ),
)
CONSUMER = ConsumerReportIn(
    title="Tỉnh Thừa Thiên Huế đã thành thành phố Huế",
    description="Từ ngày 01/01/2025 tỉnh Thừa Thiên Huế trở thành thành phố Huế trực thuộc trung ương; bản ghi vẫn ghi tên cũ "
    "nên Cổng Dịch vụ công quốc gia hiển thị sai địa bàn khi người dân tra cứu nhiệm vụ.",
    record_ids=[7],
)
PORTAL_REASON = "Đã sửa mã tỉnh theo danh mục đơn vị hành chính; người báo lỗi đã được trả lời trên cổng dữ liệu mở."


def load_examples(session: Session) -> tuple[int, int]:
    """Create or move the examples that are missing; (created, already present)."""
    created = present = 0
    for done in (_portal(session), _consumer(session), *(_staff(session, example) for example in STAFF)):
        if done is None:
            continue
        created, present = (created + 1, present) if done else (created, present + 1)
    session.flush()
    return created, present


def _dataset(session: Session, name: str) -> Dataset | None:
    return session.scalar(select(Dataset).where(Dataset.name == nfc(name)).limit(1))


def _existing(session: Session, dataset: Dataset, title: str) -> bool:
    return session.scalar(select(Incident.id).where(Incident.dataset_id == dataset.id, Incident.title == nfc(title)).limit(1)) is not None


def _account(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    return actor_for(session, user) if user else system_actor()


def _steward_of(session: Session, dataset: Dataset) -> Actor:
    """A steward of the dataset's unit (the demo has one per unit), else the platform."""
    stewards = select(User).where(User.role == "steward", User.unit_id == dataset.owner_unit_id).order_by(User.username)
    user = session.scalar(stewards.limit(1))
    return actor_for(session, user) if user else system_actor()


def _move(session: Session, incident_id: uuid.UUID, actor: Actor, status: str, reason: str | None) -> None:
    data = StatusIn(status=IncidentStatus(status), resolution=reason)
    incidents.change_status(session, actor=actor, incident_id=incident_id, data=data)


def _staff(session: Session, example: Example) -> bool | None:
    dataset = _dataset(session, example.dataset)
    if dataset is None:
        return None
    if _existing(session, dataset, example.title):
        return False
    data = IncidentIn(title=example.title, description=example.description)
    made = incidents.create_incident(session, actor=_account(session, example.reporter), dataset_id=dataset.id, data=data)
    if example.status != IncidentStatus.OPEN:
        _move(session, made.id, _steward_of(session, dataset), example.status, example.reason)
    return True


def _portal(session: Session) -> bool | None:
    """The incident of feedback.demo's published error report: resolved, as the unit's public reply says."""
    found = session.scalar(select(Incident).join(Feedback, Feedback.id == Incident.feedback_id).where(Feedback.body == nfc(PORTAL_REPORT)))
    if found is None:
        return None
    if found.status != IncidentStatus.OPEN:
        return False
    steward = _steward_of(session, session.get_one(Dataset, found.dataset_id))
    _move(session, found.id, steward, IncidentStatus.INVESTIGATING, None)
    _move(session, found.id, steward, IncidentStatus.RESOLVED, PORTAL_REASON)
    return True


def _consumer(session: Session) -> bool | None:
    """The Government Office's portal reports through the gateway's service, as its application would."""
    dataset = _dataset(session, TASKS)
    app = session.scalar(select(ConsumerApp).where(ConsumerApp.name == nfc(CONSUMER_APP)))
    credential = session.scalar(select(ConsumerCredential).where(ConsumerCredential.app_id == app.id).limit(1)) if app else None
    if dataset is None or app is None or credential is None:
        return None
    if _existing(session, dataset, CONSUMER.title):
        return False
    incidents.report_by_consumer(session, consumer=Consumer(app, credential), service_code=SERVICE, data=CONSUMER)
    return True
