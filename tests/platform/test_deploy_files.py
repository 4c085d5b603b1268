"""The files docs/deploy.md ships (deploy/): systemd accepts the units, the environment file names
only real settings, nginx's body limit matches the app's, and the guide names every file."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ketnoi.settings import Settings
from tests.platform.node import KETNOI, ROOT

DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
INSTALLED = "/opt/ketnoi/bin/ketnoi"  # where docs/deploy.md installs the command


def test_systemd_accepts_the_units_without_a_warning(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian: the systemd package)")
    for unit in UNITS.iterdir():
        text = unit.read_text()
        # systemd checks that the command exists: this machine's, in place of the installed one.
        assert unit.suffix == ".target" or text.count(INSTALLED) == 1, unit.name
        (tmp_path / unit.name).write_text(text.replace(INSTALLED, str(KETNOI)))
    names = ["ketnoi.target", "ketnoi-worker.service", "ketnoi-web@8001.service"]  # the template, as one instance
    checked = subprocess.run(
        [analyze, "verify", *(str(tmp_path / n) for n in names)], capture_output=True, text=True, timeout=60, check=False
    )
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")


def _settings_named(text: str) -> set[str]:
    return {name.removeprefix("KETNOI_").lower() for name in re.findall(r"\bKETNOI_[A-Z0-9_]+", text)}


def test_the_environment_file_and_the_guide_name_only_real_settings() -> None:
    known = set(Settings.model_fields)
    for path in (DEPLOY / "ketnoi.env", ROOT / "docs" / "deploy.md"):
        assert _settings_named(path.read_text()) - known == set(), path.name
    assert {"database_url", "redis_url", "secret_key", "base_url", "var_dir", "log_format", "admin_totp_required"} <= _settings_named(
        (DEPLOY / "ketnoi.env").read_text()
    )


def test_nginx_takes_the_bodies_the_app_takes() -> None:
    """The app refuses a body over KETNOI_MAX_UPLOAD_MB + 1 MB (web.middleware): nginx the same."""
    upload_mb = int(re.findall(r"^KETNOI_MAX_UPLOAD_MB=(\d+)$", (DEPLOY / "ketnoi.env").read_text(), re.MULTILINE)[0])
    body_mb = int(re.findall(r"client_max_body_size (\d+)m;", (DEPLOY / "nginx" / "ketnoi.conf").read_text())[0])
    assert body_mb == upload_mb + 1


def test_the_guide_shows_every_deploy_file() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text()
    shipped = sorted(str(path.relative_to(ROOT)) for path in DEPLOY.rglob("*") if path.is_file())
    assert [name for name in shipped if name not in guide] == []
