"""Build the catalog benchmark's database: schema by the real migrations, then deterministic data.

    KETNOI_DATABASE_URL=... KETNOI_VAR_DIR=... .venv/bin/python bench/catalog_data.py --db sqlite --rows 50000

catalog.py runs this in a subprocess with the environment of `benchlib.ketnoi_env()`, so the
ketnoi settings never see the developer's own database. The database is dropped and recreated.

The rows are bulk-inserted with SQLAlchemy Core (50,000 datasets through the services would take
many minutes), but every derived column is computed as the services compute it:
  organizations.search_text = search_text(name, short_name, agency_code)         (org/service.py _refresh_search)
  databases.search_text     = search_text(name, code, purpose, owner.name, owner.short_name)  (catalog/databases.py _check)
  datasets.search_text      = search_text(name, description, " ".join(tags))     (catalog/datasets.py _refresh)
  datasets.owner_unit_id    = the owner of the dataset's database                 (idem)
  organizations.slug, datasets.slug = kit.slug.unique_slug of the short name / name (org/service.py, catalog/datasets.py)
The admin account, its API token and a login session go through the real auth service.
At the end: a summary as one JSON line on stdout, and `generated.json` in the var dir.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import re
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import benchlib
import catalog_words as words
from sqlalchemy import Connection, Engine, Table, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from ketnoi import migrate
from ketnoi.auth import service as auth
from ketnoi.catalog.codelists import FREQUENCIES, TOPICS
from ketnoi.catalog.models import DatabaseClass, DatabaseStatus, DataClass, SharingForm, Visibility
from ketnoi.db import make_engine, unit_of_work
from ketnoi.identity import actor_for, system_actor
from ketnoi.kit.search import search_text
from ketnoi.kit.slug import unique_slug
from ketnoi.kit.vn import fold, nfc
from ketnoi.models import Base
from ketnoi.org.models import OrgKind

DEFAULT_SEED = 47_2020
BATCH = 5_000
RESOURCE_FORMATS = [("CSV", "text/csv"), ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                    ("JSON", "application/json"), ("PDF", "application/pdf")]  # fmt: skip
PUBLIC_SHARE = 0.30
ITEMS_PER_DATASET = 3
ADMIN_USERNAME = "bench-admin"
EPOCH = datetime(2019, 1, 1, tzinfo=UTC)
Row = dict[str, Any]
Batch = tuple[list[Row], list[Row], list[Row], list[Row]]  # datasets, dataset_tags, data_items, resources

assert all(topic in TOPICS for _, topic, _ in words.SUBJECTS), "catalog_words.SUBJECTS uses a topic missing from codelists"


def log(message: str) -> None:
    print(f"  [data] {message}", file=sys.stderr, flush=True)


def table(name: str) -> Table:
    return Base.metadata.tables[name]


@dataclass
class Org:
    id: uuid.UUID
    name: str
    short_name: str
    kind: str


@dataclass
class Db:
    id: uuid.UUID
    owner: Org
    subject: tuple[str, str, tuple[str, ...]]


class Generator:
    """Deterministic rows: the same seed gives the same catalog (ids included) on both databases."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.slugs: dict[str, set[str]] = {}

    def slug(self, name: str, fallback: str) -> str:
        """As the services make it (kit.slug.unique_slug): organizations and datasets each have their own names."""
        taken = self.slugs.setdefault(fallback, set())
        slug = unique_slug(name, lambda candidate: candidate in taken, fallback=fallback)
        taken.add(slug)
        return slug

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def moment(self) -> datetime:
        return EPOCH + timedelta(seconds=self.rng.randrange(6 * 365 * 86400))

    def organizations(self) -> list[tuple[Org, Row]]:
        out: list[tuple[Org, Row]] = []
        ids: dict[str, uuid.UUID] = {}
        for n, (name, short, parent) in enumerate(words.UNITS, start=1):
            org = Org(self.new_id(), nfc(name), nfc(short), OrgKind.UNIT)
            ids[short] = org.id
            slug = re.sub(r"[^a-z0-9]", "", fold(short))
            row = self._org_row(org, f"G16.{n:02d}", ids[parent] if parent else None)
            row.update(email=f"{slug}@mst.gov.vn", address="113 Trần Duy Hưng, Cầu Giấy, Hà Nội", website="https://mst.gov.vn")
            out.append((org, row))
        for n, province in enumerate(words.PROVINCES[: words.DEPARTMENTS], start=1):
            org = Org(self.new_id(), f"Sở Khoa học và Công nghệ {province}", f"Sở KH&CN {province}", OrgKind.AGENCY)
            row = self._org_row(org, f"H{n:02d}.16", None)
            row.update(address=f"{province}, Việt Nam")
            out.append((org, row))
        return out

    def _org_row(self, org: Org, agency_code: str, parent_id: uuid.UUID | None) -> Row:
        at = self.moment()
        return {
            "id": org.id,
            "name": org.name,
            "slug": self.slug(org.short_name or org.name, "don-vi"),
            "short_name": org.short_name,
            "kind": org.kind,
            "parent_id": parent_id,
            "agency_code": agency_code,
            "email": None,
            "phone": f"024 3{self.rng.randrange(10**6):06d}",
            "website": None,
            "address": None,
            "description": f"{org.name} ({org.short_name})",
            "search_text": search_text(org.name, org.short_name, agency_code),
            "created_at": at,
            "updated_at": at,
        }

    def databases(self, orgs: list[Org], count: int) -> list[tuple[Db, Row]]:
        weights = [4 if o.kind == OrgKind.UNIT else 1 for o in orgs]
        classes = [DatabaseClass.NATIONAL, DatabaseClass.MINISTRY_SHARED, DatabaseClass.SECTOR_SHARED, DatabaseClass.INTERNAL]
        statuses = [DatabaseStatus.OPERATING, DatabaseStatus.BUILDING, DatabaseStatus.PLANNED, DatabaseStatus.RETIRED]
        out: list[tuple[Db, Row]] = []
        for n in range(1, count + 1):
            owner = self.rng.choices(orgs, weights)[0]
            subject = self.rng.choice(words.SUBJECTS)
            suffix = self.rng.choice(["", f" của {owner.short_name}", " giai đoạn 2021-2025", " dùng chung", f" phiên bản {n}"])
            name = nfc(f"Cơ sở dữ liệu {subject[0]}{suffix}")
            code = f"CSDL.{n:04d}"
            purpose = f"Quản lý thống nhất {subject[0]}; phục vụ chỉ đạo, điều hành và chia sẻ dữ liệu của {owner.name}."
            at = self.moment()
            db = Db(self.new_id(), owner, subject)
            row: Row = {
                "id": db.id,
                "name": name,
                "code": code,
                "owner_unit_id": owner.id,
                "db_class": self.rng.choices(classes, [5, 30, 25, 40])[0],
                "purpose": purpose,
                "scope": f"Toàn quốc; dữ liệu từ năm {self.rng.choice(words.YEARS)}.",
                "content": None,
                "legal_basis": None,
                "source": None,
                "update_mechanism": None,
                "information_system": None,
                "security_level": self.rng.choice([None, 1, 2, 3]),
                "holds_personal_data": self.rng.random() < 0.2,
                "status": self.rng.choices(statuses, [70, 15, 10, 5])[0],
                "search_text": search_text(name, code, purpose, owner.name, owner.short_name),
                "created_at": at,
                "updated_at": at,
            }
            out.append((db, row))
        return out

    def datasets(self, dbs: list[Db], count: int) -> Iterator[Batch]:
        """Batches of (dataset rows, dataset_tags rows, data_items rows, resources rows)."""
        # Some databases hold many datasets, most hold a few dozen (a Pareto-like spread).
        weights = [self.rng.paretovariate(1.5) for _ in dbs]
        for start in range(0, count, BATCH):
            batch: Batch = ([], [], [], [])
            for db in self.rng.choices(dbs, weights, k=min(BATCH, count - start)):
                ds, tags, items = self.dataset(db)
                batch[0].append(ds)
                batch[1].extend(tags)
                batch[2].extend(items)
                batch[3].extend(self._resources(ds))
            yield batch

    def dataset(self, db: Db) -> tuple[Row, list[Row], list[Row]]:
        rng = self.rng
        subject, topic, subject_tags = db.subject if rng.random() < 0.7 else rng.choice(words.SUBJECTS)
        year = rng.choice(words.YEARS)
        fill = {
            "subject": subject,
            "province": rng.choice(words.PROVINCES),
            "unit": db.owner.short_name,
            "year": year,
            "year5": year + 4,
            "quarter": rng.randint(1, 4),
        }
        name = nfc(f"{rng.choice(words.DATASET_KINDS)} {subject}{rng.choice(words.WHERE)}{rng.choice(words.WHEN)}".format(**fill))
        description = self._description(fill)
        tags = self._tags(subject_tags, fill)
        public = rng.random() < PUBLIC_SHARE
        at = self.moment()
        ds_id = self.new_id()
        row: Row = {
            "id": ds_id,
            "database_id": db.id,
            "owner_unit_id": db.owner.id,
            "name": name,
            "slug": self.slug(name, "du-lieu"),
            "description": description,
            "license_id": rng.choice(words.OPEN_LICENSES) if public else rng.choice(["internal", "internal", None]),
            "topic": topic if rng.random() < 0.9 else None,
            "update_frequency": rng.choice([*FREQUENCIES, None]),
            "data_class": rng.choices([DataClass.OTHER, DataClass.IMPORTANT, DataClass.CORE], [80, 15, 5])[0],
            "visibility": Visibility.PUBLIC if public else Visibility.INTERNAL,
            "search_text": search_text(name, description, " ".join(tags)),
            "tags": tags,
            "created_at": at,
            "updated_at": at + timedelta(days=rng.randrange(200)),
        }
        tag_rows = [{"dataset_id": ds_id, "tag": tag} for tag in tags]
        return row, tag_rows, self._items(ds_id, public, subject, at)

    def _description(self, fill: dict[str, Any]) -> str | None:
        if self.rng.random() < 0.05:
            return None
        sentences = [s.format(**fill) for s in self.rng.sample(words.DESCRIPTIONS, self.rng.randint(1, 3))]
        if self.rng.random() < words.RARE_SHARE:
            sentences.append(f"Có dữ liệu liên quan đến {self.rng.choice(words.RARE)}.")
        return nfc(" ".join(sentences))

    def _tags(self, subject_tags: tuple[str, ...], fill: dict[str, Any]) -> list[str]:
        pool = [*subject_tags, fill["province"].lower(), str(fill["year"]), "dữ liệu mở", "dữ liệu dùng chung", "khcn"]
        tags: list[str] = []
        for tag in self.rng.sample(pool, self.rng.randint(1, 4)):
            tag = nfc(tag).lower()  # what catalog/schemas.py _tags stores
            if tag not in tags:
                tags.append(tag)
        return tags

    def _resources(self, ds: Row) -> list[Row]:
        """0 to 3 files (links: no bytes in the file store), for the portal's format facet and the CKAN dicts."""
        rows: list[Row] = []
        for n in range(self.rng.choices([0, 1, 2, 3], [15, 50, 25, 10])[0]):
            fmt, media_type = self.rng.choice(RESOURCE_FORMATS)
            rows.append(
                {
                    "id": self.new_id(),
                    "dataset_id": ds["id"],
                    "name": f"{ds['name'][:200]} ({fmt}, tệp {n + 1})",
                    "description": None,
                    "format": fmt,
                    "media_type": media_type,
                    "size": self.rng.randrange(2_000, 50_000_000),
                    "sha256": None,
                    "original_filename": None,
                    "storage_key": None,
                    "url": f"https://data.example.gov.vn/files/{ds['slug']}-{n + 1}.{fmt.lower()}",
                    "created_at": ds["created_at"],
                    "updated_at": ds["updated_at"],
                }
            )
        return rows

    def _items(self, ds_id: uuid.UUID, public: bool, subject: str, at: datetime) -> list[Row]:
        rows: list[Row] = []
        for position, (name, title, data_type, personal) in enumerate(self.rng.sample(words.ITEMS, ITEMS_PER_DATASET)):
            if personal:  # a public dataset never shares personal data openly (datasets.check_publication)
                form = self.rng.choice([SharingForm.SPECIFIC_REQUEST, SharingForm.NOT_SHARED])
            elif public:
                form = self.rng.choice([SharingForm.OPEN, SharingForm.DEFAULT_SHARED])
            else:
                form = self.rng.choice([SharingForm.DEFAULT_SHARED, SharingForm.SPECIFIC_REQUEST, SharingForm.NOT_SHARED])
            rows.append(
                {
                    "id": self.new_id(),
                    "dataset_id": ds_id,
                    "name": name,
                    "title": title,
                    "description": f"{title} ({subject})" if self.rng.random() < 0.5 else None,
                    "data_type": data_type,
                    "sharing_form": form,
                    "is_personal": personal,
                    "is_sensitive": personal and self.rng.random() < 0.5,
                    "position": position,
                    "created_at": at,
                    "updated_at": at,
                }
            )
        return rows


def reset_database(target: benchlib.Target) -> None:
    if target.name == "sqlite":
        path = target.url.split("///", 1)[1]
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    url = make_url(target.url)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()


LOADED = ("organizations", "databases", "datasets", "dataset_tags", "data_items", "resources")


def secondary_indexes(conn: Connection) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes the migrations made on the loaded tables, constraints' own excepted."""
    if conn.dialect.name == "sqlite":
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({})"
    else:
        query = (
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ({}) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
    names = ", ".join(f"'{t}'" for t in LOADED)
    return [(row[0], row[1]) for row in conn.exec_driver_sql(query.format(names))]


def produce(batches: Iterator[Batch], out: queue.Queue[Batch | None]) -> None:
    """Generate in a thread: the rows of the next batch are built while the database stores the last one."""
    try:
        for batch in batches:
            out.put(batch)
    finally:
        out.put(None)


def load(engine: Engine, gen: Generator, rows: int, n_databases: int) -> dict[str, float]:
    """Insert everything in one transaction; returns the seconds each part took.

    The secondary indexes are dropped first and created again after the rows are in, from the
    very statements the database reports for them (a bulk load is several times faster that way;
    the schema ends up exactly as the migrations left it).
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with engine.begin() as conn:
        indexes = secondary_indexes(conn)
        for name, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        orgs = gen.organizations()
        conn.execute(insert(table("organizations")), [row for _, row in orgs if row["parent_id"] is None])
        conn.execute(insert(table("organizations")), [row for _, row in orgs if row["parent_id"] is not None])
        dbs = gen.databases([org for org, _ in orgs], n_databases)
        conn.execute(insert(table("databases")), [row for _, row in dbs])
        timings["organizations_databases_s"] = time.perf_counter() - started
        t0 = time.perf_counter()
        batches: queue.Queue[Batch | None] = queue.Queue(maxsize=2)
        producer = threading.Thread(target=produce, args=(gen.datasets([db for db, _ in dbs], rows), batches), daemon=True)
        producer.start()
        done = 0
        while (batch := batches.get()) is not None:
            for name, part in zip(("datasets", "dataset_tags", "data_items", "resources"), batch, strict=True):
                if part:
                    conn.execute(insert(table(name)), part)
            done += len(batch[0])
            log(f"{done:,} datasets")
        producer.join()
        if done != rows:
            raise RuntimeError(f"generated {done} datasets instead of {rows}")
        timings["datasets_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, sql in indexes:
            conn.exec_driver_sql(sql)
        timings["indexes_s"] = time.perf_counter() - t0
        log(f"{len(indexes)} indexes created again")
    timings["load_total_s"] = time.perf_counter() - started
    return timings


def create_admin(engine: Engine) -> dict[str, str]:
    """The admin account through the real services, with an API token and a login session."""
    with unit_of_work(engine) as session:
        user = auth.create_user(
            session,
            actor=system_actor(),
            username=ADMIN_USERNAME,
            full_name="Quản trị viên đo hiệu năng",
            password=secrets.token_urlsafe(16),
            role="admin",
        )
        _token, token = auth.create_token(session, actor=actor_for(session, user), name="bench-catalog")
        cookie = auth.start_session(session, user=user, hours=24 * 30)
    return {"username": ADMIN_USERNAME, "token": token, "session": cookie}


def analyze(engine: Engine) -> str:
    """Fresh planner statistics, as a database in service would have them."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        with engine.connect() as conn:  # fold the WAL back into the main file, as a quiet database would be
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)"
    # VACUUM (ANALYZE): the statistics, plus the visibility map and hint bits autovacuum would set soon after a bulk load.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
    return "VACUUM (ANALYZE)"


def summary(engine: Engine) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    with engine.connect() as conn:
        for name in LOADED:
            counts[name] = conn.scalar(select(func.count()).select_from(table(name)))
        datasets = table("datasets")
        public = select(func.count()).select_from(datasets).where(datasets.c.visibility == Visibility.PUBLIC)
        counts["public_datasets"] = conn.scalar(public)
        version = "SELECT sqlite_version()" if engine.dialect.name == "sqlite" else "SHOW server_version"
        counts["server_version"] = conn.exec_driver_sql(version).scalar()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--rows", type=int, default=50_000, help="number of datasets")
    parser.add_argument("--databases", type=int, default=500, help="number of databases (CSDL)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    target = benchlib.target(args.db)
    if os.environ.get("KETNOI_DATABASE_URL") != target.url or os.environ.get("KETNOI_VAR_DIR") != str(target.var_dir):
        parser.error("run with the environment of benchlib.ketnoi_env() (catalog.py does)")

    started = time.perf_counter()
    target.var_dir.mkdir(parents=True, exist_ok=True)
    target.marker.unlink(missing_ok=True)
    reset_database(target)
    engine = make_engine(target.url)
    migrate.upgrade(engine)
    log(f"schema migrated to {migrate.head_revision()} on {args.db}")
    timings = {"reset_migrate_s": time.perf_counter() - started}
    timings |= load(engine, Generator(args.seed), args.rows, args.databases)
    t0 = time.perf_counter()
    secrets_ = create_admin(engine)
    analyzed = analyze(engine)
    timings["admin_analyze_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - started
    result = {
        "db": args.db,
        "rows": args.rows,
        "databases": args.databases,
        "seed": args.seed,
        "generator_version": benchlib.GENERATOR_VERSION,
        "analyze": analyzed,
        "counts": summary(engine),
        "timings": {k: round(v, 2) for k, v in timings.items()},
        **secrets_,
    }
    engine.dispose()
    target.marker.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    target.marker.chmod(0o600)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
