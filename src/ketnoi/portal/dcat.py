"""The open data catalog in DCAT-AP 3 (Turtle, RDF/XML, JSON-LD): public datasets, distributions, services.

What maps to what (topics to EU data themes, frequencies, licences) is in the tables below and in
docs/opendata-dcat.md. A resource loaded in the datastore is a distribution whose `dcat:accessService`
is its data API (`/rows`): one distribution per file, and the API as the service that serves it,
rather than a second distribution that harvesters would count as another file.

Paging follows the Hydra convention of DCAT-AP harvesters: pages of PAGE_SIZE datasets in the order
they were created, so a dataset created during a harvest lands on the last page and shifts no other.
A numbered page (and a `last` link) needs OFFSET, which the public catalog's size (thousands, not
millions) affords. The paging node is typed both `hydra:PartialCollectionView` (Hydra's term, which
udata reads) and `hydra:PagedCollection` (the only class ckanext-dcat's harvester looks for before
reading `hydra:next`), and its links keep the format asked for, so a harvester stays in one format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC
from ketnoi.catalog import codelists as cl
from ketnoi.catalog.datasets import visible
from ketnoi.catalog.models import Dataset
from ketnoi.kit.errors import NotFound
from ketnoi.org.models import FocalPoint, Organization, OrgKind
from ketnoi.portal import links
from ketnoi.portal.published import (
    PublicResource,
    Published,
    dataset_uri,
    distribution_uri,
    load,
    organization_uri,
    public_dataset,
    service_uri,
)
from ketnoi.sharing import registry
from ketnoi.sharing.registry import ServiceView

PAGE_SIZE = 100  # datasets per catalog page (a module constant: tests make it small)

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
EU = "http://publications.europa.eu/resource/authority/"
PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "vcard": VCARD, "adms": ADMS, "skos": SKOS, "hydra": HYDRA, "spdx": SPDX}
THEME_SCHEME = URIRef(EU + "data-theme")
LANGUAGE = URIRef(EU + "language/VIE")
PUBLIC_ACCESS = URIRef(EU + "access-right/PUBLIC")
# A sharing service needs a connection request and a grant: available under conditions, not closed.
RESTRICTED_ACCESS = URIRef(EU + "access-right/RESTRICTED")
NATIONAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/NationalAuthority")

# Our topics (codelists.TOPICS) → EU data themes. A topic missing here is published as a keyword.
THEMES = {
    "khcn": "TECH",
    "so-huu-tri-tue": "TECH",
    "tieu-chuan-do-luong": "TECH",
    "nang-luong-nguyen-tu": "ENER",
    "doi-moi-sang-tao": "ECON",
    "thong-tin-khcn": "TECH",
    "tai-chinh": "ECON",
    "to-chuc-can-bo": "GOVE",
    "phap-che": "JUST",
    "hanh-chinh": "GOVE",
}
# Our update frequencies (codelists.FREQUENCIES) → the EU frequency list.
FREQUENCIES = {
    "realtime": "UPDATE_CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "semiannual": "ANNUAL_2",
    "annual": "ANNUAL",
    "irregular": "IRREG",
}
# File formats named in the EU file-type list; another format is described by its media type only.
FILE_TYPES = frozenset({"CSV", "TSV", "JSON", "XLSX", "XLS", "PDF", "ZIP", "XML", "PARQUET", "TXT", "DOCX"})


@dataclass(frozen=True)
class Licence:
    name: str  # the SPDX id where there is one: how a Data Package names it
    url: str  # its text; a path is on this platform
    eu: str | None = None  # its id in the EU licence list, the URI DCAT-AP prefers

    @property
    def address(self) -> str:
        return links.base() + self.url if self.url.startswith("/") else self.url


# Our licences (codelists.LICENSES); "internal" is no licence to publish.
LICENCES = {
    "cc-by-4.0": Licence("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/", "CC_BY_4_0"),
    "cc0-1.0": Licence("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/", "CC0"),
    "odc-by-1.0": Licence("ODC-By-1.0", "https://opendatacommons.org/licenses/by/1-0/", "ODC_BY"),
    "odbl-1.0": Licence("ODbL-1.0", "https://opendatacommons.org/licenses/odbl/1-0/", "ODC_BL"),
    "vn-open-data": Licence("vn-open-data", "/open/terms"),
}


@dataclass(frozen=True)
class Paging:
    ext: str
    number: int
    total: int
    since: datetime | None

    @property
    def last(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    def url(self, number: int) -> URIRef:
        query = {"page": number} | ({"modified_since": self.since.isoformat()} if self.since else {})
        return URIRef(f"{links.base()}/catalog.{self.ext}?{urlencode(query)}")


def catalog_graph(session: Session, *, ext: str, page: int, since: datetime | None) -> Graph:
    """One page of the public catalog; with `since`, only datasets changed at or after it."""
    query = select(Dataset).where(visible(PUBLIC))
    if since is not None:
        query = query.where(Dataset.updated_at >= since)
    paging = Paging(ext, page, session.scalar(select(func.count()).select_from(query.subquery())) or 0, since)
    if page > paging.last:
        raise NotFound("Không có trang {page}: danh mục có {last} trang.", values={"page": page, "last": paging.last})
    rows = session.scalars(query.order_by(Dataset.created_at, Dataset.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    published = load(session, list(rows))
    modified = session.scalar(select(func.max(Dataset.updated_at)).where(visible(PUBLIC)))
    built = _Builder()
    catalog = built.catalog(_catalog_publisher(session), modified)
    for dataset in published.datasets:
        built.graph.add((catalog, DCAT.dataset, built.dataset(dataset, published)))
    if page == 1:  # the services are few: listed once, not on every page
        for service in _public_services(session):
            built.graph.add((catalog, DCAT.service, built.service(*service)))
    built.paging(catalog, paging)
    return built.graph


def dataset_graph(session: Session, *, ref: str) -> Graph:
    dataset = public_dataset(session, ref)
    built = _Builder()
    built.dataset(dataset, load(session, [dataset]))
    return built.graph


def _catalog_publisher(session: Session) -> Organization | None:
    """The ministry: the first unit at the top of the hierarchy."""
    query = select(Organization).where(Organization.parent_id.is_(None), Organization.kind == OrgKind.UNIT)
    return session.scalar(query.order_by(Organization.created_at, Organization.id).limit(1))


def _public_services(session: Session) -> list[tuple[ServiceView, bool]]:
    """The published services, each with whether the public may see the dataset it serves."""
    views = registry.list_services(session, actor=PUBLIC)
    dataset_ids = {v.service.dataset_id for v in views if v.service.dataset_id}
    public = set(session.scalars(select(Dataset.id).where(Dataset.id.in_(dataset_ids), visible(PUBLIC)))) if dataset_ids else set()
    return [(v, v.service.dataset_id in public) for v in views]


def _vi(text: str) -> Literal:
    return Literal(text, lang="vi")


class _Builder:
    """One graph, filled node by node; each method adds a node's triples and returns the node."""

    def __init__(self) -> None:
        self.graph = Graph()
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, namespace)

    def add(self, subject: URIRef | BNode, predicate: URIRef, value: URIRef | BNode | Literal | None) -> None:
        if value is not None:
            self.graph.add((subject, predicate, value))

    def catalog(self, publisher: Organization | None, modified: datetime | None) -> URIRef:
        node = URIRef(f"{links.base()}/catalog")
        name = f"Danh mục dữ liệu mở của {publisher.name}" if publisher else "Danh mục dữ liệu mở"
        for predicate, value in (
            (RDF.type, DCAT.Catalog),
            (DCTERMS.title, _vi(name)),
            (DCTERMS.title, Literal("Open data catalogue", lang="en")),
            (DCTERMS.description, _vi("Các bộ dữ liệu mở và các dịch vụ chia sẻ dữ liệu đã công bố, theo DCAT-AP 3.")),
            (DCTERMS.description, Literal("Open datasets and published data sharing services, as DCAT-AP 3.", lang="en")),
            (DCTERMS.publisher, self.agent(publisher) if publisher else self._platform()),
            (FOAF.homepage, URIRef(f"{links.base()}/open")),
            (DCTERMS.language, LANGUAGE),
            (DCAT.themeTaxonomy, THEME_SCHEME),
            (DCTERMS.modified, Literal(modified) if modified else None),
        ):
            self.add(node, predicate, value)
        self.add(THEME_SCHEME, RDF.type, SKOS.ConceptScheme)
        return node

    def _platform(self) -> URIRef:
        node = URIRef(f"{links.base()}/catalog#publisher")
        self.add(node, RDF.type, FOAF.Agent)
        self.add(node, FOAF.name, _vi("Nền tảng dữ liệu ketnoi"))
        return node

    def paging(self, catalog: URIRef, paging: Paging) -> None:
        view = paging.url(paging.number)
        for subject, predicate, value in (
            (catalog, RDF.type, HYDRA.Collection),
            (catalog, HYDRA.totalItems, Literal(paging.total)),
            (catalog, HYDRA.view, view),
            (view, RDF.type, HYDRA.PartialCollectionView),
            (view, RDF.type, HYDRA.PagedCollection),
            (view, HYDRA.totalItems, Literal(paging.total)),
            (view, HYDRA.itemsPerPage, Literal(PAGE_SIZE)),
            (view, HYDRA.first, paging.url(1)),
            (view, HYDRA.last, paging.url(paging.last)),
            (view, HYDRA.next, paging.url(paging.number + 1) if paging.number < paging.last else None),
            (view, HYDRA.previous, paging.url(paging.number - 1) if paging.number > 1 else None),
        ):
            self.add(subject, predicate, value)

    def dataset(self, dataset: Dataset, published: Published) -> URIRef:
        node = URIRef(dataset_uri(dataset.id))
        page = URIRef(links.dataset_page(dataset.slug))
        for predicate, value in (
            (RDF.type, DCAT.Dataset),
            (DCTERMS.title, _vi(dataset.name)),
            (DCTERMS.description, _vi(dataset.description or dataset.name)),  # mandatory: the title when there is none
            (DCTERMS.identifier, Literal(str(dataset.id))),
            (DCTERMS.issued, Literal(dataset.created_at)),
            (DCTERMS.modified, Literal(dataset.updated_at)),
            (DCTERMS.language, LANGUAGE),
            (DCTERMS.accessRights, PUBLIC_ACCESS),
            (DCAT.landingPage, page),
        ):
            self.add(node, predicate, value)
        self.add(page, RDF.type, FOAF.Document)
        owner = published.owners.get(dataset.owner_unit_id)
        if owner is not None:
            self.add(node, DCTERMS.publisher, self.agent(owner))
            self.add(node, DCAT.contactPoint, self.contact(owner, published.focal_points.get(owner.id)))
        self._classify(node, dataset)
        licence = self.licence(dataset.license_id)
        for offered in published.resources_of(dataset):
            self.add(node, DCAT.distribution, self.distribution(node, offered, licence))
        return node

    def _classify(self, node: URIRef, dataset: Dataset) -> None:
        """Tags as keywords; the topic as an EU data theme, or as a keyword when it maps to none."""
        for tag in dataset.tags:
            self.add(node, DCAT.keyword, _vi(tag))
        if dataset.topic and dataset.topic in THEMES:
            theme = URIRef(f"{EU}data-theme/{THEMES[dataset.topic]}")
            self.add(node, DCAT.theme, theme)
            self.add(theme, RDF.type, SKOS.Concept)
            self.add(theme, SKOS.inScheme, THEME_SCHEME)
        elif dataset.topic:
            self.add(node, DCAT.keyword, _vi(cl.TOPICS.get(dataset.topic, dataset.topic)))
        frequency = FREQUENCIES.get(dataset.update_frequency or "")
        if frequency:
            self.add(node, DCTERMS.accrualPeriodicity, URIRef(f"{EU}frequency/{frequency}"))

    def agent(self, org: Organization) -> URIRef:
        node = URIRef(organization_uri(org.id))
        self.add(node, RDF.type, FOAF.Agent)
        self.add(node, RDF.type, FOAF.Organization)
        self.add(node, FOAF.name, _vi(org.name))
        self.add(node, DCTERMS.type, NATIONAL_AUTHORITY if org.kind == OrgKind.UNIT else None)
        return node

    def contact(self, org: Organization, focal_point: FocalPoint | None) -> URIRef | None:
        """The unit's own mailbox (it outlives an appointment), else its focal point's; none without an address."""
        email = org.email or (focal_point.email if focal_point else None)
        if not email:
            return None
        node = URIRef(f"{organization_uri(org.id)}#contact")
        self.add(node, RDF.type, VCARD.Organization)
        self.add(node, VCARD.fn, _vi(org.name))
        self.add(node, VCARD.hasEmail, URIRef(f"mailto:{email.strip()}"))
        return node

    def licence(self, license_id: str | None) -> URIRef | None:
        licence = LICENCES.get(license_id or "")
        if licence is None:
            return None
        node = URIRef(EU + "licence/" + licence.eu) if licence.eu else URIRef(licence.address)
        self.add(node, RDF.type, DCTERMS.LicenseDocument)
        if licence.eu is None:  # our own terms: say what they are, no authority list does
            self.add(node, DCTERMS.title, _vi(cl.LICENSES[license_id or ""]))
        return node

    def distribution(self, dataset: URIRef, offered: PublicResource, licence: URIRef | None) -> URIRef:
        resource = offered.resource
        node = URIRef(distribution_uri(resource))
        url = URIRef(offered.download_url)
        for predicate, value in (
            (RDF.type, DCAT.Distribution),
            (DCTERMS.title, _vi(resource.name)),
            (DCTERMS.description, _vi(resource.description) if resource.description else None),
            (DCTERMS.issued, Literal(resource.created_at)),
            (DCTERMS.modified, Literal(resource.updated_at)),
            (DCAT.accessURL, url),
            (DCAT.downloadURL, url),
            (DCTERMS.license, licence),
        ):
            self.add(node, predicate, value)
        self._format(node, offered)
        if offered.table is not None:
            self.add(node, DCAT.accessService, self.data_api(dataset, node, offered))
        return node

    def _format(self, node: URIRef, offered: PublicResource) -> None:
        """The stored file's format, size and checksum; a table's CSV export has only its format."""
        resource = offered.resource
        file_format, media_type = (resource.format, resource.media_type) if offered.as_stored else ("CSV", "text/csv")
        if file_format and file_format.upper() in FILE_TYPES:
            self.add(node, DCTERMS.format, URIRef(f"{EU}file-type/{file_format.upper()}"))
        if media_type:
            self.add(node, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/" + media_type.split(";")[0].strip()))
        if offered.as_stored and resource.size is not None:
            self.add(node, DCAT.byteSize, Literal(resource.size, datatype=XSD.nonNegativeInteger))
        if offered.as_stored and resource.sha256:
            checksum = BNode()
            self.add(node, SPDX.checksum, checksum)
            self.add(checksum, RDF.type, SPDX.Checksum)
            self.add(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
            self.add(checksum, SPDX.checksumValue, Literal(resource.sha256, datatype=XSD.hexBinary))

    def data_api(self, dataset: URIRef, distribution: URIRef, offered: PublicResource) -> URIRef:
        node = URIRef(f"{distribution}#data-api")
        for predicate, value in (
            (RDF.type, DCAT.DataService),
            (DCTERMS.title, _vi(f"API dữ liệu: {offered.resource.name}")),
            (DCAT.endpointURL, URIRef(links.rows_api(offered.resource.id))),
            (DCAT.endpointDescription, URIRef(f"{links.base()}/api/v1/openapi.json")),
            (DCAT.servesDataset, dataset),
            (DCTERMS.accessRights, PUBLIC_ACCESS),
        ):
            self.add(node, predicate, value)
        return node

    def service(self, view: ServiceView, serves_public_dataset: bool) -> URIRef:
        service = view.service
        node = URIRef(service_uri(service.id))
        serves = URIRef(dataset_uri(service.dataset_id)) if serves_public_dataset and service.dataset_id else None
        for predicate, value in (
            (RDF.type, DCAT.DataService),
            (DCTERMS.title, _vi(service.name)),
            (DCTERMS.description, _vi(service.description) if service.description else None),
            (DCTERMS.identifier, Literal(service.code)),
            (DCTERMS.modified, Literal(service.updated_at)),
            (DCAT.endpointURL, URIRef(f"{links.base()}/x/{quote(service.code)}/records")),
            (DCAT.endpointDescription, URIRef(f"{links.base()}/api/v1/services/{service.id}/openapi.json")),
            (DCAT.servesDataset, serves),
            (DCTERMS.accessRights, RESTRICTED_ACCESS),
            (DCTERMS.publisher, self.agent(view.owner)),
            (DCAT.contactPoint, self.contact(view.owner, view.focal_point)),
        ):
            self.add(node, predicate, value)
        return node
