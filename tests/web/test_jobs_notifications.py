"""The jobs page and the notifications page, through the browser's eyes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.identity import actor_for, system_actor
from ketnoi.jobs.models import Job, JobStatus
from ketnoi.kit.clock import new_id, utcnow
from ketnoi.notify import service as notify
from ketnoi.notify.models import Notification
from ketnoi.notify.tasks import SEND_EMAIL
from tests import factories as f
from tests.web.conftest import login, post

NEW_FOCAL_POINT = "Phạm Thị Dung"


@dataclass
class World:
    unit_id: uuid.UUID
    steward_id: uuid.UUID
    admin_id: uuid.UUID
    steward_token: str


@pytest.fixture
def world(db: Session) -> World:
    unit = f.unit(db, "Trung tâm Công nghệ thông tin")
    steward = f.user(db, "steward", unit, username="canbo_a")
    f.user(db, "steward", f.unit(db, "Vụ Pháp chế"), username="canbo_b")
    admin = f.user(db, "admin", None, username="quantri")
    _, secret = auth.create_token(db, actor=actor_for(db, steward), name="kiểm thử")
    db.commit()
    return World(unit.id, steward.id, admin.id, secret)


def _appoint(client: TestClient, world: World) -> None:
    """The steward appoints a focal point through the JSON API: the admin is notified, by e-mail too (a job)."""
    response = client.post(
        f"/api/v1/organizations/{world.unit_id}/focal-points",
        json={"full_name": NEW_FOCAL_POINT, "started_on": "2026-01-05"},
        headers={"Authorization": f"Bearer {world.steward_token}"},
    )
    assert response.status_code == 201, response.text


def _the_job(db: Session) -> Job:
    db.expire_all()
    jobs = list(db.scalars(select(Job)))
    assert len(jobs) == 1
    return jobs[0]


def _notifications(db: Session, user_id: uuid.UUID) -> list[Notification]:
    db.expire_all()
    return list(db.scalars(select(Notification).where(Notification.user_id == user_id)))


def test_a_steward_follows_their_own_job_and_nobody_else_sees_it(client: TestClient, db: Session, world: World) -> None:
    _appoint(client, world)
    job = _the_job(db)
    assert job.kind == SEND_EMAIL and job.created_by_id == world.steward_id and job.status == JobStatus.SUCCEEDED

    login(client, "canbo_a", f.PASSWORD)
    page = client.get("/jobs")
    assert page.status_code == 200
    assert 'href="/jobs" aria-current="page">Công việc</a>' in page.text
    assert f'href="/jobs/{job.id}">Gửi thư thông báo</a>' in page.text
    assert "Hoàn thành" in page.text and "Đã gửi e-mail." in page.text
    assert '<progress value="1" max="1"' in page.text

    detail = client.get(f"/jobs/{job.id}")
    assert detail.status_code == 200
    assert "Gửi thư thông báo" in detail.text and "Hoàn thành" in detail.text and "Đã gửi e-mail." in detail.text
    assert "hx-trigger" not in detail.text  # finished: nothing to poll

    other = TestClient(client.app)
    login(other, "canbo_b", f.PASSWORD)
    assert other.get(f"/jobs/{job.id}").status_code == 404
    assert other.get(f"/jobs/{job.id}/status").status_code == 404
    assert str(job.id) not in other.get("/jobs").text and "Chưa có công việc nào." in other.get("/jobs").text

    admin = TestClient(client.app)
    login(admin, "quantri", f.PASSWORD)
    assert f"/jobs/{job.id}" in admin.get("/jobs").text  # administrators see every job


def test_a_running_job_polls_its_status_block_until_it_has_finished(client: TestClient, db: Session, world: World) -> None:
    job = Job(
        id=new_id(),
        kind="import.csv_rows",
        status=JobStatus.RUNNING,
        params={},
        progress=3,
        total=10,
        message="Đang xử lý dở.",
        created_by_id=world.steward_id,
        created_at=utcnow(),
        started_at=utcnow(),
    )
    db.add(job)
    db.commit()
    login(client, "canbo_a", f.PASSWORD)

    detail = client.get(f"/jobs/{job.id}")
    assert detail.status_code == 200
    assert "<code>import.csv_rows</code>" in detail.text  # an unknown kind is shown as it is
    block = re.search(r'<div id="job-status"[^>]*>', detail.text)
    assert block is not None
    assert f'hx-get="/jobs/{job.id}/status"' in block.group(0) and 'hx-trigger="every 2s"' in block.group(0)
    assert "Đang chạy" in detail.text and '<progress value="3" max="10"' in detail.text

    partial = client.get(f"/jobs/{job.id}/status", headers={"HX-Request": "true", "HX-Target": "job-status"})
    assert partial.status_code == 200 and "<html" not in partial.text and 'hx-trigger="every 2s"' in partial.text

    job.status, job.progress, job.finished_at = JobStatus.FAILED, 4, utcnow()
    job.error = "RuntimeError: hỏng ở dòng 4"
    db.commit()
    finished = client.get(f"/jobs/{job.id}/status", headers={"HX-Request": "true", "HX-Target": "job-status"})
    assert finished.status_code == 200
    assert "hx-trigger" not in finished.text and "hx-get" not in finished.text  # the swap ends the polling
    assert "Lỗi" in finished.text and "RuntimeError: hỏng ở dòng 4" in finished.text


def test_anonymous_visitors_are_sent_to_the_login_page(client: TestClient, db: Session, world: World) -> None:
    for url in ("/jobs", "/notifications"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    assert "Công việc" not in client.get("/").text


def test_the_focal_point_notification_shows_with_its_badge_and_is_marked_read(client: TestClient, db: Session, world: World) -> None:
    _appoint(client, world)
    [notification] = _notifications(db, world.admin_id)
    login(client, "quantri", f.PASSWORD)

    page = client.get("/notifications")
    assert page.status_code == 200
    assert re.search(r'href="/notifications" aria-current="page">Thông báo <span class="nav-count">\(1<', page.text)
    assert f'id="n-{notification.id}" class="notification notification-unread"' in page.text
    assert f"cử đầu mối mới: {NEW_FOCAL_POINT}" in page.text
    assert f'href="/organizations/{world.unit_id}"' in page.text
    assert f'action="/notifications/{notification.id}/read"' in page.text and "Đánh dấu tất cả đã đọc" in page.text
    assert 'class="nav-count">(1' in client.get("/").text  # the badge is in the layout of every page

    # Without the CSRF token the POST is refused and changes nothing.
    refused = client.post(f"/notifications/{notification.id}/read", follow_redirects=False)
    assert refused.status_code == 403
    refused_all = client.post("/notifications/read-all", data={"csrf_token": "khong-dung"}, follow_redirects=False)
    assert refused_all.status_code == 403
    assert _notifications(db, world.admin_id)[0].read_at is None

    done = post(client, f"/notifications/{notification.id}/read")
    assert done.status_code == 303 and done.headers["location"] == f"/notifications#n-{notification.id}"
    assert _notifications(db, world.admin_id)[0].read_at is not None
    after = client.get("/notifications").text
    assert "nav-count" not in after and "notification-unread" not in after and "Đã đọc lúc" in after
    assert "Đánh dấu tất cả đã đọc" not in after


def test_mark_all_read_and_someone_elses_notification_is_not_found(client: TestClient, db: Session, world: World) -> None:
    for n in range(3):
        notify.notify(db, actor=system_actor(), user_ids=[world.admin_id], subject=f"Thông báo số {n}", body="Nội dung.")
    db.commit()
    [first, *_] = _notifications(db, world.admin_id)

    login(client, "canbo_b", f.PASSWORD)
    assert post(client, f"/notifications/{first.id}/read").status_code == 404
    assert "Bạn chưa có thông báo nào." in client.get("/notifications").text

    admin = TestClient(client.app)
    login(admin, "quantri", f.PASSWORD)
    assert 'class="nav-count">(3' in admin.get("/jobs").text
    # Error pages are drawn after the request's transaction was closed: the count still shows.
    for missing in (admin.get(f"/jobs/{f.any_id()}"), admin.get("/khong-co-trang-nay")):
        assert missing.status_code == 404 and 'class="nav-count">(3' in missing.text
    assert post(admin, "/notifications/read-all").status_code == 303
    assert all(n.read_at is not None for n in _notifications(db, world.admin_id))
    assert "nav-count" not in admin.get("/notifications").text


def test_the_jobs_page_in_english(client: TestClient, db: Session, world: World) -> None:
    _appoint(client, world)
    login(client, "canbo_a", f.PASSWORD)
    page = client.get("/jobs?lang=en")
    assert page.status_code == 200 and 'lang="en"' in page.text
    for text in ("Background jobs", "Send notification e-mail", "Succeeded", "E-mail sent.", "Job kind", "Progress", ">Jobs</a>"):
        assert text in page.text, text
    assert ">Notifications</a>" in page.text
    assert "Gửi thư thông báo" not in page.text and "Hoàn thành" not in page.text
    job = _the_job(db)
    assert "Job status" in client.get(f"/jobs/{job.id}").text  # the language is remembered
    assert "Job not found." in client.get(f"/jobs/{f.any_id()}").text
