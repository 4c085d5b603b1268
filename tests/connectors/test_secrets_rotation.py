"""Stored secrets under KETNOI_SECRETS_KEYS: sealed, re-sealed under a new key, refused under a lost one."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ketnoi.catalog.models import Dataset
from ketnoi.cli import app
from ketnoi.connectors import service
from ketnoi.connectors.models import DataSource
from ketnoi.connectors.schemas import SourceIn
from ketnoi.identity import system_actor
from ketnoi.kit import secretbox
from ketnoi.settings import get_settings
from tests.connectors.conftest import SourceDb, unique_name


def test_rotating_the_key_reseals_every_secret_and_a_lost_key_is_refused_clearly(
    db: Session, target: Dataset, pg_source: SourceDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = secretbox.new_key(), secretbox.new_key()
    settings = get_settings()
    monkeypatch.setattr(settings, "secrets_keys", old)
    data = {"name": unique_name(), "kind": "database", "dataset_id": target.id, "secret": "mật-khẩu-cũ",
            "config": {"url": pg_source.url, "object": "table", "table": "nhiem_vu"}}  # fmt: skip
    made = service.create_source(db, actor=system_actor(), data=SourceIn.model_validate(data))
    db.commit()
    sealed_before = db.get_one(DataSource, made.id).secret or ""

    monkeypatch.setattr(settings, "secrets_keys", f"{new},{old}")
    result = CliRunner().invoke(app, ["key", "rotate-secrets"])
    assert result.exit_code == 0, result.output
    assert "Đã mã hoá lại 1 giá trị" in result.output
    db.expire_all()
    sealed_after = db.get_one(DataSource, made.id).secret or ""
    assert sealed_after != sealed_before

    monkeypatch.setattr(settings, "secrets_keys", new)  # the old key removed: the re-sealed value still opens
    assert secretbox.unseal(sealed_after) == "mật-khẩu-cũ"
    with pytest.raises(secretbox.SecretUnreadable) as lost:
        secretbox.unseal(sealed_before)
    assert "KETNOI_SECRETS_KEYS" in lost.value.message

    monkeypatch.setattr(settings, "secrets_keys", secretbox.new_key())  # a key that opens nothing stored
    refused = CliRunner().invoke(app, ["key", "rotate-secrets"])
    assert refused.exit_code == 1 and "nguồn dữ liệu «" in refused.output
    db.expire_all()
    assert db.get_one(DataSource, made.id).secret == sealed_after  # nothing half re-sealed


def test_a_new_secrets_key_is_taken_by_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    printed = CliRunner().invoke(app, ["key", "new-secrets-key"]).output.strip()
    monkeypatch.setattr(get_settings(), "secrets_keys", printed)
    assert secretbox.unseal(secretbox.seal("Token ổn định")) == "Token ổn định"
