"""`ketnoi backup` and `ketnoi restore`: the metadata, the datastore's tables, the stored files and the
node's keys in one archive, and a restore that proves itself.

The archive (a tar file) holds:
- the database: SQLite copied with its online backup API (a consistent snapshot while the platform
  runs), or PostgreSQL dumped by `pg_dump -Fc` (the `datastore` schema with it);
- `files/`: the file store (uploads, the originals of each version, generated documents);
- `keys/`: the node's signing key and its retired public halves, and the secret key file when the
  node generated one (without it, sessions and pending codes cannot be checked after a restore);
- `manifest.json`: the schema revision, and for every table its row count and a SHA-256 of its rows
  in a fixed order, taken from the very snapshot that was saved.

`restore` refuses a database that already holds a schema (it never overwrites data), puts everything
back, then counts and hashes every table again and compares with the manifest: a table missing, added,
short of a row or with one value changed makes it fail, saying which. KETNOI_SECRETS_KEYS, when set,
is not in the archive (it lives in the settings): keep it with the operator, apart from the backups.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url

from ketnoi import migrate
from ketnoi.kit.errors import Conflict, Invalid
from ketnoi.settings import get_settings

FORMAT = "ketnoi-backup/1"
PG_SCHEMAS = ("public", "datastore")


@dataclass(frozen=True)
class TableSum:
    rows: int
    sha256: str


@dataclass(frozen=True)
class Mismatch:
    table: str
    expected: TableSum | None
    found: TableSum | None


def table_sums(connection: Connection) -> dict[str, TableSum]:
    """Every table's row count and a digest of its rows, ordered by every column (so the same rows give
    the same digest whatever their physical order); `datastore.` before the datastore's tables on PostgreSQL."""
    sums = {}
    inspector = inspect(connection)
    schemas = PG_SCHEMAS if connection.dialect.name == "postgresql" else (None,)
    for schema in schemas:
        for name in sorted(inspector.get_table_names(schema=schema)):
            qualified = f'"{schema}"."{name}"' if schema else f'"{name}"'
            label = name if schema in (None, "public") else f"{schema}.{name}"
            cast = "::text" if schema else ""  # PostgreSQL cannot order json values; their text orders the same on both sides
            order = ", ".join(f'"{c["name"]}"{cast}' for c in inspector.get_columns(name, schema=schema))
            digest, count = hashlib.sha256(), 0
            for row in connection.execute(text(f"SELECT * FROM {qualified} ORDER BY {order}")):  # noqa: S608 - names from the inspector
                digest.update(json.dumps([_plain(v) for v in row], ensure_ascii=False, default=str).encode() + b"\n")
                count += 1
            sums[label] = TableSum(count, digest.hexdigest())
    return sums


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def backup(destination: Path, engine: Engine) -> dict[str, Any]:
    """Write the archive; its manifest."""
    settings = get_settings()
    with tempfile.TemporaryDirectory(prefix="ketnoi-backup-") as work:
        folder = Path(work)
        if engine.dialect.name == "sqlite":
            snapshot = folder / "database.sqlite"
            source = sqlite3.connect(str(make_url(str(engine.url)).database))
            target = sqlite3.connect(str(snapshot))
            with target:
                source.backup(target)
            source.close()
            target.close()
            copy = create_engine(f"sqlite:///{snapshot}")
            with copy.connect() as connection:
                sums = table_sums(connection)  # the snapshot's own rows, not the live file's
            copy.dispose()
            database = snapshot.name
        else:
            dump = folder / "database.pgdump"
            sums, database = _pg_dump(engine, dump), dump.name
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "dialect": engine.dialect.name,
            "revision": migrate.current_revision(engine),
            "database": database,
            "tables": {name: {"rows": s.rows, "sha256": s.sha256} for name, s in sums.items()},
            "files": sum(1 for _ in _files(settings.var_dir / "files")),
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        destination.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(destination, "w") as archive:
            archive.add(folder / "manifest.json", "manifest.json")
            archive.add(folder / database, database)
            if (settings.var_dir / "files").is_dir():
                archive.add(settings.var_dir / "files", "files")
            for path, name in _key_files():
                archive.add(path, f"keys/{name}")
    os.chmod(destination, 0o600)  # it holds the node's private key
    return manifest


def _pg_dump(engine: Engine, dump: Path) -> dict[str, TableSum]:
    url = make_url(str(engine.url))
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        command = ["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", "-f", str(dump), *_pg_args(url)]
        done = subprocess.run(command, env=_pg_env(url), capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise Conflict("pg_dump thất bại: {stderr}", values={"stderr": done.stderr.strip()[-500:]})
        return table_sums(connection)  # in the snapshot pg_dump read: the sums describe exactly what was dumped


def _pg_args(url: Any) -> list[str]:
    args = [f"--dbname={url.database}", f"--username={url.username or 'postgres'}", f"--host={url.host or 'localhost'}"]
    return [*args, f"--port={url.port}"] if url.port else args


def _pg_env(url: Any) -> dict[str, str]:
    return os.environ | ({"PGPASSWORD": str(url.password)} if url.password else {})


def _files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from (p for p in root.rglob("*") if p.is_file())


def _key_files() -> list[tuple[Path, str]]:
    settings = get_settings()
    var = settings.var_dir
    found = [(Path(settings.node_key_file) if settings.node_key_file else var / "node_ed25519.pem", "node_ed25519.pem")]
    found += [(pem, f"node_keys_retired/{pem.name}") for pem in sorted((var / "node_keys_retired").glob("*.pem"))]
    if not settings.secret_key:
        found.append((var / "secret_key", "secret_key"))
    return [(path, name) for path, name in found if path.is_file()]


def restore(source: Path, engine: Engine) -> tuple[dict[str, Any], list[Mismatch]]:
    """Put the archive back into an empty database and var/; the manifest and what differs from it (nothing: a good restore)."""
    settings = get_settings()
    if _has_schema(engine):
        raise Conflict("Cơ sở dữ liệu đích đã có dữ liệu: chỉ khôi phục vào một cơ sở dữ liệu trống.")
    with tempfile.TemporaryDirectory(prefix="ketnoi-restore-") as work, tarfile.open(source) as archive:
        folder = Path(work)
        archive.extractall(folder, filter="data")  # no absolute paths, no links out, no devices
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT or manifest.get("dialect") != engine.dialect.name:
            raise Invalid(
                "Bản sao lưu là {format} của {dialect}, không khôi phục được vào {target}.",
                fields={"archive": str(source)},
                values={"format": manifest.get("format"), "dialect": manifest.get("dialect"), "target": engine.dialect.name},
            )
        if engine.dialect.name == "sqlite":
            engine.dispose()
            shutil.copyfile(folder / manifest["database"], str(make_url(str(engine.url)).database))
        else:
            url = make_url(str(engine.url))
            command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *_pg_args(url), str(folder / manifest["database"])]
            done = subprocess.run(command, env=_pg_env(url), capture_output=True, text=True, check=False)  # noqa: S603
            if done.returncode != 0:
                raise Conflict("pg_restore thất bại: {stderr}", values={"stderr": done.stderr.strip()[-500:]})
        var = settings.ensure_var_dir()
        if (folder / "files").is_dir():
            shutil.copytree(folder / "files", var / "files", dirs_exist_ok=True)
        for key in _files(folder / "keys"):
            target = var / key.relative_to(folder / "keys")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(key, target)
            target.chmod(0o600)
    with engine.connect() as connection:
        return manifest, compare(manifest, table_sums(connection))


def compare(manifest: dict[str, Any], found: dict[str, TableSum]) -> list[Mismatch]:
    expected = {name: TableSum(v["rows"], v["sha256"]) for name, v in manifest["tables"].items()}
    return [
        Mismatch(name, expected.get(name), found.get(name))
        for name in sorted(expected.keys() | found.keys())
        if expected.get(name) != found.get(name)
    ]


def _has_schema(engine: Engine) -> bool:
    with engine.connect() as connection:
        return bool(inspect(connection).get_table_names())
