"""The periodic refresh of peers (claimed once per interval), the demo peer, and the CLI."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ketnoi.cli import app as cli
from ketnoi.federation import demo, service, tasks
from ketnoi.federation.models import Peer, PeerService
from ketnoi.federation.schemas import PeerIn
from ketnoi.jobs.models import Job
from ketnoi.kit.clock import utcnow
from tests.federation.conftest import FakePeer, Ours


def test_a_due_peer_is_synced_once_per_interval_and_a_disabled_one_never(db: Session, ours: Ours, fake_peer: FakePeer) -> None:
    peer = service.register_peer(db, actor=ours.admin, data=PeerIn(code="GIA", name="Nút giả", base_url=fake_peer.url))
    off = service.register_peer(db, actor=ours.admin, data=PeerIn(code="TAT", name="Nút tắt", base_url=fake_peer.url, enabled=False))
    db.commit()
    now = utcnow()
    assert tasks.sync_due(db, now) == 1  # the job runs at once in the tests (KETNOI_JOBS_IMMEDIATE)
    assert tasks.sync_due(db, now + timedelta(minutes=1)) == 0
    db.expire_all()
    assert db.scalars(select(PeerService.code).where(PeerService.peer_id == peer.id)).all() == ["DV.GIA"]
    assert db.scalars(select(PeerService).where(PeerService.peer_id == off.id)).all() == []
    assert [j.kind for j in db.scalars(select(Job))] == [tasks.SYNC_JOB]
    assert tasks.sync_due(db, now + timedelta(minutes=61)) == 1


def test_an_unreachable_peer_keeps_its_error_in_vietnamese(db: Session, ours: Ours, fake_peer: FakePeer) -> None:
    peer = service.register_peer(db, actor=ours.admin, data=PeerIn(code="GIA", name="Nút giả", base_url=fake_peer.url))
    peer.base_url = fake_peer.url + "/khong-co"
    synced = tasks.sync_peer(db, peer)
    assert synced.error is not None and synced.error.startswith("Nút ngang hàng trả lời lỗi HTTP 404")
    assert peer.last_error == synced.error


def test_the_cli_lists_and_syncs_a_peer(db: Session, ours: Ours, fake_peer: FakePeer) -> None:
    service.register_peer(db, actor=ours.admin, data=PeerIn(code="GIA", name="Nút giả", base_url=fake_peer.url))
    db.commit()
    runner = CliRunner()
    listed = runner.invoke(cli, ["peer", "list"])
    assert listed.exit_code == 0 and "GIA" in listed.output
    synced = runner.invoke(cli, ["peer", "sync", "gia"])
    assert synced.exit_code == 0, synced.output
    assert "1 dịch vụ" in synced.output
    assert runner.invoke(cli, ["peer", "sync", "KHONG"]).exit_code == 1


def test_the_demo_peer_is_disabled_with_services_and_an_approved_request(db: Session) -> None:
    peer = demo.load_demo(db)
    db.commit()
    assert not peer.enabled and service.key_ids(peer)
    assert len(db.scalars(select(PeerService).where(PeerService.peer_id == peer.id)).all()) == 3
    assert db.scalars(select(Peer)).one().code == "BACNINH"
