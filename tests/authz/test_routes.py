"""Every route of the app has a written access rule, and the rule holds for each kind of caller.

A new route without a line here fails the build: who may call it is decided on purpose. Each line
says who may use the route; the tests call every route as each kind of caller with a valid login
but no right to it, and check that it is refused (never a 2xx answer, never the page itself).

  public    anyone: pages and data the public may see (what they see is then filtered by the services)
  staff     any signed-in account (a leader reads; the services decide what each may change)
  editor    a steward of the owning unit or an administrator: the page's form refuses a leader
  admin     an administrator only
  consumer  another agency's application, with its credential (the gateway)
  client    an application authenticating itself (OAuth token endpoint)
  operator  this machine or the metrics token (Prometheus)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ketnoi.app import create_app
from ketnoi.auth import service as auth
from ketnoi.identity import actor_for
from ketnoi.org.models import OrgKind
from ketnoi.sharing import consumers
from tests import factories as f
from tests.apps import shared_app

ROUTES: dict[str, str] = {
    # two-factor sign-in (issue 9): the pending cookie of a right password is what they need
    "GET /login/2fa": "public", "POST /login/2fa": "public", "GET /login/2fa/setup": "public", "POST /login/2fa/setup": "public",
    # connectors (issue 8)
    "GET /sources": "staff", "GET /sources/new": "editor", "POST /sources/new": "editor", "GET /sources/{source_id}": "staff",
    "GET /sources/{source_id}/edit": "editor", "POST /sources/{source_id}/edit": "editor", "POST /sources/{source_id}/sync": "editor",
    "POST /sources/{source_id}/preview": "editor", "POST /sources/{source_id}/delete": "editor",
    "GET /api/v1/sources": "staff", "POST /api/v1/sources": "editor", "GET /api/v1/sources/{source_id}": "staff",
    "PUT /api/v1/sources/{source_id}": "editor", "DELETE /api/v1/sources/{source_id}": "editor",
    "POST /api/v1/sources/{source_id}/sync": "editor", "GET /api/v1/sources/{source_id}/runs": "staff",
    "POST /api/v1/sources/{source_id}/preview": "editor",
    # federation (issue 8)
    "GET /x/peers/{peer}/{code}/records": "consumer", "GET /peers": "staff", "GET /peers/new": "admin", "POST /peers/new": "admin",
    "GET /peers/{peer_id}": "staff", "POST /peers/{peer_id}/edit": "admin", "POST /peers/{peer_id}/sync": "admin",
    "POST /peers/{peer_id}/keys": "admin", "POST /peers/{peer_id}/services/{service_id}/grants": "admin",
    "POST /peers/{peer_id}/grants/{grant_id}/revoke": "admin", "GET /peers/{peer_id}/services/{service_id}/request": "editor",
    "POST /peers/{peer_id}/services/{service_id}/request": "editor", "GET /api/v1/peers": "staff", "POST /api/v1/peers": "admin",
    "GET /api/v1/peers/{peer_id}": "staff", "PUT /api/v1/peers/{peer_id}": "admin", "POST /api/v1/peers/{peer_id}/keys": "admin",
    "POST /api/v1/peers/{peer_id}/sync": "admin", "POST /api/v1/peer-services/{service_id}/requests": "editor",
    "POST /api/v1/peer-services/{service_id}/grants": "admin", "DELETE /api/v1/peer-grants/{grant_id}": "admin",
    # national registration (issue 8)
    "GET /api/v1/national/services.json": "public", "GET /api/v1/national/services.schema.json": "public",
    "GET /api/v1/national/pushes": "admin", "POST /api/v1/national/push": "admin",
    "GET /national": "admin", "POST /national/push": "admin", "GET /national/catalog.ttl": "admin",
    "GET /national/catalog.jsonld": "admin",
    # operations, keys, docs
    "GET /-/health": "public", "GET /-/ready": "public", "GET /-/metrics": "operator",
    "GET /.well-known/jwks.json": "public", "GET /api/v1/openapi.json": "public", "GET /api/v1/docs": "public",
    "GET /docs/oauth2-redirect": "public",
    # the gateway
    "POST /oauth/token": "client", "GET /x/{code}/records": "consumer", "GET /x/log": "consumer", "GET /x/whoami": "consumer",
    "POST /x/connection-requests": "consumer", "GET /x/connection-requests": "consumer",
    "GET /x/agreements": "consumer", "GET /x/notices": "consumer", "POST /x/subscriptions": "consumer",
    "GET /x/subscriptions": "consumer", "DELETE /x/subscriptions/{subscription_id}": "consumer",
    "POST /x/agreements/{agreement_id}/accept": "consumer",
    # the CKAN Action API (read)
    "GET /api/3/action/{name}": "public", "POST /api/3/action/{name}": "public", "GET /api/action/{name}": "public",
    "POST /api/action/{name}": "public", "GET /api/3": "public",
    # JSON API
    "GET /api/v1/stats": "public",
    "GET /api/v1/organizations": "public", "POST /api/v1/organizations": "admin", "GET /api/v1/organizations/{org_id}": "public",
    "PATCH /api/v1/organizations/{org_id}": "editor", "DELETE /api/v1/organizations/{org_id}": "admin",
    "GET /api/v1/organizations/{org_id}/focal-points": "public", "POST /api/v1/organizations/{org_id}/focal-points": "editor",
    "GET /api/v1/databases": "public", "POST /api/v1/databases": "editor", "GET /api/v1/databases/{database_id}": "public",
    "PATCH /api/v1/databases/{database_id}": "editor", "DELETE /api/v1/databases/{database_id}": "editor",
    "GET /api/v1/datasets": "public", "POST /api/v1/datasets": "editor", "GET /api/v1/datasets/{dataset_id}": "public",
    "PATCH /api/v1/datasets/{dataset_id}": "editor", "DELETE /api/v1/datasets/{dataset_id}": "editor",
    "POST /api/v1/datasets/{dataset_id}/items": "editor", "PUT /api/v1/datasets/{dataset_id}/items/{item_id}": "editor",
    "DELETE /api/v1/datasets/{dataset_id}/items/{item_id}": "editor", "POST /api/v1/datasets/{dataset_id}/resources": "editor",
    "GET /api/v1/resources/{resource_id}": "public", "GET /api/v1/resources/{resource_id}/download": "public",
    "DELETE /api/v1/resources/{resource_id}": "editor", "GET /api/v1/resources/{resource_id}/rows": "public",
    "GET /api/v1/resources/{resource_id}/export": "public", "POST /api/v1/resources/{resource_id}/ingest": "editor",
    "GET /api/v1/sql/tables": "public", "GET /api/v1/sql": "public", "POST /api/v1/sql": "public",
    "GET /api/v1/services": "public", "POST /api/v1/services": "editor", "GET /api/v1/services/{service_id}": "public",
    "PUT /api/v1/services/{service_id}": "editor", "POST /api/v1/services/{service_id}/ready": "editor",
    "POST /api/v1/services/{service_id}/publish": "admin", "POST /api/v1/services/{service_id}/retire": "editor",
    "GET /api/v1/services/{service_id}/openapi.json": "public", "GET /api/v1/connection-requests": "staff",
    "POST /api/v1/connection-requests/{request_id}/decision": "editor", "GET /api/v1/services/{service_id}/grants": "staff",
    "POST /api/v1/grants/{grant_id}/revoke": "editor", "POST /api/v1/connection-requests/{request_id}/agreements": "editor",
    "GET /api/v1/connection-requests/{request_id}/agreements": "staff", "GET /api/v1/exchange-stats": "staff",
    "GET /api/v1/exchange-log": "staff", "POST /api/v1/services/{service_id}/notices": "editor",
    "GET /api/v1/services/{service_id}/notices": "public", "POST /api/v1/consumers/{app_id}/suspend": "admin",
    "GET /api/v1/calendar/deadline": "public", "GET /api/v1/calendar/{year}": "public", "PUT /api/v1/calendar/days/{day}": "admin",
    "DELETE /api/v1/calendar/days/{day}": "admin", "POST /api/v1/calendar/{year}/reset": "admin",
    "GET /api/v1/me": "staff", "GET /api/v1/tokens": "staff", "POST /api/v1/tokens": "staff", "DELETE /api/v1/tokens/{token_id}": "staff",
    "GET /api/v1/audit": "staff", "GET /api/v1/audit/{entity_type}/{entity_id}": "staff",
    "GET /api/v1/jobs": "staff", "GET /api/v1/jobs/{job_id}": "staff",
    "GET /api/v1/notifications": "staff", "POST /api/v1/notifications/{notification_id}/read": "staff",
    "POST /api/v1/notifications/read-all": "staff",
    # pages
    "GET /": "public", "GET /login": "public", "POST /login": "public", "POST /logout": "staff",
    "GET /tokens": "staff", "POST /tokens": "staff", "POST /tokens/{token_id}/revoke": "staff",
    "GET /account/2fa": "staff", "POST /account/2fa": "staff", "POST /account/2fa/off": "staff",
    "GET /organizations": "public", "GET /organizations/new": "admin", "POST /organizations/new": "admin",
    "GET /organizations/{org_id}": "public", "GET /organizations/{org_id}/edit": "editor", "POST /organizations/{org_id}/edit": "editor",
    "GET /organizations/{org_id}/delete": "admin", "POST /organizations/{org_id}/delete": "admin",
    "GET /organizations/{org_id}/focal-points/new": "editor", "POST /organizations/{org_id}/focal-points/new": "editor",
    "GET /databases": "public", "GET /databases/new": "editor", "POST /databases/new": "editor", "GET /databases/{database_id}": "public",
    "GET /databases/{database_id}/edit": "editor", "POST /databases/{database_id}/edit": "editor",
    "GET /databases/{database_id}/delete": "editor", "POST /databases/{database_id}/delete": "editor",
    "GET /datasets": "public", "GET /datasets/new": "editor", "POST /datasets/new": "editor", "GET /datasets/{dataset_id}": "public",
    "GET /datasets/{dataset_id}/edit": "editor", "POST /datasets/{dataset_id}/edit": "editor",
    "GET /datasets/{dataset_id}/delete": "editor", "POST /datasets/{dataset_id}/delete": "editor",
    "POST /datasets/{dataset_id}/items": "editor", "GET /datasets/{dataset_id}/items/{item_id}/edit": "editor",
    "POST /datasets/{dataset_id}/items/{item_id}/edit": "editor", "GET /datasets/{dataset_id}/items/{item_id}/delete": "editor",
    "POST /datasets/{dataset_id}/items/{item_id}/delete": "editor", "POST /datasets/{dataset_id}/resources": "editor",
    "GET /resources/{resource_id}/delete": "editor", "POST /resources/{resource_id}/delete": "editor",
    "GET /resources/{resource_id}": "public", "POST /resources/{resource_id}/ingest": "editor",
    "GET /resources/{resource_id}/dictionary": "public", "POST /resources/{resource_id}/dictionary": "editor",
    "GET /resources/{resource_id}/versions/{number}/original": "public",
    "GET /services": "public", "GET /services/new": "editor", "POST /services/new": "editor", "GET /services/{service_id}": "public",
    "GET /services/{service_id}/edit": "editor", "POST /services/{service_id}/edit": "editor",
    "POST /services/{service_id}/{step}": "editor", "GET /services/{service_id}/requests/{request_id}": "staff",
    "POST /services/{service_id}/requests/{request_id}/decision": "editor",
    "POST /services/{service_id}/requests/{request_id}/agreement": "editor",
    "POST /services/{service_id}/requests/{request_id}/grants/{grant_id}/revoke": "editor",
    "GET /consumers": "admin", "POST /consumers": "admin", "POST /consumers/{app_id}/credentials": "admin",
    "POST /consumers/credentials/{credential_id}/revoke": "admin", "POST /consumers/credentials/{credential_id}/rotate": "admin",
    "POST /consumers/{app_id}/status": "admin",
    "GET /exchanges": "staff", "POST /exchanges/deliveries/{delivery_id}/resend": "editor",
    "GET /audit": "staff", "GET /jobs": "staff", "GET /jobs/{job_id}": "staff", "GET /jobs/{job_id}/status": "staff",
    "GET /notifications": "staff", "POST /notifications/read-all": "staff", "POST /notifications/{notification_id}/read": "staff",
    "GET /calendar": "public", "POST /calendar/days": "admin", "POST /calendar/days/{day}/delete": "admin",
    "POST /calendar/{year}/reset": "admin",
    # feedback on open data (Plan II.8): the public sends and votes, the answering unit moderates and replies
    "POST /open/datasets/{slug}/feedback": "public", "GET /open/requests": "public", "GET /open/requests/new": "public",
    "POST /open/requests/new": "public", "POST /open/requests/{feedback_id}/vote": "public",
    "GET /feedback": "staff", "POST /feedback/{feedback_id}/moderate": "editor", "POST /feedback/{feedback_id}/reply": "editor",
    "GET /feedback/synthesis": "staff", "GET /feedback/synthesis.docx": "staff", "GET /feedback/synthesis.xlsx": "staff",
    # the open-data portal
    "GET /open": "public", "GET /open/datasets/{slug}": "public", "GET /open/organizations": "public",
    "GET /open/organizations/{slug}": "public", "GET /open/terms": "public", "GET /sitemap.xml": "public", "GET /robots.txt": "public",
    # DCAT-AP and Data Package documents of the open data catalog, the dataset URIs
    "GET /catalog.ttl": "public", "GET /catalog.rdf": "public", "GET /catalog.jsonld": "public",
    "GET /dataset/{ref}.ttl": "public", "GET /dataset/{ref}.rdf": "public", "GET /dataset/{ref}.jsonld": "public",
    "GET /dataset/{ref}/datapackage.json": "public", "GET /dataset/{ref}": "public",
    # harvesting other portals: staff read the sources and runs; the target database's unit (or an administrator) manages them
    "GET /harvest": "staff", "GET /harvest/new": "editor", "POST /harvest/new": "editor", "GET /harvest/{source_id}": "staff",
    "POST /harvest/{source_id}/edit": "editor", "POST /harvest/{source_id}/run": "editor", "POST /harvest/{source_id}/delete": "editor",
    # data quality: a dataset's rules, runs and results (quality.views, quality.api)
    "GET /datasets/{dataset_id}/quality": "staff", "POST /datasets/{dataset_id}/quality/rules": "editor",
    "POST /datasets/{dataset_id}/quality/run": "editor", "POST /datasets/{dataset_id}/quality/schedule": "editor",
    "POST /datasets/{dataset_id}/quality/review": "editor", "GET /datasets/{dataset_id}/quality/rules.yaml": "staff",
    "POST /datasets/{dataset_id}/quality/rules.yaml": "editor", "GET /quality/rules/{rule_id}/edit": "editor",
    "POST /quality/rules/{rule_id}/edit": "editor", "POST /quality/rules/{rule_id}/toggle": "editor",
    "POST /quality/rules/{rule_id}/delete": "editor", "GET /quality/runs/{run_id}": "staff", "GET /quality": "staff",
    "GET /api/v1/datasets/{dataset_id}/quality": "staff", "GET /api/v1/datasets/{dataset_id}/quality/rules": "staff",
    "POST /api/v1/datasets/{dataset_id}/quality/rules": "editor", "GET /api/v1/quality/rules/{rule_id}": "staff",
    "PUT /api/v1/quality/rules/{rule_id}": "editor", "DELETE /api/v1/quality/rules/{rule_id}": "editor",
    "POST /api/v1/datasets/{dataset_id}/quality/runs": "editor", "GET /api/v1/datasets/{dataset_id}/quality/runs": "staff",
    "GET /api/v1/quality/runs/{run_id}": "staff", "GET /api/v1/datasets/{dataset_id}/quality/rules.yaml": "staff",
    "PUT /api/v1/datasets/{dataset_id}/quality/rules.yaml": "editor", "GET /api/v1/quality/units": "staff",
    "GET /api/v1/datasets/{dataset_id}/quality/dqv": "staff",
    # data quality: a table's profile and suggested rules (quality.views_profile, quality.api_profile)
    "GET /datasets/{dataset_id}/quality/profile": "staff", "POST /datasets/{dataset_id}/quality/suggestions": "editor",
    "GET /api/v1/datasets/{dataset_id}/quality/profile": "staff", "POST /api/v1/datasets/{dataset_id}/quality/suggestions": "editor",
    # data quality: incidents (quality.views_incidents, quality.api_incidents)
    "GET /quality/incidents": "staff", "GET /quality/incidents/{incident_id}": "staff",
    "POST /quality/incidents/{incident_id}/status": "editor", "GET /datasets/{dataset_id}/incidents/new": "staff",
    "POST /datasets/{dataset_id}/incidents/new": "staff", "GET /api/v1/quality/incidents": "staff",
    "POST /api/v1/datasets/{dataset_id}/incidents": "staff", "GET /api/v1/quality/incidents/{incident_id}": "staff",
    "POST /api/v1/quality/incidents/{incident_id}/status": "editor", "POST /x/{code}/incidents": "consumer",
    # data quality: the yearly inspection (quality.views_inspection, quality.api_inspection)
    "GET /quality/inspections": "staff", "POST /quality/inspections": "admin", "GET /quality/inspections/{year}": "staff",
    "POST /quality/inspections/{year}/settings": "admin", "POST /quality/inspections/{year}/ministry": "admin",
    "POST /quality/inspections/{year}/refresh": "admin", "POST /quality/inspections/{year}/status": "admin",
    "GET /quality/inspections/{year}/report.docx": "staff", "GET /quality/inspections/{year}/report.xlsx": "staff",
    "GET /quality/inspections/{year}/units/{unit_id}": "staff", "POST /quality/inspections/{year}/units/{unit_id}/edit": "editor",
    "POST /quality/inspections/{year}/units/{unit_id}/refresh": "editor",
    "POST /quality/inspections/{year}/units/{unit_id}/review": "admin",
    "GET /quality/inspections/{year}/units/{unit_id}/report.docx": "staff",
    "GET /quality/inspections/{year}/units/{unit_id}/report.xlsx": "staff",
    "GET /quality/plans": "staff", "POST /quality/plans": "editor", "GET /quality/plans/{plan_id}": "staff",
    "POST /quality/plans/{plan_id}/edit": "editor", "POST /quality/plans/{plan_id}/tasks": "editor",
    "POST /quality/plans/{plan_id}/tasks/{task_id}/status": "editor", "POST /quality/plans/{plan_id}/notes": "editor",
    "GET /api/v1/quality/inspections": "staff", "POST /api/v1/quality/inspections": "admin",
    "GET /api/v1/quality/inspections/{year}": "staff",
    "PUT /api/v1/quality/inspections/{year}/settings": "admin", "PUT /api/v1/quality/inspections/{year}/report": "admin",
    "POST /api/v1/quality/inspections/{year}/refresh": "admin", "POST /api/v1/quality/inspections/{year}/close": "admin",
    "POST /api/v1/quality/inspections/{year}/reopen": "admin", "GET /api/v1/quality/inspections/{year}/units/{unit_id}": "staff",
    "PUT /api/v1/quality/inspections/{year}/units/{unit_id}": "editor",
    "POST /api/v1/quality/inspections/{year}/units/{unit_id}/refresh": "editor",
    "POST /api/v1/quality/inspections/{year}/units/{unit_id}/submit": "editor",
    "POST /api/v1/quality/inspections/{year}/units/{unit_id}/review": "admin",
    "GET /api/v1/quality/plans": "staff", "POST /api/v1/quality/plans": "editor", "GET /api/v1/quality/plans/{plan_id}": "staff",
    "PUT /api/v1/quality/plans/{plan_id}": "editor", "POST /api/v1/quality/plans/{plan_id}/tasks": "editor",
    "PUT /api/v1/quality/plans/{plan_id}/tasks/{task_id}/status": "editor", "POST /api/v1/quality/plans/{plan_id}/notes": "editor",
    # governance: the plan tracker (governance.views_plan, governance.api_plan)
    "GET /plan": "staff", "POST /plan/generate": "admin", "GET /plan/instances/{instance_id}": "staff",
    "POST /plan/instances/{instance_id}/reports": "editor", "GET /plan/evidence/{evidence_id}": "staff", "GET /plan/dashboard": "staff",
    "GET /api/v1/plan/tasks": "staff", "GET /api/v1/plan/instances": "staff", "GET /api/v1/plan/instances/{instance_id}": "staff",
    "POST /api/v1/plan/instances/{instance_id}/reports": "editor", "GET /api/v1/plan/dashboard": "staff",
    "POST /api/v1/plan/generate": "admin",
    "GET /plan/report.docx": "staff", "GET /plan/report.xlsx": "staff", "GET /plan/connection-report.docx": "staff",
    "GET /plan/connection-report.xlsx": "staff",
    "GET /training": "staff", "POST /training": "admin", "GET /training/report.docx": "staff", "GET /training/report.xlsx": "staff",
    "GET /training/{session_id}": "staff", "POST /training/{session_id}": "admin", "POST /training/{session_id}/delete": "admin",
    # governance: official catalogs as decisions (governance.views_decisions, governance.api_decisions)
    "GET /catalogs": "staff", "POST /catalogs": "admin", "GET /catalogs/{version_id}": "staff",
    "POST /catalogs/{version_id}/header": "admin", "POST /catalogs/{version_id}/entries": "admin",
    "POST /catalogs/{version_id}/entries/{entry_id}/note": "admin", "POST /catalogs/{version_id}/entries/{entry_id}/delete": "admin",
    "POST /catalogs/{version_id}/submit": "admin", "POST /catalogs/{version_id}/return": "admin",
    "POST /catalogs/{version_id}/approve": "admin", "POST /catalogs/{version_id}/publish": "admin",
    "GET /catalogs/{version_id}/diff": "staff", "GET /catalogs/{version_id}/catalog.{fmt}": "staff",
    "GET /catalogs/{version_id}/signed.pdf": "staff", "GET /open/catalogs": "public", "GET /open/catalogs/{version_id}": "public",
    "GET /open/catalogs/{version_id}/diff": "public", "GET /open/catalogs/{version_id}/catalog.{fmt}": "public",
    "GET /open/catalogs/{version_id}/signed.pdf": "public",
    "GET /api/v1/catalogs": "public", "GET /api/v1/catalogs/reviews": "staff", "POST /api/v1/catalogs": "admin",
    "GET /api/v1/catalogs/{version_id}": "public", "GET /api/v1/catalogs/{version_id}/diff": "public",
    "PUT /api/v1/catalogs/{version_id}": "admin", "POST /api/v1/catalogs/{version_id}/entries": "admin",
    "PUT /api/v1/catalogs/{version_id}/entries/{entry_id}": "admin", "DELETE /api/v1/catalogs/{version_id}/entries/{entry_id}": "admin",
    "POST /api/v1/catalogs/{version_id}/submit": "admin", "POST /api/v1/catalogs/{version_id}/return": "admin",
    "POST /api/v1/catalogs/{version_id}/approve": "admin", "POST /api/v1/catalogs/{version_id}/publish": "admin",
    # governance: status surveys (governance.views_survey, governance.api_survey)
    "GET /surveys": "staff", "POST /surveys": "admin", "GET /surveys/{survey_id}": "staff", "GET /surveys/{survey_id}/edit": "admin",
    "POST /surveys/{survey_id}/edit": "admin", "POST /surveys/{survey_id}/sections": "admin",
    "POST /surveys/{survey_id}/sections/{section_id}/move": "admin", "POST /surveys/{survey_id}/sections/{section_id}/delete": "admin",
    "POST /surveys/{survey_id}/questions": "admin", "POST /surveys/{survey_id}/questions/{question_id}/move": "admin",
    "POST /surveys/{survey_id}/questions/{question_id}/delete": "admin", "POST /surveys/{survey_id}/open": "admin",
    "POST /surveys/{survey_id}/close": "admin", "GET /surveys/{survey_id}/report.docx": "staff",
    "GET /surveys/{survey_id}/report.xlsx": "staff", "GET /surveys/{survey_id}/answer": "staff",
    "POST /surveys/{survey_id}/answer": "editor",
    "GET /api/v1/surveys": "staff", "POST /api/v1/surveys": "admin", "GET /api/v1/surveys/{survey_id}": "staff",
    "PUT /api/v1/surveys/{survey_id}": "admin", "POST /api/v1/surveys/{survey_id}/sections": "admin",
    "DELETE /api/v1/surveys/{survey_id}/sections/{section_id}": "admin",
    "POST /api/v1/surveys/{survey_id}/sections/{section_id}/move": "admin", "POST /api/v1/surveys/{survey_id}/questions": "admin",
    "DELETE /api/v1/surveys/{survey_id}/questions/{question_id}": "admin",
    "POST /api/v1/surveys/{survey_id}/questions/{question_id}/move": "admin", "POST /api/v1/surveys/{survey_id}/open": "admin",
    "POST /api/v1/surveys/{survey_id}/close": "admin", "GET /api/v1/surveys/{survey_id}/results": "staff",
    "GET /api/v1/surveys/{survey_id}/units/{unit_id}": "staff", "PUT /api/v1/surveys/{survey_id}/units/{unit_id}": "editor",
    "POST /api/v1/surveys/{survey_id}/units/{unit_id}/submit": "editor",
    # governance: deadline rules (governance.views_deadlines, governance.api_deadlines)
    "GET /admin/deadlines": "staff", "GET /admin/deadlines/{key}": "staff", "POST /admin/deadlines/{key}": "admin",
    "GET /api/v1/deadlines": "staff", "GET /api/v1/deadlines/{key}": "staff", "GET /api/v1/deadlines/{key}/due": "staff",
    "PUT /api/v1/deadlines/{key}": "admin",
}  # fmt: skip
PARAMS = {
    "slug": "khong-co",
    "name": "package_list",
    "code": "DV.KHONGCO",
    "year": "2026",
    "day": "2026-01-01",
    "number": "1",
    "step": "publish",
    "entity_type": "dataset",
}
# Who is refused each rule, by the callers the tests sign in as (an admin is refused nothing but `consumer`);
# `application` is another agency's application with its API key: a credential of the gateway, not of a person.
REFUSED = {
    "public": (),
    "staff": ("anonymous", "application"),
    "editor": ("anonymous", "leader", "application"),
    "admin": ("anonymous", "leader", "steward", "application"),
    "consumer": ("anonymous", "leader"),
    "client": ("anonymous",),
    "operator": (),  # the test client is this machine: checked in tests/web/test_metrics.py
}


def _routes() -> Iterator[tuple[str, str]]:
    def walk(routes: list[object], prefix: str) -> Iterator[tuple[APIRoute, str]]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route, prefix + route.path
            elif (included := getattr(route, "original_router", None)) is not None:  # FastAPI's included routers
                yield from walk(included.routes, prefix + (route.include_context.prefix or ""))  # type: ignore[attr-defined]

    app = create_app(check_migrations=False)
    for route, path in walk(list(app.router.routes), ""):
        for method in sorted(route.methods - {"HEAD"}):
            yield method, path
    for route in app.router.routes:  # the documentation routes FastAPI adds itself
        if not isinstance(route, APIRoute) and getattr(route, "methods", None) and not hasattr(route, "original_router"):
            yield "GET", str(getattr(route, "path", ""))


def test_every_route_has_a_written_rule() -> None:
    found = {f"{method} {path}" for method, path in _routes()}
    assert sorted(found - ROUTES.keys()) == [], "a route without an access rule: add it to ROUTES on purpose"
    assert sorted(ROUTES.keys() - found) == [], "a rule for a route that no longer exists"
    assert set(ROUTES.values()) <= REFUSED.keys()


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS.get(m.group(1), str(uuid.uuid4())), path)


@pytest.fixture
def callers(db: Session) -> dict[str, dict[str, str]]:
    unit = f.unit(db, "Đơn vị A")
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role, unit_ in (("leader", None), ("steward", unit)):
        _, secret = auth.create_token(db, actor=actor_for(db, f.user(db, role, unit_)), name="t")
        headers[role] = {"Authorization": f"Bearer {secret}"}
    admin = actor_for(db, f.user(db, "admin"))
    app = consumers.register_app(
        db, actor=admin, organization_id=f.unit(db, "Bộ Công an", kind=OrgKind.AGENCY).id, name="Hệ thống", description=None
    )
    headers["application"] = {"X-API-Key": consumers.issue_credential(db, actor=admin, app_id=app.id, kind="api_key").secret}
    db.commit()
    return headers


@pytest.mark.parametrize("who", ["anonymous", "leader", "steward", "application"])
def test_each_caller_is_refused_what_its_rule_refuses(api: TestClient, callers: dict[str, dict[str, str]], who: str) -> None:
    checked = 0
    for line, rule in ROUTES.items():
        if who not in REFUSED[rule]:
            continue
        method, path = line.split(" ", 1)
        response = api.request(method, _url(path), headers=callers[who], json={}, follow_redirects=False)
        refused = response.status_code in (401, 403, 404, 405, 422) or (
            response.status_code == 303 and response.headers["location"].startswith("/login")
        )
        assert refused, f"{who}: {line} answered {response.status_code}"
        checked += 1
    assert checked >= 15


@pytest.fixture
def api(engine: object) -> Iterator[TestClient]:
    with TestClient(shared_app()) as client:
        yield client
