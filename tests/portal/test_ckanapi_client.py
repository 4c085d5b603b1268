"""The real `ckanapi` client from PyPI against a live server: what harvesters and scripts run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from tests.portal.open_data import build

CKANAPI = Path(sys.executable).parent / "ckanapi"


def _ckanapi(*args: str) -> subprocess.CompletedProcess[str]:
    # `dump` starts its workers as `ckanapi …` processes: this virtualenv's bin comes first on PATH.
    env = {**os.environ, "PATH": f"{CKANAPI.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([str(CKANAPI), *args], capture_output=True, text=True, timeout=120, env=env, check=False)


def test_ckanapi_searches_and_dumps_every_dataset(server: str, db: Session, tmp_path: Path) -> None:
    data = build(db, tmp_path)
    searched = _ckanapi("action", "package_search", "-r", server, "q=lua chiu man", 'facet.field:["organization"]')
    assert searched.returncode == 0, searched.stderr
    result = json.loads(searched.stdout)
    assert result["count"] == 1 and result["results"][0]["id"] == str(data.rice)
    assert result["facets"] == {"organization": {"cuc-ttkhcn": 1}}

    by_get = _ckanapi("action", "package_show", "-r", server, "-g", "id=bang-doc-quyen-sang-che")
    assert by_get.returncode == 0, by_get.stderr
    assert json.loads(by_get.stdout)["id"] == str(data.patents)

    missing = _ckanapi("action", "package_show", "-r", server, f"id={data.internal}")
    assert missing.returncode != 0 and "NotFound" in missing.stderr

    dump = tmp_path / "datasets.jsonl"
    dumped = _ckanapi("dump", "datasets", "--all", "-r", server, "-O", str(dump), "-p", "2", "-q")
    assert dumped.returncode == 0, dumped.stderr
    packages = [json.loads(line) for line in dump.read_text().splitlines()]
    assert sorted(p["id"] for p in packages) == sorted(str(i) for i in (data.rice, data.patents, data.labs))
    assert {r["id"] for p in packages for r in p["resources"]} == {str(data.resource)}
