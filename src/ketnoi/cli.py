"""The `ketnoi` command: serve, worker, db, demo, ingest, user, token, settings."""

from __future__ import annotations

import getpass
import secrets
import sys
import uuid
from pathlib import Path

import typer
from rich.console import Console

from ketnoi.connectors.cli import app as source_app
from ketnoi.federation.cli import app as peer_app
from ketnoi.national.cli import app as national_app
from ketnoi.settings import get_settings

app = typer.Typer(help="ketnoi: quản lý, kết nối và chia sẻ dữ liệu số.", no_args_is_help=True)
db_app = typer.Typer(help="Cơ sở dữ liệu của nền tảng.", no_args_is_help=True)
demo_app = typer.Typer(help="Dữ liệu mẫu của Bộ.", no_args_is_help=True)
user_app = typer.Typer(help="Tài khoản người dùng.", no_args_is_help=True)
token_app = typer.Typer(help="Token API.", no_args_is_help=True)
settings_app = typer.Typer(help="Cấu hình.", no_args_is_help=True)
audit_app = typer.Typer(help="Nhật ký trao đổi dữ liệu (Điều 45 Nghị định 47).", no_args_is_help=True)
key_app = typer.Typer(help="Khoá ký Ed25519 của nút.", no_args_is_help=True)
harvest_app = typer.Typer(help="Thu thập bộ dữ liệu từ cổng dữ liệu khác (CKAN, DCAT).", no_args_is_help=True)
quality_app = typer.Typer(help="Quy tắc và kiểm tra chất lượng dữ liệu.", no_args_is_help=True)
SUBCOMMANDS = (
    (db_app, "db"),
    (demo_app, "demo"),
    (user_app, "user"),
    (token_app, "token"),
    (settings_app, "settings"),
    (audit_app, "audit"),
    (key_app, "key"),
    (harvest_app, "harvest"),
    (quality_app, "quality"),
    (source_app, "source"),
    (peer_app, "peer"),
    (national_app, "national"),
)
for sub, name in SUBCOMMANDS:
    app.add_typer(sub, name=name)
console = Console()
err = Console(stderr=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Địa chỉ lắng nghe."),
    port: int = typer.Option(8000, help="Cổng."),
    workers: int = typer.Option(1, help="Số tiến trình."),
    reload: bool = typer.Option(False, help="Tự tải lại khi mã thay đổi (phát triển)."),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        help="Địa chỉ máy chủ trung gian (nginx) được tin tiêu đề X-Forwarded-For và X-Forwarded-Proto, cách nhau bằng dấu phẩy; "
        "mặc định: biến môi trường FORWARDED_ALLOW_IPS, nếu không có thì 127.0.0.1,::1.",
    ),
) -> None:
    """Chạy máy chủ web (trang và API)."""
    import uvicorn

    from ketnoi import logs
    from ketnoi.app import NotMigrated, check_schema

    try:
        check_schema()
    except NotMigrated as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    uvicorn.run(
        "ketnoi.asgi:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        reload_includes=["*.py", "*.html", "*.po"] if reload else None,
        # The client's address (login throttle, feedback limits) and scheme (HSTS, cookies) as the proxy
        # saw them, believed only from these addresses (uvicorn: None reads FORWARDED_ALLOW_IPS).
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=False,  # ours (ketnoi.access, web.middleware) carries the request id and never the query string
        log_config=logs.config(),
    )


@app.command()
def backup(archive: Path = typer.Argument(..., help="Tệp sao lưu sẽ ghi (tar).")) -> None:
    """Sao lưu cơ sở dữ liệu (cả kho dữ liệu), tệp đã lưu và khoá của nút vào một tệp, kèm số dòng và mã băm từng bảng."""
    from ketnoi import backup as backups
    from ketnoi.db import get_engine
    from ketnoi.kit.errors import DomainError

    try:
        manifest = backups.backup(archive, get_engine())
    except DomainError as exc:
        _fail(exc)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    console.print(f"Đã sao lưu {len(manifest['tables'])} bảng ({rows:,} dòng), {manifest['files']} tệp và khoá của nút vào {archive}.")


@app.command()
def restore(archive: Path = typer.Argument(..., exists=True, dir_okay=False, help="Tệp sao lưu (của ketnoi backup).")) -> None:
    """Khôi phục vào một cơ sở dữ liệu trống rồi kiểm tra: số dòng và mã băm của từng bảng phải khớp bản sao lưu."""
    from ketnoi import backup as backups
    from ketnoi.db import get_engine
    from ketnoi.kit.errors import DomainError

    try:
        manifest, mismatches = backups.restore(archive, get_engine())
    except DomainError as exc:
        _fail(exc)
    for m in mismatches:
        expected = f"{m.expected.rows} dòng" if m.expected else "không có"
        found = f"{m.found.rows} dòng" if m.found else "không có"
        err.print(f"[red]Bảng {m.table}: bản sao lưu {expected}, sau khôi phục {found} (mã băm khác).[/red]")
    if mismatches:
        raise typer.Exit(1)
    console.print(
        f"Đã khôi phục và kiểm tra {len(manifest['tables'])} bảng: số dòng và mã băm đều khớp bản sao lưu ({manifest['created_at']})."
    )


@app.command()
def worker(
    workers: int = typer.Option(1, help="Số luồng xử lý công việc."),
    periodic: bool = typer.Option(
        True, help="Chạy cả việc định kỳ mỗi phút (nhắc hạn, thông báo thay đổi); nhiều tiến trình: chỉ bật ở một."
    ),
) -> None:
    """Chạy tiến trình xử lý công việc nền."""
    from ketnoi import logs
    from ketnoi.jobs.worker import run_worker

    logs.configure()
    run_worker(workers=workers, periodic=periodic)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Nâng cấp lược đồ cơ sở dữ liệu lên phiên bản mới nhất."""
    from ketnoi import migrate
    from ketnoi.db import get_engine

    migrate.upgrade(get_engine())
    console.print(f"Cơ sở dữ liệu đã ở phiên bản {migrate.head_revision()}.")


@demo_app.command("load")
def demo_load() -> None:
    """Nạp dữ liệu mẫu của Bộ KH&CN (chạy lại nhiều lần không tạo trùng)."""
    from ketnoi.db import unit_of_work
    from ketnoi.demo.loader import load_demo

    settings = get_settings()
    password = settings.demo_password
    generated = password is None
    if password is None:
        path = settings.ensure_var_dir() / "demo_password"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(12))
            path.chmod(0o600)
        password = path.read_text().strip()
    with unit_of_work() as session:
        result = load_demo(session, password=password)
    console.print(result.summary())
    if generated:
        console.print(f"Mật khẩu các tài khoản mẫu (admin, lanhdao, ttcntt, …): [bold]{password}[/bold] (lưu tại var/demo_password)")
    key_file = settings.ensure_var_dir() / "demo_api_key"
    if key_file.exists():
        console.print(
            "Gọi thử cổng trao đổi với khoá API của Cổng Dịch vụ công quốc gia (lưu tại var/demo_api_key):\n"
            '  curl -H "X-API-Key: $(cat var/demo_api_key)" "http://127.0.0.1:8000/x/DV.KHCN.NHIEMVU/records?limit=5"',
            soft_wrap=True,
        )


@app.command()
def ingest(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="Tệp CSV, TSV, XLSX, JSON hoặc NDJSON."),
    dataset: uuid.UUID = typer.Option(..., help="Mã (UUID) của bộ dữ liệu."),
    resource: uuid.UUID | None = typer.Option(None, help="Tài nguyên cần thay dữ liệu; bỏ trống để tạo tài nguyên mới."),
    encoding: str | None = typer.Option(None, help="Bảng mã (utf-8, cp1258, tcvn3, vni…); mặc định: tự nhận biết."),
    format: str | None = typer.Option(None, help="csv | tsv | xlsx | json | ndjson; mặc định: theo đuôi tệp."),
    sheet: str | None = typer.Option(None, help="Trang của tệp XLSX; mặc định: trang đầu tiên."),
    bad_rows: str = typer.Option("reject", help="reject: dòng lỗi thì không nạp; quarantine: nạp dòng tốt, tách dòng lỗi."),
) -> None:
    """Nạp tệp vào kho dữ liệu: một phiên bản mới của bảng dữ liệu của tài nguyên."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ketnoi import files
    from ketnoi.catalog import items
    from ketnoi.datastore import tables
    from ketnoi.datastore.ingest import IngestOptions
    from ketnoi.datastore.ingest import ingest as load
    from ketnoi.db import get_engine, unit_of_work
    from ketnoi.identity import system_actor
    from ketnoi.kit.errors import DomainError, Invalid

    options = IngestOptions(format=format, encoding=encoding, sheet=sheet, bad_rows=bad_rows)
    # The operator's own file on this machine: the web upload limit (KETNOI_MAX_UPLOAD_MB) is not for it.
    local_file_limit = file.stat().st_size + 1
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,} dòng"), TimeElapsedColumn())
    try:
        with unit_of_work() as session, Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task(f"Đang nạp {file.name}", total=None)
            original = None
            if resource is None:
                with file.open("rb") as stream:
                    created = items.add_resource(
                        session,
                        actor=system_actor(),
                        dataset_id=dataset,
                        name=None,
                        description=None,
                        filename=file.name,
                        stream=stream,
                        max_bytes=local_file_limit,
                    )
                resource = created.id
                original = files.stored(created.storage_key) if created.storage_key else None  # stored just now
            elif items.get_resource(session, actor=system_actor(), resource_id=resource).dataset_id != dataset:
                raise Invalid("Tài nguyên này thuộc một bộ dữ liệu khác.", fields={"resource": str(resource)})
            else:
                with file.open("rb") as stream:
                    original = files.save(stream, max_bytes=local_file_limit)
            version = load(
                session,
                actor=system_actor(),
                resource_id=resource,
                path=file,
                options=options,
                progress=lambda rows: bar.update(task, completed=rows),
                original=original,
            )
            rows = f"{version.row_count:,}".replace(",", ".")
            table_name = version.table_name
            summary = (
                f"Đã nạp {rows} dòng vào tài nguyên {resource} (phiên bản {version.version}; "
                f"bảng mã {version.encoding}; dòng tiêu đề {version.header_line})"
            )
        # The planner's statistics now, not when a worker gets to the queued job: the operator's
        # next query (a quality run, the data API) reads the table at once.
        tables.analyze(get_engine(), table_name)
        console.print(summary + (f"; {version.bad_row_count} dòng lỗi được tách riêng." if version.bad_row_count else "."))
    except DomainError as exc:
        _fail(exc)


@user_app.command("unlock")
def user_unlock(username: str) -> None:
    """Mở khoá sớm một tài khoản bị tạm khoá do đăng nhập sai nhiều lần (ghi nhật ký)."""
    from ketnoi.audit import service as audit
    from ketnoi.auth import service as auth
    from ketnoi.auth.throttle import unlock
    from ketnoi.db import unit_of_work
    from ketnoi.identity import system_actor
    from ketnoi.kit.errors import DomainError

    try:
        with unit_of_work() as session:
            user = auth.get_user_by_username(session, username)
            was_locked = unlock(session, user)
            changes = {"locked_until": ["đang khoá" if was_locked else None, None]}
            audit.record(
                session,
                actor=system_actor(),
                action="unlock",
                entity_type="user",
                entity_id=user.id,
                entity_label=user.username,
                changes=changes,
            )
    except DomainError as exc:
        _fail(exc)
    console.print(f"Đã mở khoá tài khoản {username}." if was_locked else f"Tài khoản {username} không bị khoá; đã đặt lại số lần sai.")


@user_app.command("reset-2fa")
def user_reset_2fa(username: str) -> None:
    """Xoá mã xác thực hai lớp của một tài khoản (mất điện thoại): lần đăng nhập sau đăng ký lại (ghi nhật ký)."""
    from ketnoi.auth import service as auth
    from ketnoi.auth import totp
    from ketnoi.db import unit_of_work
    from ketnoi.kit.errors import DomainError

    try:
        with unit_of_work() as session:
            had = totp.reset(session, auth.get_user_by_username(session, username))
    except DomainError as exc:
        _fail(exc)
    console.print(f"Đã xoá mã xác thực hai lớp của {username}." if had else f"Tài khoản {username} chưa bật xác thực hai lớp.")


@user_app.command("create")
def user_create(
    username: str,
    role: str = typer.Option(..., help="admin | steward | leader"),
    full_name: str = typer.Option(..., help="Họ và tên."),
    email: str = typer.Option(None, help="E-mail."),
    unit: str = typer.Option(None, help="Mã định danh (agency code) của đơn vị, bắt buộc với steward."),
) -> None:
    """Tạo tài khoản (mật khẩu nhập từ bàn phím hoặc KETNOI_NEW_PASSWORD)."""
    import os

    from sqlalchemy import select

    from ketnoi.auth import service as auth
    from ketnoi.db import unit_of_work
    from ketnoi.identity import system_actor
    from ketnoi.kit.errors import DomainError
    from ketnoi.org.models import Organization

    password = os.environ.get("KETNOI_NEW_PASSWORD") or getpass.getpass("Mật khẩu: ")
    try:
        with unit_of_work() as session:
            unit_id = None
            if unit:
                unit_id = session.scalar(select(Organization.id).where(Organization.agency_code == unit.upper()))
                if unit_id is None:
                    raise typer.BadParameter(f"Không có đơn vị mã {unit}.")
            user = auth.create_user(
                session,
                actor=system_actor(),
                username=username,
                full_name=full_name,
                password=password,
                role=role,
                unit_id=unit_id,
                email=email,
            )
            console.print(f"Đã tạo tài khoản {user.username} ({user.role}).")
    except DomainError as exc:
        _fail(exc)


@token_app.command("create")
def token_create(username: str, name: str = typer.Option("cli", help="Tên gợi nhớ của token.")) -> None:
    """In ra một token API mới của USER (dùng cho script). Token chỉ hiển thị một lần."""
    from ketnoi.auth import service as auth
    from ketnoi.db import unit_of_work
    from ketnoi.identity import actor_for
    from ketnoi.kit.errors import DomainError

    try:
        with unit_of_work() as session:
            user = auth.get_user_by_username(session, username)
            _token, secret = auth.create_token(session, actor=actor_for(session, user), name=name)
    except DomainError as exc:
        _fail(exc)
    sys.stdout.write(secret + "\n")


@settings_app.command("docs")
def settings_docs() -> None:
    """In tài liệu cấu hình (docs/configuration.md) sinh từ settings.py."""
    from ketnoi.settings_docs import render_markdown

    sys.stdout.write(render_markdown())


@audit_app.command("verify")
def audit_verify() -> None:
    """Kiểm tra toàn bộ chuỗi nhật ký trao đổi: báo bản ghi đầu tiên bị sửa, xoá hoặc đổi chỗ."""
    from ketnoi.db import unit_of_work
    from ketnoi.sharing import evidence

    with unit_of_work() as session:
        result = evidence.verify(session)
    if result.ok:
        records = f"{result.records:,}".replace(",", ".")
        console.print(f"Nhật ký trao đổi nguyên vẹn: {records} bản ghi, {result.checkpoints} điểm kiểm tra có chữ ký hợp lệ.")
        return
    err.print(f"[red]Nhật ký trao đổi bị can thiệp tại bản ghi số {result.broken_at}: {result.reason}.[/red]")
    err.print(f"{result.records:,} bản ghi trước đó vẫn nguyên vẹn.".replace(",", "."))
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Ký điểm kiểm tra tại cuối chuỗi nhật ký trao đổi bằng khoá của nút (chạy định kỳ, ví dụ bằng cron)."""
    from ketnoi.db import unit_of_work
    from ketnoi.sharing import evidence

    with unit_of_work() as session:
        signed = evidence.checkpoint(session)
        said = f"Đã ký điểm kiểm tra tại bản ghi số {signed.seq} (khoá {signed.key_id})." if signed else "Không có bản ghi mới để ký."
    console.print(said)


@key_app.command("rotate")
def key_rotate() -> None:
    """Thay khoá ký của nút: khoá cũ chỉ còn phần công khai (vẫn kiểm tra được chữ ký cũ, có trong JWKS)."""
    from ketnoi.kit import nodekey

    old = nodekey.node_key().key_id
    new = nodekey.rotate().key_id
    console.print(f"Đã thay khoá ký: {old} → {new}. Khoá cũ vẫn được công bố ở /.well-known/jwks.json để kiểm tra chữ ký cũ.")


@key_app.command("new-secrets-key")
def key_new_secrets_key() -> None:
    """In ra một khoá mới cho KETNOI_SECRETS_KEYS (khoá mã hoá mật khẩu, token của nguồn dữ liệu và nút ngang hàng)."""
    from ketnoi.kit import secretbox

    console.print(secretbox.new_key(), markup=False)


@key_app.command("rotate-secrets")
def key_rotate_secrets() -> None:
    """Mã hoá lại mọi giá trị bí mật đã lưu bằng khoá đứng đầu KETNOI_SECRETS_KEYS (sau khi thêm khoá mới vào đầu)."""
    from ketnoi.db import unit_of_work
    from ketnoi.kit.errors import DomainError
    from ketnoi.sealed import reseal_all

    try:
        with unit_of_work() as session:
            count = reseal_all(session)
    except DomainError as exc:
        _fail(exc)
    console.print(f"Đã mã hoá lại {count} giá trị bí mật bằng khoá mới; có thể bỏ khoá cũ khỏi KETNOI_SECRETS_KEYS.")


@harvest_app.command("run")
def harvest_run(
    source: uuid.UUID | None = typer.Argument(None, help="Mã (UUID) của nguồn thu thập."),
    all_sources: bool = typer.Option(False, "--all", help="Chạy mọi nguồn đang bật, lần lượt từng nguồn."),
    full: bool = typer.Option(False, "--full", help="Đọc lại toàn bộ nguồn, bỏ qua mốc sửa đổi đã lưu."),
) -> None:
    """Chạy thu thập ngay: một nguồn (SOURCE) hoặc mọi nguồn đang bật (--all)."""
    from ketnoi.harvest.cli import run_sources

    if (source is None) == (not all_sources):
        raise typer.BadParameter("Chọn một nguồn (SOURCE) hoặc --all.")
    if not run_sources(console, err, source=source, full=full):
        raise typer.Exit(1)


@quality_app.command("run")
def quality_run(dataset: uuid.UUID = typer.Option(..., "--dataset", help="Mã (UUID) của bộ dữ liệu.")) -> None:
    """Kiểm tra ngay mọi quy tắc đang bật của một bộ dữ liệu và in kết quả."""
    from ketnoi.quality.cli import run

    if not run(console, err, dataset):
        raise typer.Exit(1)


@quality_app.command("import")
def quality_import(
    rules_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Tệp YAML quy tắc (như «quality export» in ra)."),
    dataset: uuid.UUID = typer.Option(..., "--dataset", help="Mã (UUID) của bộ dữ liệu."),
) -> None:
    """Thay toàn bộ quy tắc của bộ dữ liệu bằng các quy tắc trong tệp YAML (tất cả hoặc không gì cả)."""
    from ketnoi.quality.cli import import_rules

    if not import_rules(console, err, dataset, rules_file):
        raise typer.Exit(1)


@quality_app.command("export")
def quality_export(dataset: uuid.UUID = typer.Option(..., "--dataset", help="Mã (UUID) của bộ dữ liệu.")) -> None:
    """In các quy tắc của bộ dữ liệu dưới dạng YAML."""
    from ketnoi.quality.cli import export_rules

    if not export_rules(console, err, dataset):
        raise typer.Exit(1)


@app.command()
def verify(
    response_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Phản hồi đã lưu (curl -si … > tệp)."),
    url: str = typer.Option(..., help="Địa chỉ đã gọi, ví dụ https://nut/x/DV.KHCN.NHIEMVU/records?limit=5"),
    method: str = typer.Option("GET", help="Phương thức đã gọi."),
    jwks: Path | None = typer.Option(None, exists=True, dir_okay=False, help="Khoá công khai của nút đã ký (tệp JWKS); mặc định: nút này."),
) -> None:
    """Kiểm tra chữ ký (RFC 9421) và Content-Digest của một phản hồi cổng trao đổi đã lưu."""
    import json
    from datetime import datetime
    from urllib.parse import urlsplit

    from ketnoi.kit import httpsig, nodekey
    from ketnoi.workcal.service import VN

    target = urlsplit(url)
    try:
        saved = httpsig.parse_saved(response_file.read_bytes())
        keys = nodekey.keys_from_jwks(json.loads(jwks.read_text())) if jwks else nodekey.public_keys()
        request = httpsig.RequestLine(method, target.path or "/", target.query)
        checked = httpsig.verify_response(status=saved.status, headers=saved.headers, body=saved.body, request=request, keys=keys)
    except (httpsig.SignatureError, ValueError) as exc:
        err.print(f"[red]Phản hồi KHÔNG hợp lệ: {exc}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    exchange = saved.headers.get("ketnoi-exchange")
    logged = f", bản ghi nhật ký số {exchange}" if exchange else ""
    signed_at = datetime.fromtimestamp(checked.created, VN)
    said = f"Chữ ký hợp lệ: khoá {checked.key_id}, ký lúc {signed_at:%H:%M:%S %d/%m/%Y}{logged}; nội dung khớp Content-Digest."
    console.print(said, soft_wrap=True)


def _fail(exc: Exception) -> None:
    from ketnoi.kit.errors import DomainError

    assert isinstance(exc, DomainError)
    err.print(f"[red]{exc.message}[/red]")
    for field, message in exc.fields.items():
        err.print(f"  {field}: {message}")
    raise typer.Exit(1)
