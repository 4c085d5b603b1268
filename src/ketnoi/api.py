"""The JSON API under /api/v1: every domain's router, behind the JSON/CSRF guard."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ketnoi.audit.api import router as audit_router
from ketnoi.auth.api import router as auth_router
from ketnoi.catalog.api import router as catalog_router
from ketnoi.connectors.api import router as connectors_router
from ketnoi.datastore.api import router as datastore_router
from ketnoi.federation.api import router as federation_router
from ketnoi.governance.api_deadlines import router as deadlines_router
from ketnoi.governance.api_decisions import router as decisions_router
from ketnoi.governance.api_plan import router as plan_router
from ketnoi.governance.api_survey import router as survey_router
from ketnoi.jobs.api import router as jobs_router
from ketnoi.national.api import router as national_router
from ketnoi.notify.api import router as notify_router
from ketnoi.org.api import router as org_router
from ketnoi.quality.api import router as quality_router
from ketnoi.quality.api_incidents import router as quality_incidents_router
from ketnoi.quality.api_inspection import router as quality_inspection_router
from ketnoi.quality.api_profile import router as quality_profile_router
from ketnoi.sharing.api import router as services_router
from ketnoi.web.api_common import api_guard
from ketnoi.web.api_home import router as stats_router
from ketnoi.workcal.api import router as calendar_router

router = APIRouter(prefix="/api/v1", dependencies=[Depends(api_guard)])
DOMAIN_ROUTERS = (
    stats_router,
    org_router,
    catalog_router,
    datastore_router,
    services_router,
    calendar_router,
    auth_router,
    audit_router,
    jobs_router,
    notify_router,
    quality_profile_router,
    quality_incidents_router,
    quality_inspection_router,
    quality_router,
    plan_router,
    decisions_router,
    survey_router,
    deadlines_router,
    connectors_router,
    federation_router,
    national_router,
)
for domain_router in DOMAIN_ROUTERS:
    router.include_router(domain_router)
