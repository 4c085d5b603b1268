"""The exchange log (Decree 47 art. 45): every exchange, append-only and hash-chained.

Each record holds its place (`seq`, 1, 2, 3 … without gaps), the hash of the record before it
and its own hash, a SHA-256 over all its fields in a canonical form. Changing a field breaks its
own hash; deleting or reordering records breaks the sequence or the links. Every CHECKPOINT_EVERY
records (and on demand: `ketnoi audit checkpoint`) the node signs the position and hash it has
reached with its Ed25519 key, so rewriting the whole chain from some point on is detected too,
by the signature, without trusting the database.

Appends are serialised by one row, the chain's head: the first statement of an append updates it,
which takes SQLite's write lock or PostgreSQL's row lock at once, so two appends never read the
same previous hash. The record is written in the caller's transaction, or (`append_committed`, the
gateway's reads) in one of its own: either way an exchange is acknowledged to a consumer only after
the record's commit, so nothing acknowledged is missing after a crash.
`verify` walks the chain from the start and names the first record that does not hold.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, Integer, String, Table, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ketnoi.db import Base, unit_of_work
from ketnoi.kit import nodekey
from ketnoi.kit.clock import utcnow

GENESIS = "0" * 64
CHECKPOINT_EVERY = 1000
_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class ExchangeRecord(Base):
    __tablename__ = "exchange_log"

    seq: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    form: Mapped[str] = mapped_column(String(32))  # the sharing form / query mode of the exchange
    consumer: Mapped[str] = mapped_column(String(128), index=True)  # the consumer's application id
    service: Mapped[str] = mapped_column(String(64), index=True)  # the service's code
    request: Mapped[str] = mapped_column(String(2000))  # method, path and query (never a credential)
    status: Mapped[int] = mapped_column(Integer)
    row_count: Mapped[int] = mapped_column(Integer)
    response_digest: Mapped[str] = mapped_column(String(80))  # sha-256=:…: of the body sent
    latency_ms: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


_LOG_TABLE = cast(Table, ExchangeRecord.__table__)  # a declarative class's table (typed as any FromClause)


class ChainHead(Base):
    """One row: where the chain has got to (the lock every append takes first)."""

    __tablename__ = "exchange_log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(_BIGINT)
    hash: Mapped[str] = mapped_column(String(64))


class Checkpoint(Base):
    __tablename__ = "exchange_log_checkpoints"

    seq: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(128))


@dataclass(frozen=True)
class Exchange:
    form: str
    consumer: str
    service: str
    request: str
    status: int
    row_count: int
    response_digest: str
    latency_ms: int


def _hash(seq: int, at: datetime, exchange: Exchange, prev_hash: str) -> str:
    fields = {"seq": seq, "at": _instant(at), "prev_hash": prev_hash} | exchange.__dict__
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _instant(at: datetime) -> str:
    """A moment in one form whatever the database gives back (SQLite drops the zone)."""
    return at.replace(tzinfo=None).isoformat(timespec="microseconds")


def append(session: Session, exchange: Exchange) -> int:
    """Add one exchange at the end of the chain, in the caller's transaction; its place (`seq`)."""
    return append_many(session, [exchange])[0]


def append_many(session: Session, exchanges: Sequence[Exchange]) -> list[int]:
    """Add exchanges in order at the end of the chain, in the caller's transaction; their places.

    Three statements in Core whatever their number (the head moved once, the records inserted
    together, the head's hash set once): the gateway appends for every call."""
    count = len(exchanges)
    advance = update(ChainHead).where(ChainHead.id == 1).values(seq=ChainHead.seq + count).returning(ChainHead.seq, ChainHead.hash)
    last, prev_hash = session.execute(advance).one()
    at, rows, places = utcnow(), [], []
    for seq, exchange in enumerate(exchanges, start=int(last) - count + 1):
        hash_ = _hash(seq, at, exchange, prev_hash)
        rows.append({"seq": seq, "at": at, "prev_hash": prev_hash, "hash": hash_, **exchange.__dict__})
        places.append(seq)
        if seq % CHECKPOINT_EVERY == 0:
            _sign(session, seq, hash_)
        prev_hash = hash_
    session.execute(insert(_LOG_TABLE), rows)  # Core: the ORM's bulk path costs more per row
    session.execute(update(ChainHead).where(ChainHead.id == 1).values(hash=prev_hash))
    return places


@dataclass
class _Waiting:
    exchange: Exchange
    seq: int | None = None
    error: BaseException | None = None
    done: bool = False


class _GroupCommit:
    """Appends of many threads of one process committed together (group commit).

    A caller queues its exchange, then takes the commit lock: if its exchange is still queued it
    leads, writing every queued exchange in one transaction; otherwise a leader before it has
    committed it already. Each caller returns only once the transaction holding its record has
    committed, so an exchange is still never acknowledged before its record is durable; but one
    commit serves all the calls that arrived while the previous one was being written.
    """

    def __init__(self) -> None:
        self.queue: list[_Waiting] = []
        self.queue_lock = threading.Lock()
        self.commit_lock = threading.Lock()

    def append(self, exchange: Exchange) -> int:
        mine = _Waiting(exchange)
        with self.queue_lock:
            self.queue.append(mine)
        with self.commit_lock:
            if not mine.done:
                self._lead()
        if mine.error is not None:
            raise mine.error
        assert mine.seq is not None
        return mine.seq

    def _lead(self) -> None:
        with self.queue_lock:
            batch, self.queue = self.queue, []
        try:
            with unit_of_work() as session:
                places = append_many(session, [waiting.exchange for waiting in batch])
        except BaseException as exc:
            for waiting in batch:
                waiting.error, waiting.done = exc, True
            return
        for waiting, seq in zip(batch, places, strict=True):
            waiting.seq, waiting.done = seq, True


_GROUP = _GroupCommit()


def append_committed(exchange: Exchange) -> int:
    """Append in a transaction of its own, committed on return (grouped with the other threads'
    appends of the moment): for a read (the gateway's calls) the record is the only write, so it is
    durable before the answer is sent."""
    return _GROUP.append(exchange)


def of_consumer(session: Session, *, consumer: str, after: int, limit: int) -> list[ExchangeRecord]:
    """A consumer's own records (its application's id), in order, after `seq`."""
    query = select(ExchangeRecord).where(ExchangeRecord.consumer == consumer, ExchangeRecord.seq > after)
    return list(session.scalars(query.order_by(ExchangeRecord.seq).limit(limit)))


def record_out(record: ExchangeRecord) -> dict[str, Any]:
    fields = ("seq", "form", "consumer", "service", "request", "status", "row_count", "response_digest", "latency_ms", "hash", "prev_hash")
    return {name: getattr(record, name) for name in fields} | {"at": _instant(record.at) + "Z"}


def checkpoint(session: Session) -> Checkpoint | None:
    """Sign where the chain is now (None when it is empty or already signed there)."""
    head = session.execute(select(ChainHead.seq, ChainHead.hash).where(ChainHead.id == 1).with_for_update()).one()
    if head.seq == 0 or session.get(Checkpoint, head.seq) is not None:
        return None
    return _sign(session, head.seq, head.hash)


def _checkpoint_message(seq: int, hash_: str) -> bytes:
    return f"ketnoi-exchange-log:{seq}:{hash_}".encode()


def _sign(session: Session, seq: int, hash_: str) -> Checkpoint:
    key = nodekey.node_key()
    signature = key.sign(_checkpoint_message(seq, hash_))
    signed = Checkpoint(seq=seq, hash=hash_, at=utcnow(), key_id=key.key_id, signature=signature)
    session.add(signed)
    return signed


@dataclass(frozen=True)
class Verification:
    records: int
    checkpoints: int
    broken_at: int | None = None  # the first record (seq) that does not hold
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session, *, batch: int = 5000) -> Verification:
    """Walk the whole chain; the first record whose place, link or hash does not hold, and why."""
    signed = {c.seq: c for c in session.scalars(select(Checkpoint))}
    known = nodekey.public_keys()  # the current key and the retired ones
    expected_prev, count = GENESIS, 0
    for record in _records(session, batch):
        count += 1
        if record.seq != count:
            return Verification(count - 1, 0, count, f"thiếu bản ghi số {count} (có bản ghi số {record.seq} ở vị trí này)")
        if record.prev_hash != expected_prev:
            return Verification(count - 1, 0, record.seq, "không nối với bản ghi trước (bị xoá, chèn hoặc đổi chỗ)")
        exchange = Exchange(**{name: getattr(record, name) for name in Exchange.__dataclass_fields__})
        if _hash(record.seq, record.at, exchange, record.prev_hash) != record.hash:
            return Verification(count - 1, 0, record.seq, "nội dung bản ghi đã bị sửa")
        if record.seq in signed and not _signed_right(signed[record.seq], record, known):
            return Verification(count - 1, 0, record.seq, "điểm kiểm tra có chữ ký không khớp: chuỗi đã bị viết lại")
        expected_prev = record.hash
    head = session.execute(select(ChainHead.seq, ChainHead.hash).where(ChainHead.id == 1)).one()
    if (head.seq, head.hash) != (count, expected_prev):
        return Verification(count, 0, count + 1, "bản ghi cuối cùng đã bị xoá (đầu chuỗi không khớp)")
    beyond = [seq for seq in signed if seq > count]
    if beyond:
        return Verification(count, 0, min(beyond), "có điểm kiểm tra cho bản ghi không còn: bản ghi đã bị xoá")
    return Verification(count, len(signed))


def _signed_right(point: Checkpoint, record: Any, keys: dict[str, Any]) -> bool:
    public = keys.get(point.key_id)
    if point.hash != record.hash or public is None:
        return False
    return nodekey.verify(public, _checkpoint_message(point.seq, point.hash), point.signature)


def _records(session: Session, batch: int) -> Iterator[Any]:
    """All records by place, a batch at a time (keyset), as plain rows: memory stays small."""
    table = ExchangeRecord.__table__
    after = 0
    while True:
        rows = session.execute(select(table).where(table.c.seq > after).order_by(table.c.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
