"""Build the governance benchmark's database: a ministry with 30 units, 500 databases, 5,000 datasets,
the Decree 47 plan over 3 years, 3 years of quality history and an inspection campaign a year.

    KETNOI_DATABASE_URL=... KETNOI_VAR_DIR=... .venv/bin/python bench/governance_data.py --db sqlite

governance.py runs this in a subprocess with the environment of `benchlib.ketnoi_env()` (data dir
bench/.data/governance-<db>/). The database is dropped and recreated, migrated, then:
  - catalog (catalog_data.load, SQLAlchemy Core): 30 units, 500 databases, 5,000 datasets, derived columns as the services make them;
  - the admin account, API token and login session (catalog_data.create_admin, real auth service);
  - the plan: plan_seed.load_plan, plan.generate_instances for each of the 3 years (services);
  - progress reports through plan.submit_report (service, audited) on a seeded share of the instances
    (past years: 70 % done, 20 % half-way; this year: 35 % done, 40 % under way), then their dates
    moved into their period (the service stamps "now");
  - quality history (Core executemany, too many rows for the runner): QUALITY_SAMPLE datasets with 2 or 3
    rules, one scheduled run a month for 3 years, each with its results; scores by quality.score.dataset_score
    as runner.run_dataset computes them, quality_datasets pointing at the last run;
  - an inspection campaign per year (quality.inspection.open_campaign: figures measured per unit), past years closed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import benchlib
import catalog_data
import catalog_words as words
from catalog_data import Generator, Org, Row, table
from sqlalchemy import Engine, bindparam, func, insert, select, update

from ketnoi import migrate
from ketnoi.auth.models import User
from ketnoi.db import make_engine, unit_of_work
from ketnoi.governance import decisions, plan, plan_seed, training
from ketnoi.governance.decisions_models import ApproveIn, CatalogKind
from ketnoi.governance.plan_models import PlanTask, ProgressIn, ProgressReport, TaskInstance
from ketnoi.governance.training_models import AttendanceIn, TrainingIn
from ketnoi.identity import actor_for
from ketnoi.org.models import Organization, OrgKind
from ketnoi.quality import inspection
from ketnoi.quality.inspection_models import CampaignIn, CampaignStatus
from ketnoi.quality.models import Outcome, RunStatus, Schedule
from ketnoi.quality.score import RuleResult, dataset_score

UNITS = 30
DATABASES = 500
DATASETS = 5_000
YEARS = (2024, 2025, 2026)
QUALITY_SAMPLE = 5_000  # datasets with a quality history (all of them); a run a month since January of the first year
SEED = 47_2020
# The plan names "Cục Thông tin KH&CN quốc gia" and "Trung tâm CNTT": present so their tasks resolve to a unit.
NAMED_UNIT = ("Cục Thông tin khoa học và công nghệ quốc gia", "Cục TTKHCN", None)


def log(message: str) -> None:
    catalog_data.log(message)


class MinistryGenerator(Generator):
    """catalog_data's generator with the ministry's 30 units only (no provincial departments)."""

    def organizations(self) -> list[tuple[Org, Row]]:
        top = [u for u in words.UNITS if u[2] is None][: UNITS - 2]
        chosen = [*top, NAMED_UNIT, next(u for u in words.UNITS if u[2] is not None)]
        ids: dict[str, uuid.UUID] = {}
        out: list[tuple[Org, Row]] = []
        for n, (name, short, parent) in enumerate(chosen, start=1):
            org = Org(self.new_id(), name, short, OrgKind.UNIT)
            ids[short] = org.id
            out.append((org, self._org_row(org, f"G16.{n:02d}", ids[parent] if parent else None)))
        return out


def months(now: datetime) -> list[datetime]:
    """The 1st of each month from January of the first year to this month."""
    out, year, month = [], YEARS[0], 1
    while datetime(year, month, 1, tzinfo=UTC) <= now:
        out.append(datetime(year, month, 1, 2, tzinfo=UTC))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


# ---- the plan ---------------------------------------------------------------------------------------


def load_plan(engine: Engine, rng: random.Random, now: datetime) -> dict[str, int]:
    with unit_of_work(engine) as session:
        created, _ = plan_seed.load_plan(session)
        instances = sum(plan.generate_instances(session, year=year) for year in YEARS)
    log(f"plan: {created} tasks, {instances} instances for {YEARS}")
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        admin = session.scalar(select(User).where(User.username == catalog_data.ADMIN_USERNAME))
        assert admin is not None
        actor = actor_for(session, admin)
        query = (
            select(TaskInstance)
            .join(PlanTask, PlanTask.id == TaskInstance.task_id)
            .join(Organization, Organization.id == TaskInstance.unit_id)
            .order_by(PlanTask.position, TaskInstance.period_key, Organization.agency_code)
        )
        reported: list[tuple[uuid.UUID, date, date]] = []
        for instance in session.scalars(query):
            current = instance.period_start.year == now.year
            percent = rng.choices([100, 50, 0], [35, 40, 25] if current else [70, 20, 10])[0]
            if percent == 0 or instance.period_start > now.date():
                continue
            if percent == 100 and rng.random() < 0.5:  # half the finished ones had a half-way report first
                plan.submit_report(session, actor=actor, instance_id=instance.id, data=ProgressIn(body="Đang triển khai.", percent=50))
            body = "Đã hoàn thành, có minh chứng kèm theo." if percent == 100 else "Đang triển khai, đã hoàn thành một nửa khối lượng."
            plan.submit_report(session, actor=actor, instance_id=instance.id, data=ProgressIn(body=body, percent=percent))
            reported.append((instance.id, instance.period_start, min(instance.due_on or instance.period_end, now.date())))
        log(f"plan: progress reported on {len(reported)} instances in {time.perf_counter() - started:.1f} s")
        # the service stamps "now": move each report into its period, the completion with it
        moves: list[dict[str, Any]] = []
        for instance_id, start, end in reported:
            day = start + timedelta(days=rng.randrange(max((end - start).days, 1)))
            moves.append({"b_id": instance_id, "b_at": datetime(day.year, day.month, day.day, 9, tzinfo=UTC)})
        reports = table("plan_progress_reports")
        instances_t = table("plan_task_instances")
        conn = session.connection()
        conn.execute(update(reports).where(reports.c.instance_id == bindparam("b_id")).values(submitted_at=bindparam("b_at")), moves)
        done = instances_t.c.completed_at.is_not(None)
        conn.execute(update(instances_t).where(instances_t.c.id == bindparam("b_id"), done).values(completed_at=bindparam("b_at")), moves)
        count = session.scalar(select(func.count()).select_from(ProgressReport)) or 0
    return {"plan_tasks": created, "plan_instances": instances, "instances_reported": len(reported), "progress_reports": count}


# ---- quality history --------------------------------------------------------------------------------

RULES: tuple[tuple[str, str, str, float, dict[str, Any], bool], ...] = (  # kind, dimension, severity, target, params, on a resource
    ("metadata", "metadata", "major", 1.0, {"fields": ["description", "license_id", "topic", "update_frequency"]}, False),
    ("freshness", "timeliness", "major", 1.0, {}, False),
    ("not_null", "completeness", "critical", 0.98, {"column": "ma"}, True),
)
RULE_NAMES = {"metadata": "Mô tả đầy đủ", "freshness": "Cập nhật đúng tần suất", "not_null": "Mã không được để trống"}


def load_quality(engine: Engine, rng: random.Random, now: datetime) -> dict[str, int]:
    datasets, resources = table("datasets"), table("resources")
    with engine.begin() as conn:
        ids = sorted(conn.scalars(select(datasets.c.id)), key=str)
        first_resource: dict[uuid.UUID, uuid.UUID] = {}
        for dataset_id, resource_id in conn.execute(
            select(resources.c.dataset_id, resources.c.id).order_by(resources.c.created_at, resources.c.name)
        ):
            first_resource.setdefault(dataset_id, resource_id)
    sample = sorted(rng.sample(ids, min(QUALITY_SAMPLE, len(ids))), key=str)
    moments = months(now)
    counts = {"quality_datasets": 0, "quality_rules": 0, "quality_runs": 0, "quality_results": 0}
    with engine.begin() as conn:
        for start in range(0, len(sample), 250):
            rules: list[Row] = []
            runs: list[Row] = []
            results: list[Row] = []
            summaries: list[Row] = []
            for dataset_id in sample[start : start + 250]:
                resource_id = first_resource.get(dataset_id)
                ds_rules = [
                    {"id": uuid.UUID(int=rng.getrandbits(128), version=4), "dataset_id": dataset_id,
                     "resource_id": resource_id if on_res else None, "name": RULE_NAMES[kind], "kind": kind, "dimension": dim,
                     "severity": sev, "target": target, "params": params,
                     "enabled": True, "origin": "manual", "created_by_id": None, "created_at": moments[0], "updated_at": moments[0]}
                    for kind, dim, sev, target, params, on_res in RULES
                    if resource_id is not None or not on_res
                ]  # fmt: skip
                rules += ds_rules
                quality = rng.uniform(0.85, 1.0)  # the dataset's usual conformance, drifting a little each month
                last: Row | None = None
                for at in moments:
                    run_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                    started = at + timedelta(minutes=rng.randrange(120))
                    measured = []
                    for rule in ds_rules:
                        evaluated = 1 if rule["kind"] != "not_null" else rng.randrange(100, 20_000)
                        bad = rng.random() > min(1.0, quality + rng.uniform(-0.05, 0.08))
                        failed = (1 if bad else 0) if evaluated == 1 else int(evaluated * max(0.0, rng.gauss(1 - quality, 0.02)))
                        scored = RuleResult(rule["dimension"], rule["severity"], rule["target"], evaluated, failed, True)
                        measured.append(scored)
                        results.append(
                            {"run_id": run_id, "rule_id": rule["id"], "rule_name": rule["name"], "kind": rule["kind"],
                             "dimension": rule["dimension"], "severity": rule["severity"], "target": rule["target"],
                             "outcome": Outcome.PASSED if scored.passed else Outcome.FAILED, "evaluated": evaluated, "failed": failed,
                             "conformance": scored.conformance, "score": scored.score, "details": {}, "sample_ids": [], "message": None,
                             "duration_ms": rng.randrange(2, 400)}
                        )  # fmt: skip
                    total = dataset_score(measured)
                    finished = started + timedelta(seconds=rng.randrange(1, 90))
                    last = {"id": run_id, "dataset_id": dataset_id, "trigger": "schedule", "status": RunStatus.DONE, "started_at": started,
                            "finished_at": finished, "row_count": max(r.evaluated for r in measured), "score": total.score,
                            "capped": total.capped, "dimension_scores": total.dimensions, "covered": total.covered, "error": None,
                            "started_by_id": None}  # fmt: skip
                    runs.append(last)
                assert last is not None
                summaries.append(
                    {"dataset_id": dataset_id, "schedule": Schedule.MONTHLY, "last_run_id": last["id"], "last_run_at": last["finished_at"],
                     "score": last["score"], "covered": len(last["covered"]), "metadata_reviewed_at": None, "metadata_reviewed_by_id": None}
                )  # fmt: skip
            for name, rows in (
                ("quality_rules", rules),
                ("quality_runs", runs),
                ("quality_results", results),
                ("quality_datasets", summaries),
            ):
                conn.execute(insert(table(name)), rows)
                counts[name] += len(rows)
            log(f"quality: {counts['quality_datasets']:,} datasets, {counts['quality_runs']:,} runs, {counts['quality_results']:,} results")
    return counts


# ---- inspections ------------------------------------------------------------------------------------


def load_inspections(engine: Engine, now: datetime) -> dict[str, int]:
    reports = 0
    for year in YEARS:
        with unit_of_work(engine) as session:
            admin = session.scalar(select(User).where(User.username == catalog_data.ADMIN_USERNAME))
            assert admin is not None
            actor = actor_for(session, admin)
            inspection.open_campaign(session, actor=actor, data=CampaignIn(year=year))
            if year < now.year:
                inspection.set_status(session, actor=actor, year=year, status=CampaignStatus.CLOSED)
            reports = session.scalar(select(func.count()).select_from(table("quality_unit_reports"))) or 0
    log(f"inspections: {len(YEARS)} campaigns, {reports} unit reports")
    return {"inspection_campaigns": len(YEARS), "inspection_unit_reports": reports}


# ---- official catalogs and training -------------------------------------------------------------------


def load_catalogs_and_training(engine: Engine, now: datetime) -> dict[str, Any]:
    """A published version of the open-data catalog and of the ministry's shared databases (built from the
    generated inventory by the service's rules), and a training session per unit group this year."""
    ids: dict[str, str] = {}
    with unit_of_work(engine) as session:
        admin = session.scalar(select(User).where(User.username == catalog_data.ADMIN_USERNAME))
        assert admin is not None
        actor = actor_for(session, admin)
        for kind in (CatalogKind.OPEN_DATA, CatalogKind.MINISTRY_SHARED):
            version = decisions.new_version(session, actor=actor, kind=kind)
            decisions.submit(session, actor=actor, version_id=version.id)
            approval = ApproveIn(decision_number=f"{100 + len(ids)}/QĐ-BKHCN", decision_date=now.date(), signer_name="Nguyễn Văn A",
                                 signer_title="KT. BỘ TRƯỞNG — THỨ TRƯỞNG")  # fmt: skip
            decisions.approve(session, actor=actor, version_id=version.id, data=approval)
            decisions.publish(session, actor=actor, version_id=version.id)
            ids[str(kind)] = str(version.id)
        units = list(session.scalars(select(Organization.id).where(Organization.kind == OrgKind.UNIT).order_by(Organization.name)))
        for index in range(0, len(units), 5):
            attendance = [AttendanceIn(unit_id=u, count=3) for u in units[index : index + 5]]
            title = f"Tập huấn quản lý, chia sẻ dữ liệu (nhóm {index // 5 + 1})"
            data = TrainingIn(title=title, held_on=now.date(), place="Trụ sở Bộ", organizer_id=units[0], topics="Nghị định 47/2020/NĐ-CP",
                              participants=attendance)  # fmt: skip
            training.create_session(session, actor=actor, data=data)
        entries = session.scalar(select(func.count()).select_from(table("catalog_entries"))) or 0
    log(f"official catalogs: {len(ids)} published versions, {entries} entries; training sessions: {(len(units) + 4) // 5}")
    return {"catalog_versions": ids, "catalog_entries": entries}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    target = benchlib.target(args.db, data=benchlib.DATA / "governance", database="ketnoi_bench_governance")
    now = datetime.now(UTC)
    started = time.perf_counter()
    target.var_dir.mkdir(parents=True, exist_ok=True)
    target.marker.unlink(missing_ok=True)
    catalog_data.reset_database(target)
    engine = make_engine(target.url)
    migrate.upgrade(engine)
    timings = {"reset_migrate_s": time.perf_counter() - started}
    timings |= catalog_data.load(engine, MinistryGenerator(args.seed), DATASETS, DATABASES)
    secrets_ = catalog_data.create_admin(engine)
    rng = random.Random(args.seed)  # noqa: S311 - reproducible test data
    counts: dict[str, Any] = {}
    for name, step in (("plan_s", load_plan), ("quality_s", load_quality)):
        t0 = time.perf_counter()
        counts |= step(engine, rng, now)
        timings[name] = time.perf_counter() - t0
    t0 = time.perf_counter()
    counts |= load_inspections(engine, now)
    timings["inspections_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    counts |= load_catalogs_and_training(engine, now)
    timings["catalogs_training_s"] = time.perf_counter() - t0
    analyzed = catalog_data.analyze(engine)
    counts |= catalog_data.summary(engine)
    timings["total_s"] = time.perf_counter() - started
    result = {
        "db": args.db, "seed": args.seed, "years": list(YEARS), "quality_sample": QUALITY_SAMPLE, "analyze": analyzed,
        "counts": counts, "timings": {k: round(v, 2) for k, v in timings.items()}, **secrets_,
    }  # fmt: skip
    engine.dispose()
    target.marker.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    target.marker.chmod(0o600)
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
