"""Feedback's pages through the in-process client: the public's forms with their traps, the staff's
moderation queue, the public list with votes, and the synthesis files."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ketnoi.feedback import antispam
from ketnoi.feedback.models import Feedback
from tests import factories as f
from tests.apps import shared_app
from tests.feedback.conftest import AUTHOR_EMAIL, World
from tests.web.conftest import login, post

TITLE = "Danh sách tổ chức khoa học và công nghệ theo tỉnh"


@pytest.fixture
def web(engine: Engine) -> Iterator[TestClient]:
    with TestClient(shared_app()) as client:
        yield client


@pytest.fixture
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(antispam, "MIN_FORM_SECONDS", 0.0)


def _form(page: str) -> dict[str, str]:
    """The hidden fields a browser would send back: the signed time the form was drawn, the empty honeypot."""
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token is not None and 'name="website"' in page
    return {"form_token": token[1], "website": ""}


def _request(web: TestClient, world: World, **changes: str) -> object:
    drawn = _form(web.get("/open/requests/new").text)
    data = {"title": TITLE, "body": "Để xây dựng bản đồ năng lực nghiên cứu.", "organization_id": str(world.unit.id)}
    data |= {"author_email": AUTHOR_EMAIL, **drawn, **changes}
    return post(web, "/open/requests/new", data)


def test_a_request_sent_at_once_is_refused_then_accepted_moderated_shown_and_voted(
    web: TestClient, world: World, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    too_fast = _request(web, world)
    assert too_fast.status_code == 422 and "Gửi quá nhanh" in too_fast.text and TITLE in too_fast.text  # typed text kept
    monkeypatch.setattr(antispam, "MIN_FORM_SECONDS", 0.0)
    sent = _request(web, world)
    assert sent.status_code == 303 and sent.headers["location"] == "/open/requests?done=request"
    thanks = web.get(sent.headers["location"]).text
    assert "sẽ hiển thị sau khi được duyệt" in thanks and TITLE not in thanks
    item = db.scalars(select(Feedback)).one()

    assert post(web, f"/feedback/{item.id}/moderate", {"decision": "publish"}).status_code == 401  # no account
    login(web, "canbokhac", f.PASSWORD)
    assert TITLE not in web.get("/feedback").text
    assert post(web, f"/feedback/{item.id}/moderate", {"decision": "publish"}).status_code == 403
    web.cookies.clear()
    login(web, "canbo", f.PASSWORD)
    queue = web.get("/feedback").text
    assert TITLE in queue and AUTHOR_EMAIL in queue  # the moderators see the address, nobody else
    refused = post(web, f"/feedback/{item.id}/moderate?status=pending", {"decision": "reject", "note": ""})
    assert refused.status_code == 422 and "Bắt buộc khi từ chối." in refused.text
    done = post(web, f"/feedback/{item.id}/moderate?status=pending", {"decision": "publish"})
    assert done.status_code == 303 and done.headers["location"] == f"/feedback?status=pending&done=saved#fb-{item.id}"
    assert post(web, f"/feedback/{item.id}/reply", {"reply": "Trung tâm sẽ công bố trong quý III."}).status_code == 303

    web.cookies.clear()
    public = web.get("/open/requests").text
    assert TITLE in public and "Trung tâm sẽ công bố trong quý III." in public and AUTHOR_EMAIL not in public
    assert "0 bình chọn" in public
    voted = post(web, f"/open/requests/{item.id}/vote")
    assert voted.status_code == 303
    after = web.get(voted.headers["location"]).text
    assert "1 bình chọn" in after and "Bạn đã bình chọn" in after
    again = post(web, f"/open/requests/{item.id}/vote")
    assert again.status_code == 409 and "mỗi người chỉ bình chọn một lần" in again.text


def test_a_dataset_comment_is_refused_for_its_traps_then_thanked(web: TestClient, world: World, db: Session, no_wait: None) -> None:
    url = f"/open/datasets/{world.dataset.slug}/feedback"
    token = antispam.issue_token()
    data = {"kind": "error_report", "body": "Dòng 12 có mã tỉnh 99, không có trong danh mục.", "form_token": token}
    robot = post(web, url, data | {"website": "http://ban-hang.example"})
    assert robot.status_code == 422 and "Ô này phải để trống." in robot.text and "Đơn đăng ký nhãn hiệu" in robot.text
    spam = post(web, url, data | {"body": "Xem http://a.example http://b.example http://c.example http://d.example"})
    assert spam.status_code == 422 and "quá nhiều liên kết" in spam.text
    sent = post(web, url, data)
    assert sent.status_code == 303 and sent.headers["location"] == f"/open/datasets/{world.dataset.slug}?done=feedback#gop-y"
    assert post(web, f"/open/datasets/{world.internal.slug}/feedback", data).status_code == 404
    item = db.scalars(select(Feedback)).one()
    assert (item.kind, item.status, item.organization_id) == ("error_report", "pending", world.unit.id)


def test_the_dataset_panel_shows_published_feedback_with_its_reply(web: TestClient, world: World, db: Session, no_wait: None) -> None:
    url = f"/open/datasets/{world.dataset.slug}/feedback"
    data = {"kind": "comment", "body": "Nên có thêm cột ngày cấp văn bằng.", "form_token": antispam.issue_token(), "author_name": "Hà"}
    assert post(web, url, data).status_code == 303
    item = db.scalars(select(Feedback)).one()
    login(web, "canbo", f.PASSWORD)
    post(web, f"/feedback/{item.id}/moderate", {"decision": "publish"})
    post(web, f"/feedback/{item.id}/reply", {"reply": "Cột này sẽ có từ tháng sau."})
    web.cookies.clear()
    shown = post(web, url, {"kind": "comment", "body": "ngắn", "form_token": antispam.issue_token()})
    assert shown.status_code == 422 and "Nội dung quá ngắn" in shown.text
    panel = shown.text.split('id="gop-y"', 1)[1]
    assert "Nên có thêm cột ngày cấp văn bằng." in panel and "Cột này sẽ có từ tháng sau." in panel
    assert "Trả lời của Cục Sở hữu trí tuệ" in panel and "Hà" in panel


def test_the_sixth_request_in_ten_minutes_is_refused_with_a_message(web: TestClient, world: World, no_wait: None) -> None:
    for n in range(5):
        assert _request(web, world, title=f"{TITLE} số {n}").status_code == 303
    refused = _request(web, world)
    assert refused.status_code == 429 and "Số lần gửi" in refused.text and "tối đa 5 ý kiến trong 10 phút" in refused.text


def test_the_queue_and_the_synthesis_are_for_the_staff(web: TestClient, world: World) -> None:
    assert web.get("/feedback", follow_redirects=False).headers["location"].startswith("/login")
    assert web.get("/feedback/synthesis?period=2026-H1", follow_redirects=False).status_code == 303
    login(web, "canbo", f.PASSWORD)
    page = web.get("/feedback/synthesis?period=2026-H1")
    assert page.status_code == 200 and "6 tháng đầu năm 2026" in page.text
    assert web.get("/feedback/synthesis?period=2026-H7").status_code == 422
    docx = web.get("/feedback/synthesis.docx?period=2026-H1")
    assert docx.headers["content-disposition"] == 'attachment; filename="tong-hop-y-kien-du-lieu-mo-2026-H1.docx"'
    assert any("DỮ LIỆU MỞ" in p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    xlsx = web.get("/feedback/synthesis.xlsx?period=2026-H1")
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == "Tổng hợp"
    assert web.get("/feedback?status=khac").status_code == 400
