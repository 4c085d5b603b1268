"""Example feedback for the demo ministry, sent, moderated, answered and voted through the real services.

`load_examples(session)` is meant to run after the demo ministry is loaded (`ketnoi.demo.loader`):
it comments on the first public datasets, asks for new data (one request addressed to the unit
with agency code CUC_SHTT when it exists), and dates everything inside the last completed
half-year, so the synthesis page has figures at once. Present when an item with the same text
exists: a second run adds nothing.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC
from ketnoi.catalog.models import Dataset
from ketnoi.catalog.models import Visibility as DatasetVisibility
from ketnoi.feedback import antispam, service
from ketnoi.feedback.antispam import Client
from ketnoi.feedback.models import Feedback
from ketnoi.feedback.schemas import FeedbackIn, ModerationIn, ReplyIn, RequestIn
from ketnoi.feedback.synthesis import Period
from ketnoi.identity import system_actor
from ketnoi.kit.vn import nfc
from ketnoi.org.models import Organization

CUC_SHTT = "000.00.08.G06"  # Cục Sở hữu trí tuệ in the demo ministry


@dataclass(frozen=True)
class Example:
    body: str
    status: str = "published"  # pending | published | rejected
    kind: str = "dataset_request"  # or comment | error_report (on the n-th public dataset)
    title: str | None = None
    dataset: int = 0
    to_unit: bool = False
    votes: int = 0
    reply: str | None = None
    author: str | None = None


EXAMPLES = (
    Example(
        "Đề nghị bổ sung mô tả các trường dữ liệu và đơn vị tính của từng cột.",
        kind="comment",
        author="Nguyễn Minh Anh",
        reply="Cảm ơn bạn; từ điển dữ liệu đã được bổ sung cho tất cả các cột.",
    ),
    Example("Một số dòng có mã tỉnh 99, không có trong danh mục đơn vị hành chính.", kind="error_report", dataset=1, reply="Đã sửa."),
    Example("Tệp CSV thiếu dòng tiêu đề ở lần cập nhật gần nhất.", kind="error_report", status="pending"),
    Example(
        "Phục vụ nghiên cứu phân bố tiềm lực khoa học và công nghệ giữa các địa phương.",
        title="Danh sách tổ chức khoa học và công nghệ theo tỉnh, thành phố",
        votes=12,
        author="Trần Thu Hà",
    ),
    Example(
        "Doanh nghiệp khởi nghiệp cần số liệu để đánh giá xu hướng đổi mới sáng tạo.",
        title="Số lượng đơn đăng ký sáng chế theo lĩnh vực kỹ thuật và năm",
        to_unit=True,
        votes=7,
        reply="Cục sẽ công bố số liệu thống kê đơn đăng ký sáng chế theo năm từ quý tới.",
    ),
    Example(
        "Để các viện, trường tránh trùng lặp khi đề xuất nhiệm vụ mới.",
        title="Danh mục nhiệm vụ khoa học và công nghệ cấp quốc gia đang thực hiện",
        votes=4,
    ),
    Example(
        "Cần cho luận văn thạc sĩ về phát triển vùng.",
        title="Tổ chức khoa học và công nghệ được cấp giấy chứng nhận theo tỉnh",
        status="pending",
    ),
    Example("Bán danh sách khách hàng giá rẻ, liên hệ ngay.", title="Mua bán dữ liệu khách hàng", status="rejected"),
)


def load_examples(session: Session, *, now: datetime | None = None) -> tuple[int, int]:
    """Create the examples that are missing; (created, already present)."""
    datasets = list(session.scalars(select(Dataset).where(Dataset.visibility == DatasetVisibility.PUBLIC).order_by(Dataset.name).limit(2)))
    unit = session.scalar(select(Organization).where(Organization.agency_code == CUC_SHTT))
    period = Period.last_completed(now)
    created = present = 0
    for number, example in enumerate(EXAMPLES, 1):
        if example.kind != "dataset_request" and len(datasets) <= example.dataset:
            continue
        if session.scalar(select(Feedback.id).where(Feedback.body == nfc(example.body)).limit(1)) is not None:
            present += 1
            continue
        item = _send(session, example, number, datasets, unit)
        _settle(session, item, example, number)
        item.created_at = period.start + timedelta(days=9 * number, hours=number)
        if item.replied_at is not None:
            item.replied_at = item.created_at + timedelta(days=number % 4 + 1)
        created += 1
    session.flush()
    return created, present


def _send(session: Session, example: Example, number: int, datasets: list[Dataset], unit: Organization | None) -> Feedback:
    # A sender of its own each time: the rate limits count a real visitor's posts, and a test process
    # that loads the demo many times must not run into them.
    client = Client(f"demo-{uuid.uuid4()}", "ketnoi-demo")
    guard = {"form_token": antispam.issue_token(at=time.time() - 60), "author_name": example.author}
    if example.kind == "dataset_request":
        data = RequestIn(
            title=example.title or "", body=example.body, organization_id=unit.id if unit and example.to_unit else None, **guard
        )
        return service.submit_request(session, actor=PUBLIC, client=client, data=data)
    comment = FeedbackIn(kind=example.kind, body=example.body, **guard)
    return service.submit_feedback(session, actor=PUBLIC, client=client, dataset_id=datasets[example.dataset].id, data=comment)


def _settle(session: Session, item: Feedback, example: Example, number: int) -> None:
    admin = system_actor()
    if example.status != "pending":
        decision = "publish" if example.status == "published" else "reject"
        note = None if decision == "publish" else "Quảng cáo, không liên quan đến dữ liệu mở."
        service.moderate(session, actor=admin, feedback_id=item.id, data=ModerationIn(decision=decision, note=note))
    if example.reply:
        service.reply(session, actor=admin, feedback_id=item.id, data=ReplyIn(reply=example.reply))
    for voter in range(example.votes):
        service.vote(session, actor=PUBLIC, client=Client(f"demo-{uuid.uuid4()}", f"voter-{voter}"), feedback_id=item.id)
