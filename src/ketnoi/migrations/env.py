"""Alembic environment: schema only (data backfills are commands), one URL from settings."""

from __future__ import annotations

from alembic import context

from ketnoi.db import get_engine, make_engine
from ketnoi.models import Base

config = context.config
url = config.attributes.get("database_url")
connection = config.attributes.get("connection")


def run() -> None:
    if connection is not None:
        _migrate(connection)
        return
    engine = make_engine(url) if url else get_engine()
    with engine.begin() as conn:
        _migrate(conn)


def _migrate(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
