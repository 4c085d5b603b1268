"""What the catalog benchmark's scripts share: paths, the two databases, the isolated environment.

Nothing here imports ketnoi: the ketnoi settings are read from the environment once, so every
process that imports ketnoi gets its environment (KETNOI_DATABASE_URL, KETNOI_VAR_DIR) from
`ketnoi_env()` before it starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / ".data"
RESULTS = BENCH / "results"
QUERIES_FILE = BENCH / "catalog_queries.txt"
LUA_SCRIPT = BENCH / "catalog.lua"
VENV_BIN = ROOT / ".venv" / "bin"

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DATABASE = "ketnoi_bench"
GENERATOR_VERSION = 1  # bump when catalog_data.py generates different data, so --reuse does not reuse old data
BENCH_SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105 - a throwaway key for a throwaway database


@dataclass(frozen=True)
class Target:
    """One database the benchmark runs against."""

    name: str  # "sqlite" | "postgres"
    url: str
    var_dir: Path

    @property
    def marker(self) -> Path:
        """Written after a complete load: what was generated, and the secrets to log in with."""
        return self.var_dir / "generated.json"


def target(name: str) -> Target:
    var_dir = DATA / name
    if name == "sqlite":
        return Target(name, f"sqlite:///{var_dir / 'ketnoi.db'}", var_dir)
    if name == "postgres":
        return Target(name, f"{PG_SERVER}/{PG_DATABASE}", var_dir)
    raise ValueError(f"unknown database {name!r} (sqlite or postgres)")


def ketnoi_env(t: Target) -> dict[str, str]:
    """The environment of a ketnoi process working on `t`: inherited KETNOI_* settings removed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}
    env.update(
        KETNOI_DATABASE_URL=t.url,
        KETNOI_VAR_DIR=str(t.var_dir),
        KETNOI_SECRET_KEY=BENCH_SECRET_KEY,
        PYTHONUNBUFFERED="1",
    )
    return env


def load_queries() -> list[str]:
    """The search queries the load tool picks from (one per line; '#' starts a comment)."""
    lines = QUERIES_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
