"""Imports every table so Alembic and tests see the whole metadata."""

from ketnoi.audit.models import AuditEvent
from ketnoi.auth.models import ApiToken, LoginSession, User
from ketnoi.catalog.models import Database, DataItem, Dataset, DatasetTag, Resource
from ketnoi.catalog.revision import CatalogRevision
from ketnoi.connectors.models import DataSource, SyncRun
from ketnoi.datastore.models import BadRow, DatastoreVersion
from ketnoi.db import Base
from ketnoi.federation.models import Peer, PeerGrant, PeerRequest, PeerService
from ketnoi.feedback.models import Feedback, FeedbackVote
from ketnoi.governance import deadlines_models, decisions_models, plan_models, survey_models, training_models  # noqa: F401 - their tables
from ketnoi.harvest.models import HarvestedDataset, HarvestRun, HarvestSource
from ketnoi.jobs.models import Job
from ketnoi.national.models import NationalPush
from ketnoi.notify.models import Notification
from ketnoi.org.models import FocalPoint, Organization
from ketnoi.quality.inspection_models import ImprovementPlan, ImprovementTask, InspectionCampaign, PlanNote, UnitReport
from ketnoi.quality.models import DatasetQuality, Incident, QualityResult, QualityRule, QualityRun
from ketnoi.sharing.agreements import Agreement
from ketnoi.sharing.client_keys import UsedAssertion
from ketnoi.sharing.consumers import ConsumerApp, ConsumerCredential
from ketnoi.sharing.evidence import ChainHead, Checkpoint, ExchangeRecord
from ketnoi.sharing.grants import Grant
from ketnoi.sharing.models import SharingService
from ketnoi.sharing.notices import Notice
from ketnoi.sharing.requests import ConnectionRequest
from ketnoi.sharing.subscriptions import Delivery, Subscription
from ketnoi.workcal.models import CalendarDay, CalendarYear

__all__ = [
    "Agreement",
    "ApiToken",
    "AuditEvent",
    "BadRow",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "CatalogRevision",
    "ChainHead",
    "Checkpoint",
    "ConnectionRequest",
    "ConsumerApp",
    "ConsumerCredential",
    "DataItem",
    "DataSource",
    "Database",
    "Dataset",
    "DatasetQuality",
    "DatasetTag",
    "DatastoreVersion",
    "Delivery",
    "ExchangeRecord",
    "Feedback",
    "FeedbackVote",
    "FocalPoint",
    "Grant",
    "HarvestRun",
    "HarvestSource",
    "HarvestedDataset",
    "ImprovementPlan",
    "ImprovementTask",
    "Incident",
    "InspectionCampaign",
    "Job",
    "LoginSession",
    "NationalPush",
    "Notice",
    "Notification",
    "Organization",
    "Peer",
    "PeerGrant",
    "PeerRequest",
    "PeerService",
    "PlanNote",
    "QualityResult",
    "QualityRule",
    "QualityRun",
    "Resource",
    "SharingService",
    "Subscription",
    "SyncRun",
    "UnitReport",
    "UsedAssertion",
    "User",
]
