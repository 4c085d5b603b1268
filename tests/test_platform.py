"""Start-up, health, configuration docs and the command line, run as a user would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ketnoi.settings_docs import render_markdown
from tests.apps import shared_app

ROOT = Path(__file__).resolve().parent.parent
KETNOI = [sys.executable, "-m", "ketnoi"]


def _run(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")} | env
    return subprocess.run(KETNOI + args, env=full_env, capture_output=True, text=True, timeout=120, check=False, **kwargs)  # type: ignore[call-overload, no-any-return]


def test_configuration_docs_agree_with_settings() -> None:
    assert (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8") == render_markdown(), (
        "docs/configuration.md is stale: run `make docs`"
    )


def test_health_and_ready(engine: Engine) -> None:
    with TestClient(shared_app()) as client:
        assert client.get("/-/health").json() == {"status": "ok"}
        ready = client.get("/-/ready")
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "migrations": "ok"}
        assert "content-security-policy" in client.get("/-/health").headers


def test_unmigrated_database_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    env = {"KETNOI_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db", "KETNOI_VAR_DIR": str(tmp_path)}
    refused = _run(["serve", "--port", "1"], env)
    assert refused.returncode == 2
    assert "ketnoi db upgrade" in refused.stderr.replace("\n", " ")
    upgraded = _run(["db", "upgrade"], env)
    assert upgraded.returncode == 0, upgraded.stderr


def test_cli_creates_user_and_prints_a_working_token(tmp_path: Path) -> None:
    env = {"KETNOI_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "KETNOI_VAR_DIR": str(tmp_path)}
    assert _run(["db", "upgrade"], env).returncode == 0
    created = _run(
        ["user", "create", "nguyenvana", "--role", "leader", "--full-name", "Nguyễn Văn A"],
        env | {"KETNOI_NEW_PASSWORD": "mat-khau-dai-du"},
    )
    assert created.returncode == 0, created.stderr
    too_short = _run(["user", "create", "b", "--role", "leader", "--full-name", "B"], env | {"KETNOI_NEW_PASSWORD": "ngan"})
    assert too_short.returncode == 1 and "Mật khẩu phải có ít nhất 10 ký tự" in too_short.stderr
    token = _run(["token", "create", "nguyenvana"], env)
    assert token.returncode == 0 and token.stdout.startswith("kn_")
    check = (
        "import sys; from fastapi.testclient import TestClient; from ketnoi.app import create_app;"
        "r = TestClient(create_app()).get('/api/v1/me', headers={'Authorization': 'Bearer ' + sys.argv[1]});"
        "print(r.json()['username'])"
    )
    me = subprocess.run(
        [sys.executable, "-c", check, token.stdout.strip()],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert me.stdout.strip() == "nguyenvana", me.stderr
    unknown = _run(["token", "create", "khongco"], env)
    assert unknown.returncode == 1
