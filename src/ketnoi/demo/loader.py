"""Load the demo ministry through the real services, once: a second run finds everything and adds nothing.

Presence is decided by natural keys: an organization's agency code, a focal point's person and start
date within its unit, an account's username, a database's code, a dataset's name within its database
and a data item's name within its dataset. What exists is left as it is (never updated or duplicated).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi import files
from ketnoi.auth import service as auth
from ketnoi.auth.models import User
from ketnoi.authz import Actor
from ketnoi.catalog import databases, datasets, items
from ketnoi.catalog.models import Database, DataItem, Dataset, Resource
from ketnoi.catalog.schemas import DatabaseIn, DataItemIn, DatasetIn
from ketnoi.connectors import demo as connectors_demo
from ketnoi.datastore import ingest
from ketnoi.demo import data, exchange
from ketnoi.demo.specs import AccountSpec, DatabaseSpec, DataFileSpec, DatasetSpec, FocalPointSpec, OrgSpec, ServiceSpec
from ketnoi.federation import demo as federation_demo
from ketnoi.federation.models import Peer
from ketnoi.feedback import demo as feedback_demo
from ketnoi.governance import deadlines, decisions_demo, plan_demo, survey_demo, training_demo
from ketnoi.harvest import service as harvest
from ketnoi.harvest.models import HarvestSource
from ketnoi.harvest.schemas import SourceIn
from ketnoi.identity import system_actor
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Invalid
from ketnoi.kit.vn import nfc
from ketnoi.national import demo as national_demo
from ketnoi.national.models import NationalPush
from ketnoi.org import service as org
from ketnoi.org.models import FocalPoint, Organization
from ketnoi.org.schemas import FocalPointIn, OrganizationIn
from ketnoi.quality import demo as quality_demo
from ketnoi.quality import demo_incidents, demo_inspection
from ketnoi.sharing import consumers, registry
from ketnoi.sharing.consumers import ConsumerApp
from ketnoi.sharing.models import SharingService
from ketnoi.sharing.schemas import ServiceIn


@dataclass
class Tally:
    """How many records of one kind this run created, and how many it found already there."""

    created: int = 0
    present: int = 0

    def count(self, *, created: bool) -> None:
        if created:
            self.created += 1
        else:
            self.present += 1


@dataclass
class DemoResult:
    organizations: Tally = field(default_factory=Tally)
    focal_points: Tally = field(default_factory=Tally)
    users: Tally = field(default_factory=Tally)
    databases: Tally = field(default_factory=Tally)
    datasets: Tally = field(default_factory=Tally)
    data_items: Tally = field(default_factory=Tally)
    resources: Tally = field(default_factory=Tally)  # files loaded into the datastore
    services: Tally = field(default_factory=Tally)  # sharing services, consumer applications, connection requests
    feedback: Tally = field(default_factory=Tally)  # the public's comments, error reports and dataset requests
    harvest_sources: Tally = field(default_factory=Tally)  # other portals whose datasets are copied in
    quality: Tally = field(default_factory=Tally)  # quality rules (measured once), incidents, the yearly inspection
    governance: Tally = field(default_factory=Tally)  # deadline rules, the plan tracker, official catalogs, status surveys
    connections: Tally = field(default_factory=Tally)  # a synced data source, a peer node, a national registration

    def tallies(self) -> dict[str, Tally]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def created(self) -> int:
        return sum(t.created for t in self.tallies().values())

    @property
    def present(self) -> int:
        return sum(t.present for t in self.tallies().values())

    def summary(self) -> str:
        """One Vietnamese line for the operator: what this run created and what was already there."""
        labels = {
            "organizations": "tổ chức",
            "focal_points": "đầu mối",
            "users": "tài khoản",
            "databases": "CSDL",
            "datasets": "bộ dữ liệu",
            "data_items": "trường dữ liệu",
            "resources": "tệp dữ liệu đã nạp",
            "services": "dịch vụ chia sẻ và ứng dụng khai thác",
            "feedback": "ý kiến phản hồi về dữ liệu mở",
            "harvest_sources": "nguồn thu thập dữ liệu",
            "quality": "quy tắc, sự cố và báo cáo chất lượng dữ liệu",
            "governance": "nhóm ví dụ quản trị (kế hoạch, danh mục, khảo sát, tập huấn)",
            "connections": "ví dụ kết nối (nguồn đồng bộ, nút ngang hàng, đăng ký quốc gia)",
        }
        created = ", ".join(f"{t.created} {labels[name]}" for name, t in self.tallies().items())
        if not self.created:
            return f"Dữ liệu mẫu đã có sẵn, không thêm gì ({self.present} bản ghi)."
        return f"Đã nạp dữ liệu mẫu: {created}" + (f"; {self.present} bản ghi đã có sẵn." if self.present else ".")


def load_demo(session: Session, *, password: str) -> DemoResult:
    """Create the demo ministry (units, focal points, accounts, databases, datasets, items) where missing.

    `password` is given to every demo account that does not exist yet. The caller's unit of work
    commits; nothing here commits or rolls back.
    """
    if len(password) < auth.MIN_PASSWORD:
        raise Invalid("Mật khẩu phải có ít nhất {limit} ký tự.", values={"limit": auth.MIN_PASSWORD}).on_field("password")
    actor = system_actor()
    result = DemoResult()
    units = {spec.agency_code: _organization(session, actor, spec, result.organizations) for spec in data.ORGANIZATIONS}
    for focal in data.FOCAL_POINTS:
        _focal_point(session, actor, units[focal.org], focal, result.focal_points)
    for account in data.ACCOUNTS:
        _account(session, actor, units, account, password, result.users)
    for db_spec in data.DATABASES:
        database = _database(session, actor, units[db_spec.owner], db_spec, result.databases)
        for ds_spec in db_spec.datasets:
            dataset_id = _dataset(session, actor, database, ds_spec, result.datasets)
            _items(session, actor, dataset_id, ds_spec, result.data_items)
    for data_file in data.DATA_FILES:
        _data_file(session, actor, data_file, result.resources)
    for service in data.SERVICES:
        _service(session, actor, service, result.services)
    for agency_code, name in data.CONSUMER_APPS:
        _consumer_app(session, actor, agency_code, name, result.services)
    created, present = exchange.load_connections(session, actor)
    result.services.created += created
    result.services.present += present
    result.feedback.created, result.feedback.present = feedback_demo.load_examples(session)
    _harvest_source(session, actor, result.harvest_sources)
    _quality(session, result.quality)
    _governance(session, result.governance)
    _connections(session, actor, result.connections)
    return result


def _connections(session: Session, actor: Actor, tally: Tally) -> None:
    """A unit's system synced into a dataset (when KETNOI_SOURCE_SQLITE_DIR lets the demo keep one; `make run`
    sets it), a REST source switched off, a province's platform as a peer node, and a past push of the
    catalogs to the national portal."""
    for load_examples in (connectors_demo.load_demo, connectors_demo.load_rest_example):
        created, present = load_examples(session, actor)
        tally.created += created
        tally.present += present
    if session.scalar(select(Peer.id).limit(1)) is None:
        federation_demo.load_demo(session)
        tally.count(created=True)
    else:
        tally.count(created=False)
    if session.scalar(select(NationalPush.id).limit(1)) is None:
        national_demo.load_demo(session)
        tally.count(created=True)
    else:
        tally.count(created=False)


def _governance(session: Session, tally: Tally) -> None:
    """The deadline rules, the seed plan with this year's tasks and reports, official catalogs, the status
    survey: each set of examples counted once, created or already there."""
    deadlines.seed(session)  # the platform's defaults (the quality demo's campaign may have seeded them already)
    for load_examples in (plan_demo.load_examples, decisions_demo.load_examples, survey_demo.load_examples, training_demo.load_examples):
        created, _present = load_examples(session)
        tally.count(created=created > 0)


def _quality(session: Session, tally: Tally) -> None:
    """Rules on the loaded tables (and a first run of them), incidents, the yearly inspection."""
    for load_examples in (quality_demo.load_examples, demo_incidents.load_examples, demo_inspection.load_examples):
        created, present = load_examples(session)
        tally.created += created
        tally.present += present


def _harvest_source(session: Session, actor: Actor, tally: Tally) -> None:
    """The national open-data portal (CKAN), switched off: this machine may have no way out to it.
    An administrator who has one ticks «Bật» on /harvest, or runs `ketnoi harvest run --all`."""
    found = session.scalar(select(HarvestSource).where(HarvestSource.url == data.NATIONAL_PORTAL))
    tally.count(created=found is None)
    if found is None:
        database = session.scalar(select(Database).where(Database.code == data.HARVEST_DATABASE))
        assert database is not None, "the demo's databases are created first"
        spec = {"name": "Cổng dữ liệu quốc gia", "url": data.NATIONAL_PORTAL, "kind": "ckan", "database_id": database.id, "enabled": False}
        harvest.create_source(session, actor=actor, data=SourceIn.model_validate(spec))


def _consumer_app(session: Session, actor: Actor, agency_code: str, name: str, tally: Tally) -> None:
    agency = session.scalar(select(Organization).where(Organization.agency_code == agency_code))
    if agency is None:
        raise LookupError(f"demo consumer of an agency that is not in the demo: {agency_code}")
    found = session.scalar(select(ConsumerApp.id).where(ConsumerApp.organization_id == agency.id, ConsumerApp.name == nfc(name)))
    tally.count(created=found is None)
    if found is None:
        consumers.register_app(session, actor=actor, organization_id=agency.id, name=name, description=None)


def _service(session: Session, actor: Actor, spec: ServiceSpec, tally: Tally) -> None:
    """A sharing service of the demo, brought to its stage of the lifecycle through the registry."""
    found = session.scalar(select(SharingService.id).where(SharingService.code == spec.code))
    tally.count(created=found is None)
    if found is not None:
        return
    dataset = session.scalar(select(Dataset).where(Dataset.name == nfc(spec.dataset)))
    if dataset is None:
        raise LookupError(f"demo service over a dataset that is not in the demo: {spec.dataset}")
    data = ServiceIn(
        code=spec.code,
        name=spec.name,
        description=spec.description,
        owner_unit_id=dataset.owner_unit_id,
        dataset_id=dataset.id,
        sharing_form=spec.sharing_form,
        data_items=list(spec.data_items),
        usage_regulation=spec.usage_regulation,
        rate_limit_per_minute=spec.rate_limit_per_minute,
        availability=spec.availability,
    )
    service = registry.create_service(session, actor=actor, data=data).service
    if spec.stage == "draft":
        return
    # A service made ready some working days ago shows the dashboard's "late" case.
    registry.mark_ready(session, actor=actor, service_id=service.id, now=utcnow() - timedelta(days=spec.ready_days_ago))
    if spec.stage == "published":
        registry.publish(session, actor=actor, service_id=service.id)


def _data_file(session: Session, actor: Actor, spec: DataFileSpec, tally: Tally) -> None:
    """A file of the demo (an old TCVN3 export, a spreadsheet with title rows…) attached and loaded into the datastore."""
    dataset_id = session.scalar(select(Dataset.id).where(Dataset.name == nfc(spec.dataset)))
    if dataset_id is None:
        raise LookupError(f"demo data file for a dataset that is not in the demo: {spec.dataset}")
    found = session.scalar(select(Resource.id).where(Resource.dataset_id == dataset_id, Resource.name == nfc(spec.title)))
    tally.count(created=found is None)
    if found is not None:
        return
    path = Path(__file__).parent / "files" / spec.filename
    with path.open("rb") as stream:
        resource = items.add_resource(
            session,
            actor=actor,
            dataset_id=dataset_id,
            name=spec.title,
            description=spec.description,
            filename=spec.filename,
            stream=stream,
            max_bytes=1 << 20,
        )
    stored = files.stored(resource.storage_key) if resource.storage_key else None
    options = ingest.IngestOptions(bad_rows=spec.bad_rows)
    ingest.ingest(session, actor=actor, resource_id=resource.id, path=path, options=options, original=stored)


def _organization(session: Session, actor: Actor, spec: OrgSpec, tally: Tally) -> Organization:
    found = session.scalar(select(Organization).where(Organization.agency_code == spec.agency_code))
    tally.count(created=found is None)
    if found is not None:
        return found
    parent = None
    if spec.parent:
        parent = session.scalar(select(Organization.id).where(Organization.agency_code == spec.parent))
    payload = OrganizationIn(
        name=spec.name,
        short_name=spec.short_name,
        kind=spec.kind,
        parent_id=parent,
        agency_code=spec.agency_code,
        email=spec.email,
        phone=spec.phone,
        website=spec.website,
        address=spec.address,
        description=spec.description,
    )
    return org.create_organization(session, actor=actor, data=payload)


def _focal_point(session: Session, actor: Actor, unit: Organization, spec: FocalPointSpec, tally: Tally) -> None:
    # Present when this appointment, or a later one, is already on record: the demo never rewrites history.
    later = select(FocalPoint.id).where(FocalPoint.organization_id == unit.id, FocalPoint.started_on >= spec.started_on)
    found = session.scalar(later.limit(1))
    tally.count(created=found is None)
    if found is None:
        payload = FocalPointIn(
            full_name=spec.full_name,
            position=spec.position,
            phone=spec.phone,
            email=spec.email,
            appointment_document=spec.appointment_document,
            started_on=spec.started_on,
        )
        org.appoint_focal_point(session, actor=actor, org_id=unit.id, data=payload)


def _account(
    session: Session,
    actor: Actor,
    units: dict[str, Organization],
    spec: AccountSpec,
    password: str,
    tally: Tally,
) -> None:
    found = session.scalar(select(User.id).where(User.username == spec.username))
    tally.count(created=found is None)
    if found is None:
        auth.create_user(
            session,
            actor=actor,
            username=spec.username,
            full_name=spec.full_name,
            password=password,
            role=spec.role.value,
            unit_id=units[spec.unit].id if spec.unit else None,
            email=spec.email,
        )


def _database(session: Session, actor: Actor, owner: Organization, spec: DatabaseSpec, tally: Tally) -> Database:
    found = session.scalar(select(Database).where(Database.code == spec.code))
    tally.count(created=found is None)
    if found is not None:
        return found
    payload = DatabaseIn(
        name=spec.name,
        code=spec.code,
        owner_unit_id=owner.id,
        db_class=spec.db_class,
        purpose=spec.purpose,
        scope=spec.scope,
        content=spec.content,
        legal_basis=spec.legal_basis,
        source=spec.source,
        update_mechanism=spec.update_mechanism,
        information_system=spec.information_system,
        security_level=spec.security_level,
        holds_personal_data=spec.holds_personal_data,
        status=spec.status,
    )
    return databases.create_database(session, actor=actor, data=payload)


def _dataset(session: Session, actor: Actor, database: Database, spec: DatasetSpec, tally: Tally) -> uuid.UUID:
    query = select(Dataset.id).where(Dataset.database_id == database.id, Dataset.name == nfc(spec.name))
    found = session.scalar(query)
    tally.count(created=found is None)
    if found is not None:
        return found
    payload = DatasetIn(
        database_id=database.id,
        name=spec.name,
        description=spec.description,
        license_id=spec.license_id,
        topic=spec.topic,
        tags=list(spec.tags),
        update_frequency=spec.update_frequency,
        data_class=spec.data_class,
        visibility=spec.visibility,
    )
    return datasets.create_dataset(session, actor=actor, data=payload).dataset.id


def _items(session: Session, actor: Actor, dataset_id: uuid.UUID, spec: DatasetSpec, tally: Tally) -> None:
    existing = set(session.scalars(select(DataItem.name).where(DataItem.dataset_id == dataset_id)))
    for position, item in enumerate(spec.items, start=1):
        tally.count(created=item.name not in existing)
        if item.name in existing:
            continue
        payload = DataItemIn(
            name=item.name,
            title=item.title,
            description=item.description,
            data_type=item.data_type,
            sharing_form=item.sharing_form,
            is_personal=item.is_personal,
            is_sensitive=item.is_sensitive,
            position=position,
        )
        items.add_item(session, actor=actor, dataset_id=dataset_id, data=payload)
