"""A dataset's quality measurements as W3C DQV JSON-LD: parsed back as RDF, every measurement where it should be."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, PROV, SKOS
from sqlalchemy.orm import Session
from tests import factories as f
from tests.quality.conftest import BAD_PHONE, EMAIL_MISSING, ROWS, Register
from tests.web.conftest import client

from ketnoi.auth import service as auth
from ketnoi.identity import actor_for, system_actor
from ketnoi.org.models import Organization
from ketnoi.portal.published import dataset_uri
from ketnoi.quality import runner, service
from ketnoi.quality.dqv import dimension_uri, metric_uri, score_metric_uri
from ketnoi.quality.models import QualityRun
from ketnoi.quality.schemas import RuleIn

__all__ = ["client"]

DQV = Namespace("http://www.w3.org/ns/dqv#")


def _graph(client: TestClient, headers: dict[str, str], dataset_id: uuid.UUID, runs: int = 1) -> Graph:
    answer = client.get(f"/api/v1/datasets/{dataset_id}/quality/dqv?runs={runs}", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/ld+json")
    assert '"@context"' in answer.text
    return Graph().parse(data=answer.text, format="json-ld")


@pytest.fixture
def headers(db: Session, register: Register) -> dict[str, str]:
    _, secret = auth.create_token(db, actor=actor_for(db, f.user(db, "steward", db.get(Organization, register.unit_id))), name="dqv")
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


def _run(db: Session, register: Register) -> tuple[QualityRun, dict[str, uuid.UUID]]:
    actor = system_actor()
    rules = {
        "email": service.create_rule(
            db, actor=actor, dataset_id=register.dataset_id, data=RuleIn(kind="not_null", params={"column": "email"})
        ).id,
        "phone": service.create_rule(
            db,
            actor=actor,
            dataset_id=register.dataset_id,
            data=RuleIn(kind="pattern", params={"column": "so_dien_thoai", "regex": "0[0-9]{9}"}),
        ).id,
        "metadata": service.create_rule(db, actor=actor, dataset_id=register.dataset_id, data=RuleIn(kind="metadata", params={})).id,
    }
    run = runner.run_dataset(db, actor=actor, dataset_id=register.dataset_id)
    db.commit()
    return run, rules


def test_each_result_is_a_dqv_measurement_of_its_rules_metric_on_the_dataset(
    client: TestClient, db: Session, register: Register, headers: dict[str, str]
) -> None:
    run, rules = _run(db, register)
    graph = _graph(client, headers, register.dataset_id)
    dataset = URIRef(dataset_uri(register.dataset_id))
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    measurements = set(graph.subjects(RDF.type, DQV.QualityMeasurement))
    assert len(measurements) == 4  # three rules and the dataset's score
    assert set(graph.objects(dataset, DQV.hasQualityMeasurement)) == measurements
    by_metric = {graph.value(m, DQV.isMeasurementOf): m for m in measurements}
    expected = {
        "email": ((ROWS - len(EMAIL_MISSING)) / ROWS, "completeness"),
        "phone": ((ROWS - len(BAD_PHONE)) / ROWS, "validity"),
        "metadata": (None, "metadata"),
    }
    for key, (value, dimension) in expected.items():
        metric = metric_uri(rules[key], 0)
        assert (metric, RDF.type, DQV.Metric) in graph
        assert (metric, DQV.inDimension, dimension_uri(dimension)) in graph
        assert (dimension_uri(dimension), RDF.type, DQV.Dimension) in graph
        measurement = by_metric[metric]
        assert (measurement, DQV.computedOn, dataset) in graph
        found = graph.value(measurement, DQV.value)
        assert isinstance(found, Literal) and found.datatype == XSD.double
        if value is not None:
            assert found.toPython() == pytest.approx(value)
        assert graph.value(measurement, PROV.generatedAtTime).datatype == XSD.dateTime  # type: ignore[union-attr]
    score = by_metric[score_metric_uri()]
    assert graph.value(score, DQV.value) == Literal(run.score, datatype=XSD.double)
    assert (dimension_uri("completeness"), SKOS.prefLabel, Literal("Tính đầy đủ", lang="vi")) in graph
    # Counts and ratios only: not a failing row id, not a value of the data.
    text = graph.serialize(format="nt")
    assert "chu.nhiem" not in text and "12345" not in text


def test_the_history_of_runs_can_be_exported_and_staff_only_read_it(
    client: TestClient, db: Session, register: Register, headers: dict[str, str]
) -> None:
    _run(db, register)
    runner.run_dataset(db, actor=system_actor(), dataset_id=register.dataset_id)
    db.commit()
    assert len(set(_graph(client, headers, register.dataset_id, runs=1).subjects(RDF.type, DQV.QualityMeasurement))) == 4
    two = _graph(client, headers, register.dataset_id, runs=2)
    assert len(set(two.subjects(RDF.type, DQV.QualityMeasurement))) == 8
    assert len(set(two.subjects(RDF.type, PROV.Activity))) == 2
    assert client.get(f"/api/v1/datasets/{register.dataset_id}/quality/dqv").status_code == 401
    assert client.get(f"/api/v1/datasets/{register.dataset_id}/quality/dqv?runs=0", headers=headers).status_code == 422


def test_a_dataset_never_measured_exports_its_dimensions_and_no_measurement(
    client: TestClient, db: Session, register: Register, headers: dict[str, str]
) -> None:
    graph = _graph(client, headers, register.dataset_id)
    assert set(graph.subjects(RDF.type, DQV.QualityMeasurement)) == set()
    assert len(set(graph.subjects(RDF.type, DQV.Dimension))) == 7
