"""A dataset's quality measurements as W3C DQV (Data Quality Vocabulary) in JSON-LD.

Each rule is a `dqv:Metric` in the `dqv:Dimension` of its ISO/IEC 25012 name (defined under the
platform's base URL, as SKOS concepts in one `dqv:Category`); each result of a run is a
`dqv:QualityMeasurement` of that metric, `dqv:computedOn` the dataset's URI (the one the DCAT
catalog uses), whose `dqv:value` is the rule's conformance (passing / evaluated, an xsd:double in
[0, 1]), generated (`prov:generatedAtTime`) when the run ended. The run's dataset score Q (0-100)
is a measurement of the metric `score`. A result that could not be measured has no value and is
left out. Only counts and ratios leave: never a value of the data, never a failing row id.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, SKOS
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.portal import links
from ketnoi.portal.published import dataset_uri
from ketnoi.quality import service
from ketnoi.quality.labels import DIMENSION_LABELS, KIND_LABELS
from ketnoi.quality.models import Dimension, QualityResult, QualityRun, RunStatus

DQV = Namespace("http://www.w3.org/ns/dqv#")
PREFIXES = {
    "dqv": str(DQV),
    "prov": str(PROV),
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "skos": str(SKOS),
    "xsd": str(XSD),
}
# Typed in the context, so every reader gets an xsd:double (a JSON number 100 would read as an integer).
CONTEXT: dict[str, object] = {**PREFIXES, "dqv:value": {"@type": "xsd:double"}, "prov:generatedAtTime": {"@type": "xsd:dateTime"}}
MAX_RUNS = 50
# ISO/IEC 25012's English names of the dimensions (the Vietnamese ones are labels.DIMENSION_LABELS).
ISO_NAMES = {
    "completeness": "Completeness",
    "validity": "Compliance (validity)",
    "uniqueness": "Uniqueness (non-redundancy)",
    "consistency": "Consistency",
    "timeliness": "Currentness",
    "accuracy": "Accuracy",
    "metadata": "Metadata quality",
}


def quality_base() -> str:
    return f"{links.base()}/quality"


def dimension_uri(code: str) -> URIRef:
    return URIRef(f"{quality_base()}/dimensions/{code}")


def metric_uri(rule_id: uuid.UUID | None, result_id: int) -> URIRef:
    """A rule's metric; a result whose rule was deleted since keeps a metric of its own."""
    if rule_id is None:
        return URIRef(f"{quality_base()}/metrics/result-{result_id}")
    return URIRef(f"{quality_base()}/rules/{rule_id}")


def score_metric_uri() -> URIRef:
    return URIRef(f"{quality_base()}/metrics/score")


def run_uri(run_id: uuid.UUID) -> URIRef:
    return URIRef(f"{quality_base()}/runs/{run_id}")


def _when(value: datetime) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.dateTime)


def _dimensions(graph: Graph) -> None:
    category = URIRef(f"{quality_base()}/dimensions")
    graph.add((category, RDF.type, DQV.Category))
    graph.add((category, RDF.type, SKOS.ConceptScheme))
    graph.add((category, SKOS.prefLabel, Literal("ISO/IEC 25012", lang="en")))
    for dimension in Dimension:
        node = dimension_uri(dimension.value)
        graph.add((node, RDF.type, DQV.Dimension))
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, DQV.inCategory, category))
        graph.add((node, SKOS.inScheme, category))
        graph.add((node, SKOS.notation, Literal(dimension.value)))
        graph.add((node, SKOS.prefLabel, Literal(DIMENSION_LABELS[dimension.value], lang="vi")))
        graph.add((node, SKOS.prefLabel, Literal(ISO_NAMES[dimension.value], lang="en")))


def _score_metric(graph: Graph) -> None:
    metric = score_metric_uri()
    graph.add((metric, RDF.type, DQV.Metric))
    graph.add((metric, SKOS.prefLabel, Literal("Điểm chất lượng dữ liệu (0–100)", lang="vi")))
    graph.add((metric, SKOS.prefLabel, Literal("Data quality score (0–100)", lang="en")))
    graph.add((metric, SKOS.definition, Literal("100 × trung bình điểm các chiều chất lượng có quy tắc được đo", lang="vi")))
    graph.add((metric, DQV.expectedDataType, XSD.double))


def _result(graph: Graph, dataset: URIRef, run: QualityRun, result: QualityResult) -> None:
    if result.conformance is None:
        return
    metric = metric_uri(result.rule_id, result.id)
    graph.add((metric, RDF.type, DQV.Metric))
    graph.add((metric, SKOS.prefLabel, Literal(result.rule_name, lang="vi")))
    graph.add((metric, SKOS.definition, Literal(KIND_LABELS.get(result.kind, result.kind), lang="vi")))
    graph.add((metric, SKOS.notation, Literal(result.kind)))
    graph.add((metric, DQV.expectedDataType, XSD.double))
    graph.add((metric, DQV.inDimension, dimension_uri(result.dimension)))
    node = URIRef(f"{run_uri(run.id)}/results/{result.id}")
    _measurement(graph, dataset, run, node, metric, result.conformance)


def _measurement(graph: Graph, dataset: URIRef, run: QualityRun, node: URIRef, metric: URIRef, value: float) -> None:
    graph.add((node, RDF.type, DQV.QualityMeasurement))
    graph.add((node, DQV.isMeasurementOf, metric))
    graph.add((node, DQV.computedOn, dataset))
    graph.add((node, DQV.value, Literal(float(value), datatype=XSD.double)))
    graph.add((node, PROV.generatedAtTime, _when(run.finished_at or run.started_at)))
    graph.add((node, PROV.wasGeneratedBy, run_uri(run.id)))
    graph.add((dataset, DQV.hasQualityMeasurement, node))


def graph_of(session: Session, *, actor: Actor, dataset_id: uuid.UUID, runs: int = 1) -> Graph:
    """The measurements of the dataset's latest `runs` finished runs (staff only, like every quality page)."""
    dataset = service.readable_dataset(session, actor=actor, dataset_id=dataset_id)
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    subject = URIRef(dataset_uri(dataset.id))
    graph.add((subject, RDF.type, DCAT.Dataset))
    graph.add((subject, DCTERMS.title, Literal(dataset.name, lang="vi")))
    _dimensions(graph)
    _score_metric(graph)
    chosen = list(
        session.scalars(
            select(QualityRun)
            .where(QualityRun.dataset_id == dataset.id, QualityRun.status == RunStatus.DONE)
            .order_by(QualityRun.started_at.desc())
            .limit(max(1, min(runs, MAX_RUNS)))
        )
    )
    for run in chosen:
        activity = run_uri(run.id)
        graph.add((activity, RDF.type, PROV.Activity))
        if run.finished_at is not None:
            graph.add((activity, PROV.endedAtTime, _when(run.finished_at)))
        graph.add((activity, PROV.startedAtTime, _when(run.started_at)))
        for result in session.scalars(select(QualityResult).where(QualityResult.run_id == run.id).order_by(QualityResult.id)):
            _result(graph, subject, run, result)
        if run.score is not None:
            _measurement(graph, subject, run, URIRef(f"{activity}/score"), score_metric_uri(), run.score)
    return graph


def jsonld(session: Session, *, actor: Actor, dataset_id: uuid.UUID, runs: int = 1) -> str:
    """The JSON-LD document (compacted with CONTEXT's prefixes)."""
    graph = graph_of(session, actor=actor, dataset_id=dataset_id, runs=runs)
    return graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True)
