"""Anomalies against a dataset's history warn on the page and in the API, outside the score."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests import factories as f
from tests.quality.conftest import HEADER, Register, row
from tests.web.conftest import client, login

from ketnoi.datastore import ingest as datastore
from ketnoi.identity import system_actor
from ketnoi.quality import anomalies, runner, service
from ketnoi.quality.schemas import RuleIn

__all__ = ["client"]  # the web tests' client fixture


def test_a_value_is_unusual_beyond_three_deviations_once_there_is_history() -> None:
    usual = [300.0, 302.0, 298.0, 301.0, 299.0]
    assert not anomalies.unusual(150.0, usual[:4])  # four earlier runs: not enough to judge
    assert anomalies.unusual(150.0, usual) and not anomalies.unusual(303.0, usual)
    assert not anomalies.unusual(10.0, [10.0] * 5) and anomalies.unusual(11.0, [10.0] * 5)  # no spread: any change
    assert anomalies.z_score(11.0, [10.0] * 5) is None


def test_a_load_that_lost_rows_and_e_mails_is_flagged_and_the_score_ignores_it(
    db: Session, register: Register, tmp_path: Path, client: TestClient
) -> None:
    service.create_rule(db, actor=system_actor(), dataset_id=register.dataset_id, data=RuleIn(kind="not_null", params={"column": "email"}))
    for _ in range(6):
        runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id)
    assert anomalies.anomalies(db, actor=system_actor(), dataset_id=register.dataset_id) == []
    out = io.StringIO()
    cells = [row(n) for n in range(1, 101)]
    for cell in cells[::2]:
        cell[5] = ""  # half the e-mails gone
    csv.writer(out).writerows([HEADER, *cells])
    broken = tmp_path / "thieu.csv"
    broken.write_text(out.getvalue(), encoding="utf-8")
    datastore.ingest(db, actor=system_actor(), resource_id=register.resource_id, path=broken)
    last = runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id)
    found = {a.measure: a for a in anomalies.anomalies(db, actor=system_actor(), dataset_id=register.dataset_id)}
    assert (found["row_count"].value, found["row_count"].mean) == (100, 300)
    assert found["null_share"].value == 0.5 and round(found["null_share"].mean, 4) == round(5 / 300, 4)
    assert last.score is not None and last.score < 100  # the rule itself fails; the anomalies add nothing to it
    f.user(db, "steward", db.get(f.Organization, register.unit_id), username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    page = client.get(f"/datasets/{register.dataset_id}/quality")
    assert "Bất thường so với các lần kiểm tra trước" in page.text and "thường là 300" in page.text
    api = client.get(f"/api/v1/datasets/{register.dataset_id}/quality").json()
    assert {a["measure"] for a in api["anomalies"]} == {"row_count", "null_share"}
