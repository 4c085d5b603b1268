"""The exchange log: appended in a chain, and any edit, deletion or reordering found by `verify`."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from ketnoi.db import unit_of_work
from ketnoi.sharing import evidence
from ketnoi.sharing.evidence import Checkpoint, Exchange, ExchangeRecord


def _exchange(n: int) -> Exchange:
    return Exchange(
        form="live_call",
        consumer="BOTC.HETHONG-A",
        service="DV.KHCN.NHIEMVU",
        request=f"GET /x/DV.KHCN.NHIEMVU/records?limit=10&cursor={n}",
        status=200,
        row_count=10,
        response_digest=f"sha-256=:{n:044d}:",
        latency_ms=12 + n,
    )


def _log(count: int) -> None:
    with unit_of_work() as session:
        for n in range(count):
            evidence.append(session, _exchange(n))


def _verify() -> evidence.Verification:
    with unit_of_work() as session:
        return evidence.verify(session)


def _sql(statements: str) -> None:
    """Someone with the database's password, bypassing the platform."""
    with unit_of_work() as session:
        for statement in statements.split("; "):
            session.execute(text(statement))


def test_an_intact_chain_verifies_and_a_checkpoint_is_signed(engine: Engine) -> None:
    _log(5)
    with unit_of_work() as session:
        signed = evidence.checkpoint(session)
        assert signed is not None and signed.seq == 5
        assert evidence.checkpoint(session) is None  # nothing new since
    _log(2)
    result = _verify()
    assert result.ok and (result.records, result.checkpoints) == (7, 1)


@pytest.mark.parametrize(
    ("tampering", "broken_at"),
    [
        ("UPDATE exchange_log SET row_count = 9999 WHERE seq = 3", 3),  # an edited field
        ("DELETE FROM exchange_log WHERE seq = 2", 2),  # a record removed
        (
            "UPDATE exchange_log SET seq = -2 WHERE seq = 2; UPDATE exchange_log SET seq = 2 WHERE seq = 4; "
            "UPDATE exchange_log SET seq = 4 WHERE seq = -2",
            2,
        ),  # two records swapped
        ("DELETE FROM exchange_log WHERE seq = 5", 5),  # the last one removed
        ("UPDATE exchange_log SET consumer = 'KHAC' WHERE seq = 1", 1),
    ],
)
def test_any_edit_deletion_or_reordering_is_found_at_its_first_record(engine: Engine, tampering: str, broken_at: int) -> None:
    _log(5)
    _sql(tampering)
    result = _verify()
    assert not result.ok and result.broken_at == broken_at, result


def test_a_chain_rewritten_with_fresh_hashes_is_caught_by_the_signed_checkpoint(engine: Engine) -> None:
    _log(3)
    with unit_of_work() as session:
        evidence.checkpoint(session)
    # Rewrite record 2 and recompute every hash after it: the chain holds, the signature does not.
    with unit_of_work() as session:
        rows = list(session.scalars(select(ExchangeRecord).order_by(ExchangeRecord.seq)))
        rows[1].row_count = 0
        prev = rows[0].hash
        for row in rows[1:]:
            exchange = Exchange(**{name: getattr(row, name) for name in Exchange.__dataclass_fields__})
            row.prev_hash, row.hash = prev, evidence._hash(row.seq, row.at, exchange, prev)
            prev = row.hash
        session.execute(text("UPDATE exchange_log_head SET hash = :h"), {"h": prev})
    result = _verify()
    assert not result.ok and result.broken_at == 3 and "chữ ký" in (result.reason or "")
    with unit_of_work() as session:
        point = session.get(Checkpoint, 3)
        assert point is not None


def test_concurrent_appends_never_fork_the_chain(engine: Engine, db: Session) -> None:
    if db.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite serialises every write: the same as one writer")
    threads = [threading.Thread(target=_log, args=(10,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = _verify()
    assert result.ok and result.records == 40


def test_appends_of_many_threads_are_committed_in_groups_without_a_gap(engine: Engine, db: Session) -> None:
    """The gateway's group commit: every caller gets its own place, once its record is committed."""
    places: list[int] = []
    lock = threading.Lock()

    def call(n: int) -> None:
        for k in range(10):
            seq = evidence.append_committed(_exchange(n * 10 + k))
            with unit_of_work() as session:  # committed before it was handed back
                assert session.get(ExchangeRecord, seq) is not None
            with lock:
                places.append(seq)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(places) == list(range(1, 121))
    result = _verify()
    assert result.ok and result.records == 120


def test_the_cli_reports_the_first_broken_record(engine: Engine, tmp_path: Path) -> None:
    _log(4)
    _sql("UPDATE exchange_log SET status = 500 WHERE seq = 3")
    run = subprocess.run([sys.executable, "-m", "ketnoi", "audit", "verify"], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 1 and "bản ghi số 3" in run.stderr and "đã bị sửa" in run.stderr
