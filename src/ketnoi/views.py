"""The HTML pages: every domain's views router."""

from __future__ import annotations

from fastapi import APIRouter

from ketnoi.audit.views import router as audit_router
from ketnoi.auth.views import router as auth_router
from ketnoi.auth.views_account import router as account_router
from ketnoi.catalog.views import router as database_router
from ketnoi.catalog.views_datasets import router as dataset_router
from ketnoi.connectors.views import router as connectors_router
from ketnoi.datastore.views import router as datastore_router
from ketnoi.federation.views import router as federation_router
from ketnoi.feedback.views import router as feedback_router
from ketnoi.governance.views_deadlines import router as deadlines_router
from ketnoi.governance.views_decisions import router as decisions_router
from ketnoi.governance.views_plan import router as plan_router
from ketnoi.governance.views_survey import router as survey_router
from ketnoi.governance.views_training import router as training_router
from ketnoi.harvest.views import router as harvest_router
from ketnoi.jobs.views import router as jobs_router
from ketnoi.national.views import router as national_router
from ketnoi.notify.views import router as notify_router
from ketnoi.org.views import router as org_router
from ketnoi.portal.views import router as portal_router
from ketnoi.portal.views_dcat import router as dcat_router
from ketnoi.quality.views import router as quality_router
from ketnoi.quality.views_incidents import router as quality_incidents_router
from ketnoi.quality.views_inspection import router as quality_inspection_router
from ketnoi.quality.views_profile import router as quality_profile_router
from ketnoi.sharing.views import router as services_router
from ketnoi.sharing.views_consumers import router as consumers_router
from ketnoi.sharing.views_requests import router as requests_router
from ketnoi.sharing.views_usage import router as usage_router
from ketnoi.web.views_home import router as home_router
from ketnoi.workcal.views import router as calendar_router

router = APIRouter(include_in_schema=False)
DOMAIN_ROUTERS = (
    home_router,
    portal_router,
    auth_router,
    account_router,
    org_router,
    database_router,
    dataset_router,
    datastore_router,
    requests_router,
    services_router,
    consumers_router,
    usage_router,
    audit_router,
    jobs_router,
    notify_router,
    calendar_router,
    dcat_router,
    harvest_router,
    feedback_router,
    quality_profile_router,
    quality_incidents_router,
    quality_inspection_router,
    quality_router,
    plan_router,
    decisions_router,
    survey_router,
    training_router,
    deadlines_router,
    connectors_router,
    federation_router,
    national_router,
)
for domain_router in DOMAIN_ROUTERS:
    router.include_router(domain_router)
