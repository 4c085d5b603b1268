"""Exchange gateway: the same queries through `/x/{service}/records`, the plain data API and Datasette, in one run.

`make bench-gateway`.

1. Data: the data API benchmark's 1,000,000-row SQLite table (bench/datastore.py loads it once and
   keeps it in bench/.data/datastore/), and the references' SQLite file built from the same CSV.
2. Set-up (not measured), through the real services in a ketnoi process: every column tied to a data
   item of the dataset (shared by default), a published sharing service over them, an application of
   another agency with an OAuth2 client secret, and its connection request, approved by policy: a grant.
3. One `ketnoi serve --workers 1` (SQLite): wrk (-t2 -c32) on the data API's four queries (a row by
   key, a row by code, a filtered page of 100, a deep page by keyset cursor) with the administrator's
   API token, then the same four through the gateway with a node-signed access token from /oauth/token.
   Each gateway answer is authenticated, checked against the grant, signed (RFC 9421, Ed25519) and
   appended to the hash-chained exchange log in the request's transaction (one durable write per
   request). Then Datasette on the same rows (`_nocount=1&_nosuggest=1`: the same work).
4. After the load: `ketnoi audit verify` over the whole exchange log the run wrote.
5. Report: req/s, p50/p99, the gateway's overhead (data API req/s ÷ gateway req/s; target ≤ 1.5) and
   its ratio to Datasette (target ≥ 3), PASS/FAIL, bench/results/gateway-<UTC timestamp>.json.

Exit status: 0 when every run ran cleanly, whether or not it met its target; 1 when a run failed; 2 without wrk.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import urllib.request
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import benchlib
import reference
from benchlib import RunError, Server, Target

import datastore as ds
from datastore import ApiRun, Check, Picks

SERVICE = "BENCH.DETAI"
GATEWAY = "ketnoi gateway"
DATA_API = "ketnoi data API"
TARGET_OVERHEAD = 1.5  # data API req/s ÷ gateway req/s, at most
TARGET_VS_DATASETTE = 3.0  # gateway req/s ÷ Datasette's, at least

# Run in a ketnoi process on the bench database: argv = dataset id, resource id, service code and, optionally,
# the grant's rate per minute and quota per day. Prints the credentials (a client secret, an API key) as JSON.
SETUP = """
import json, sys, uuid
from sqlalchemy import select
from ketnoi.catalog import items
from ketnoi.catalog.models import DataItem, Dataset
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.datastore.models import DatastoreVersion, VersionStatus
from ketnoi.db import unit_of_work
from ketnoi.identity import system_actor
from ketnoi.org.models import Organization, OrgKind
from ketnoi.sharing import consumers, grants, registry, requests
from ketnoi.sharing.consumers import Consumer
from ketnoi.sharing.models import SharingService
from ketnoi.sharing.schemas import ServiceIn

dataset_id, resource_id, code = uuid.UUID(sys.argv[1]), uuid.UUID(sys.argv[2]), sys.argv[3]
rate, quota = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (None, None)
actor = system_actor()
with unit_of_work() as session:
    version = session.scalars(select(DatastoreVersion).where(
        DatastoreVersion.resource_id == resource_id, DatastoreVersion.status == VersionStatus.ACTIVE)).one()
    names = [f["name"] for f in version.table_schema["fields"]]
    known = set(session.scalars(select(DataItem.name).where(DataItem.dataset_id == dataset_id)))
    for name in names:
        if name not in known:
            data = DataItemIn(name=name, title=name, sharing_form="default_shared")
            items.add_item(session, actor=actor, dataset_id=dataset_id, data=data)
    schema = dict(version.table_schema)
    schema["fields"] = [dict(f, ketnoiItem=f["name"]) for f in schema["fields"]]
    version.table_schema = schema
    service = session.scalar(select(SharingService).where(SharingService.code == code))
    if service is None:
        dataset = session.get_one(Dataset, dataset_id)
        data = ServiceIn(code=code, name="Đề tài (bench)", owner_unit_id=dataset.owner_unit_id, dataset_id=dataset_id,
                         sharing_form="default_shared", data_items=names, usage_regulation="Đo hiệu năng.")
        service = registry.create_service(session, actor=actor, data=data).service
        registry.mark_ready(session, actor=actor, service_id=service.id)
        registry.publish(session, actor=actor, service_id=service.id)
    agency = session.scalars(select(Organization).where(Organization.kind == OrgKind.AGENCY).order_by(Organization.name)).first()
    app = consumers.register_app(session, actor=actor, organization_id=agency.id, name=f"bench {uuid.uuid4().hex[:8]}", description=None)
    issued = consumers.issue_credential(session, actor=actor, app_id=app.id, kind="client_secret")
    consumer = Consumer(app, issued.credential)
    requests.submit(session, consumer=consumer, service_code=code, purpose="Đo hiệu năng cổng trao đổi.",
                    data_items=names, expected_records=100, frequency="realtime")
    if rate is not None:  # the grant the policy gave, with limits the load stays under: counted, never refused
        for grant in grants.active_grants(session, app_id=app.id, service_id=service.id):
            grant.rate_per_minute, grant.quota_per_day = rate, quota
    api_key = consumers.issue_credential(session, actor=actor, app_id=app.id, kind="api_key").secret
    print(json.dumps({"client_id": issued.credential.client_id, "secret": issued.secret, "api_key": api_key}))
"""


def gateway_paths(picks: Picks) -> dict[str, list[str]]:
    """The data API's paths (datastore.ketnoi_paths) with the gateway's base: the same rows, the same query."""
    data_api = ds.ketnoi_paths("RESOURCE", picks)
    base = "/api/v1/resources/RESOURCE/rows?"
    return {query: [f"/x/{SERVICE}/records?" + path.removeprefix(base) for path in paths] for query, paths in data_api.items()}


def set_up(t: Target, marker: dict[str, Any], limits: tuple[int, int] | None = None) -> dict[str, str]:
    """The service, an application and its grant (`limits`: its rate per minute and quota per day); its credentials."""
    # The table may have been loaded by an earlier version of ketnoi: bring its schema up to date first.
    ds.checked(ds.ketnoi_cmd("db", "upgrade"), "ketnoi db upgrade", env=benchlib.ketnoi_env(t))
    cmd = [str(benchlib.VENV_BIN / "python"), "-c", SETUP, marker["dataset_id"], marker["resource_id"], SERVICE]
    cmd += [str(n) for n in limits or ()]
    out = ds.checked(cmd, "gateway set-up (service, application, grant)", env=benchlib.ketnoi_env(t))
    credential: dict[str, str] = json.loads(out.strip().splitlines()[-1])
    return credential


def access_token(port: int, credential: dict[str, str]) -> str:
    """An access token from the node's /oauth/token (client_secret_basic), as a consumer gets it."""
    basic = base64.b64encode(f"{credential['client_id']}:{credential['secret']}".encode()).decode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/oauth/token",
        data=b"grant_type=client_credentials",
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            token: str = json.loads(response.read())["access_token"]
    except (OSError, ValueError, KeyError) as exc:
        raise RunError(f"/oauth/token: {exc}") from exc
    return token


def bench(wrk: str, args: argparse.Namespace, report: dict[str, Any]) -> tuple[list[ApiRun], dict[str, Any]]:
    csv, manifest = ds.dataset_csv(args)
    t, marker, serving = ds.ensure_api_data(csv, int(manifest["rows"]), args)
    picks = ds.pick(serving)
    credential = set_up(t, marker)
    api_token = ds.checked(ds.ketnoi_cmd("token", "create", ds.ADMIN, "--name", "bench-gateway"), "token", env=benchlib.ketnoi_env(t))
    api_header = f"Authorization: Bearer {api_token.strip().splitlines()[-1]}"
    directory = ds.DATA / "api" / "paths"
    data_files = ds.write_paths(directory, "ketnoi", ds.ketnoi_paths(marker["resource_id"], picks))
    gateway_files = ds.write_paths(directory, "gateway", gateway_paths(picks))
    runs: list[ApiRun] = []
    print(f"\n== gateway vs data API, SQLite: wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s", flush=True)
    server = Server(t, 1)
    runs += ds.serve_and_load(wrk, server, DATA_API, data_files, api_header, args)
    gateway = Server(t, 1)
    runs += ds.serve_and_load(
        wrk, gateway, GATEWAY, gateway_files, lambda: f"Authorization: Bearer {access_token(gateway.port, credential)}", args
    )
    audit = ds.checked(ds.ketnoi_cmd("audit", "verify"), "ketnoi audit verify", env=benchlib.ketnoi_env(t)).strip()
    print(f"  exchange log after the run: {audit}", flush=True)
    exe, why = reference.datasette_bin()
    if exe is None or not args.reference:
        runs.append(ApiRun(ds.DATASETTE, "(server)", "-", args.connections, status="failed", note=why or "--no-reference"))
    else:
        command = [str(exe), "serve", "-i", str(serving), "--host", "127.0.0.1"]
        same_work = ds.write_paths(directory, "datasette", ds.table_paths(picks, "&_nocount=1&_nosuggest=1"))
        reference_server = Server(t, command=command, ready_path="/-/versions.json", log_name="datasette.log")
        runs += ds.serve_and_load(wrk, reference_server, ds.DATASETTE, same_work, "", args)
    return runs, {"audit_verify": audit, "service": SERVICE}


def checks_of(runs: list[ApiRun]) -> list[Check]:
    def ok(server: str, query: str) -> ApiRun | None:
        return next((r for r in runs if r.server == server and r.query == query and r.status == "ok" and r.rps > 0), None)

    checks = []
    for query in ds.QUERIES:
        gateway, data_api, datasette = ok(GATEWAY, query), ok(DATA_API, query), ok(ds.DATASETTE, query)
        name = f"{query}: data API req/s ÷ gateway req/s ≤ {TARGET_OVERHEAD:g}"
        if gateway and data_api:
            overhead = data_api.rps / gateway.rps
            checks.append(Check(name, f"{overhead:.2f} ({data_api.rps:,.0f} vs {gateway.rps:,.0f})", overhead <= TARGET_OVERHEAD))
        else:
            checks.append(Check(name, "not measured", None))
        name = f"{query}: gateway ≥ {TARGET_VS_DATASETTE:g}× {ds.DATASETTE} req/s"
        if gateway and datasette:
            ratio = gateway.rps / datasette.rps
            checks.append(Check(name, f"{ratio:.2f}× ({gateway.rps:,.0f} vs {datasette.rps:,.0f})", ratio >= TARGET_VS_DATASETTE))
        else:
            checks.append(Check(name, "not measured", None))
    return checks


def print_report(runs: list[ApiRun], checks: list[Check]) -> None:
    header = f"{'query':<10} {'server':<22} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'cpu ms/req':>11}"
    print("\nGATEWAY (SQLite, one server process, wrk closed loop)\n" + header + "\n" + "-" * len(header))
    for query in (*ds.QUERIES, "(server)", "(checks)"):
        for r in (r for r in runs if r.query == query):
            rps = f"{r.rps:,.1f}" if r.status == "ok" else "-"
            print(
                f"{r.query:<10} {r.server:<22} {rps:>9} {ds.fmt_ms(r.p50_ms):>8} {ds.fmt_ms(r.p90_ms):>8} {ds.fmt_ms(r.p99_ms):>8}"
                f" {ds.fmt_ms(r.max_ms):>8} {ds.fmt_cpu(r.server_cpu_ms):>11}" + ("" if r.status == "ok" else f"  FAILED: {r.note}")
            )
    width = max(len(c.name) for c in checks)
    print(f"\nTARGETS\n{'target':<{width}}  {'measured':<28} verdict\n" + "-" * (width + 45))
    for c in checks:
        print(f"{c.name:<{width}}  {c.measured:<28} {ds.verdict(c)}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated CSV (default 1000000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per wrk run (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each run (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--timeout", type=float, default=10, help="wrk's request timeout in seconds (default 10)")
    parser.add_argument("--seed", type=int, default=ds.GEN_SEED, help=f"gen_dataset.py's seed (default {ds.GEN_SEED})")
    parser.add_argument("--no-reference", dest="reference", action="store_false", help="no Datasette run")
    parser.add_argument("--shared", type=Path, default=ds.SHARED, help=f"the reference material (default {ds.SHARED})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = benchlib.find_wrk()
    if wrk is None:
        print("wrk is not installed. On Debian/Ubuntu: sudo apt-get install wrk", file=sys.stderr)
        return 2
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "targets_definition": {"data_api_over_gateway_max": TARGET_OVERHEAD, "gateway_vs_datasette_min": TARGET_VS_DATASETTE},
        "machine": benchlib.machine_info(),
        "versions": benchlib.versions(wrk),
    }
    try:
        runs, extra = bench(wrk, args, report)
    except (RunError, OSError, ValueError) as exc:
        print(f"FAILED: {exc}")
        return 1
    checks = checks_of(runs)
    print_report(runs, checks)
    report |= extra | {"finished_at": datetime.now(UTC).isoformat(timespec="seconds")}
    report["api"] = [asdict(r) for r in runs]
    report["targets"] = [asdict(c) | {"verdict": ds.verdict(c)} for c in checks]
    benchlib.RESULTS.mkdir(parents=True, exist_ok=True)
    path = benchlib.RESULTS / f"gateway-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    failed = [r for r in runs if r.status != "ok"]
    missed = [c for c in checks if c.passed is False]
    where = path.relative_to(benchlib.ROOT)
    print(f"\n{len(runs)} runs: {len(failed)} failed; {len(missed)} of {len(checks)} targets missed; results in {where}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
