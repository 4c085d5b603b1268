"""Pushing to the national portal: signed and digested, once per change, retried, recorded; nothing without a target."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.db import unit_of_work
from ketnoi.jobs import queue
from ketnoi.jobs.models import Job
from ketnoi.kit import secretbox
from ketnoi.kit.clock import utcnow
from ketnoi.national import demo, export, push, tasks
from ketnoi.national.models import NationalPush, PushStatus, PushTrigger
from ketnoi.settings import get_settings
from ketnoi.sharing import registry
from tests.national.conftest import TOKEN, Portal, Setting, published


def _pushes(db: Session) -> list[NationalPush]:
    return list(db.scalars(select(NationalPush).order_by(NationalPush.at, NationalPush.attempts)))


def test_a_change_is_pushed_signed_with_the_nodes_key_and_the_digest(db: Session, setting: Setting, portal: Portal) -> None:
    published(db, setting)
    record = tasks.run_due(db)
    db.commit()
    assert record is not None and (record.status, record.http_status, record.attempts) == ("ok", 202, 1)
    [sent] = portal.received
    assert portal.verify(sent)  # RFC 9421 by the node's key, and the body matches its Content-Digest
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["ketnoi-delivery"] == str(record.id)
    body = sent.json()
    assert (body["schema"], body["fingerprint"]) == ("ketnoi/national-push/1", record.fingerprint)
    assert [s["code"] for s in body["services"]["services"]] == ["DV.KHCN.NHIEMVU"]
    assert "dcat:DataService" in body["dcat_turtle"]
    assert record.fingerprint == export.bundle(db).fingerprint


def test_an_altered_body_does_not_verify(db: Session, setting: Setting, portal: Portal) -> None:
    published(db, setting)
    tasks.run_due(db)
    [sent] = portal.received
    sent.body = sent.body.replace(b"DV.KHCN.NHIEMVU", b"DV.KHCN.GIA-MAO")
    with pytest.raises(Exception, match=r"(?i)digest"):
        portal.verify(sent)


def test_an_unchanged_catalog_is_not_pushed_again_until_it_changes(db: Session, setting: Setting, portal: Portal) -> None:
    published(db, setting)
    now = utcnow()
    tasks.run_due(db, now)
    assert tasks.run_due(db, now + timedelta(minutes=1)) is None
    assert tasks.run_due(db, now + timedelta(minutes=2)) is None
    assert len(portal.received) == 1 and len(_pushes(db)) == 1  # the tick records no "unchanged" row each minute
    manual = push.push(db, trigger=PushTrigger.MANUAL, now=now + timedelta(minutes=3))
    assert manual is not None and (manual.status, manual.attempts) == (PushStatus.UNCHANGED, 0)
    assert len(portal.received) == 1
    forced = push.push(db, trigger=PushTrigger.CLI, force=True, now=now + timedelta(minutes=4))
    assert forced is not None and forced.status == PushStatus.OK and len(portal.received) == 2
    published(db, setting, code="DV.KHCN.HAI", name="Dịch vụ thứ hai")
    again = tasks.run_due(db, now + timedelta(minutes=5))
    assert again is not None and again.status == PushStatus.OK and len(portal.received) == 3


def test_a_portal_error_is_retried_then_recorded_failed_and_the_next_tick_tries_again(
    db: Session, setting: Setting, portal: Portal
) -> None:
    published(db, setting)
    portal.status = 500
    now = utcnow()
    failed = tasks.run_due(db, now)
    assert failed is not None
    assert (failed.status, failed.http_status, failed.attempts) == ("failed", 500, push.ATTEMPTS)
    assert failed.error == "Cổng dữ liệu quốc gia trả lời HTTP 500."
    assert len(portal.received) == push.ATTEMPTS
    assert tasks.run_due(db, now + timedelta(seconds=30)) is None  # waiting after the failure
    assert len(portal.received) == push.ATTEMPTS
    portal.script, portal.status = [503], 202  # down once more, then up: taken at the second attempt
    retried = tasks.run_due(db, now + tasks.RETRY_AFTER[0])
    assert retried is not None and (retried.status, retried.http_status, retried.attempts) == ("ok", 202, 2)
    assert retried.fingerprint == failed.fingerprint


def test_the_wait_grows_with_consecutive_failures(db: Session, setting: Setting, portal: Portal) -> None:
    published(db, setting)
    portal.status = 502
    now = utcnow()
    tasks.run_due(db, now)
    now += tasks.RETRY_AFTER[0]
    assert tasks.run_due(db, now) is not None  # second failure
    assert tasks.run_due(db, now + tasks.RETRY_AFTER[0]) is None  # now 5 minutes, not 1
    assert tasks.run_due(db, now + tasks.RETRY_AFTER[1]) is not None
    assert [p.status for p in _pushes(db)] == ["failed"] * 3


def test_a_refusal_is_not_retried(db: Session, setting: Setting, portal: Portal) -> None:
    published(db, setting)
    portal.status = 401
    record = tasks.run_due(db)
    assert record is not None and (record.status, record.http_status, record.attempts) == ("failed", 401, 1)
    assert TOKEN not in (record.error or "")


def test_an_unreachable_portal_is_retried_and_recorded(db: Session, setting: Setting, portal: Portal) -> None:
    published(db, setting)
    portal.server.shutdown()
    portal.server.server_close()  # nobody listens on the port any more
    record = tasks.run_due(db)
    assert record is not None and (record.status, record.http_status, record.attempts) == ("failed", None, push.ATTEMPTS)
    assert record.error is not None and record.error.startswith("Không gửi được tới cổng dữ liệu quốc gia")


def test_without_a_target_nothing_is_built_or_sent(db: Session, setting: Setting, portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "national_push_url", None)
    published(db, setting)
    db.commit()
    assert tasks.run_due(db) is None
    assert push.push(db, trigger=PushTrigger.MANUAL, force=True) is None
    assert portal.received == [] and _pushes(db) == []
    assert db.scalars(select(Job).where(Job.kind == tasks.PUSH_JOB)).all() == []


def test_plain_http_to_another_machine_is_refused(db: Session, setting: Setting, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "national_push_url", "http://cong-du-lieu-quoc-gia.example/api")
    published(db, setting)
    assert push.target() is None and tasks.run_due(db) is None
    assert push.target_problem("https://cong-du-lieu-quoc-gia.example/api") is None


def test_a_sealed_token_is_sent_unsealed(db: Session, setting: Setting, portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "national_push_token", secretbox.seal("bi-mat-da-niem-phong"))
    published(db, setting)
    tasks.run_due(db)
    assert portal.received[0].headers["authorization"] == "Bearer bi-mat-da-niem-phong"


def test_a_publication_queues_a_push_that_runs_after_the_commit(db: Session, setting: Setting, portal: Portal) -> None:
    made = registry.create_service(db, actor=setting.steward, data=setting.service_in())
    registry.mark_ready(db, actor=setting.steward, service_id=made.service.id)
    db.commit()
    with unit_of_work() as session:  # a request's transaction: its jobs start after its commit
        registry.publish(session, actor=setting.admin, service_id=made.service.id)
        assert portal.received == []  # not before the commit
    [sent] = portal.received  # the job has run (KETNOI_JOBS_IMMEDIATE in the tests)
    assert [s["code"] for s in sent.json()["services"]["services"]] == ["DV.KHCN.NHIEMVU"]
    db.expire_all()
    [record] = _pushes(db)
    assert (record.trigger, record.status) == ("change", "ok")
    with unit_of_work() as session:
        registry.retire(session, actor=setting.admin, service_id=made.service.id)
    assert len(portal.received) == 2 and portal.received[1].json()["services"]["services"] == []


def test_an_edit_of_a_draft_queues_a_push_that_sends_nothing(db: Session, setting: Setting, portal: Portal) -> None:
    made = registry.create_service(db, actor=setting.steward, data=setting.service_in())
    tasks.run_due(db)  # the portal has the catalogs (the draft is not in them)
    db.commit()
    with unit_of_work() as session:
        registry.update_service(session, actor=setting.steward, service_id=made.service.id, data=setting.service_in(name="Tên mới"))
    assert len(portal.received) == 1
    db.expire_all()
    [job] = db.scalars(select(Job).where(Job.kind == tasks.PUSH_JOB)).all()
    assert job.status == "succeeded" and job.message == tasks.summary(None)


def test_the_tick_is_periodic_work_of_the_worker() -> None:
    assert "ketnoi.national.tasks:run_due" in queue.PERIODIC


def test_the_demo_records_one_past_push_and_configures_no_target(db: Session, setting: Setting) -> None:
    published(db, setting)
    record = demo.load_demo(db)
    db.commit()
    assert (record.status, record.http_status, record.fingerprint) == ("ok", 202, export.bundle(db).fingerprint)
    assert record.at < utcnow() and get_settings().national_push_url is None
    assert tasks.run_due(db) is None and _pushes(db) == [record]
