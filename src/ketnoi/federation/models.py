"""Peer nodes, the services they list, our requests for access to them, and which of our apps may call them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin
from ketnoi.kit.clock import utcnow


class PeerKind(StrEnum):
    KETNOI = "ketnoi"  # another ketnoi node: services, connection requests, signed gateway
    CKAN = "ckan"  # a CKAN portal: metadata only, harvested (harvest.HarvestSource)
    DCAT = "dcat"  # a DCAT catalog: metadata only, harvested


class PeerRequestStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"


WITHDRAWN = "withdrawn"  # a listed service the peer no longer lists


class Peer(IdMixin, TimestampMixin, Base):
    __tablename__ = "peers"

    code: Mapped[str] = mapped_column(String(32), unique=True)  # in our gateway's paths: /x/peers/{code}/…
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    base_url: Mapped[str] = mapped_column(String(1000))
    # The peer's JWKS as fetched at registration (or at an explicit, audited refresh): its answers
    # are verified with these keys only, so a key swapped on the peer's side is noticed, not trusted.
    keys: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    keys_fetched_at: Mapped[datetime | None]
    client_id: Mapped[str | None] = mapped_column(String(64))  # our application's at the peer (its admin issued it)
    client_secret: Mapped[str | None] = mapped_column(Text)  # sealed by kit.secretbox, never shown back
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    harvest_source_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("harvest_sources.id", ondelete="SET NULL"))
    last_listed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    next_sync_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class PeerService(IdMixin, Base):
    """A service as the peer publishes it (its GET /api/v1/services), kept between listings."""

    __tablename__ = "peer_services"

    peer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("peers.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    owner: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    sharing_form: Mapped[str | None] = mapped_column(String(32))
    method: Mapped[str | None] = mapped_column(String(32))
    data_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))  # the peer's (published, changed) or WITHDRAWN
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the art. 25 fields as listed
    listed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("peer_id", "code"),)


class PeerRequest(IdMixin, Base):
    """Our connection request (art. 35) at a peer, and its answer as last read there."""

    __tablename__ = "peer_requests"

    peer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("peers.id", ondelete="CASCADE"), index=True)
    service_code: Mapped[str] = mapped_column(String(64))
    remote_id: Mapped[str | None] = mapped_column(String(64))  # the request's id at the peer
    status: Mapped[str] = mapped_column(String(16), default=PeerRequestStatus.SUBMITTED)
    purpose: Mapped[str] = mapped_column(Text)
    data_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    frequency: Mapped[str] = mapped_column(String(16))
    expected_records: Mapped[int | None] = mapped_column(Integer)
    submitted_by: Mapped[str] = mapped_column(String(255))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None]


class PeerGrant(IdMixin, Base):
    """One of OUR consumer applications allowed to call a peer's service through our gateway."""

    __tablename__ = "peer_grants"

    peer_service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("peer_services.id", ondelete="CASCADE"))
    app_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consumer_apps.id", ondelete="CASCADE"), index=True)
    granted_by: Mapped[str] = mapped_column(String(255))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("peer_service_id", "app_id"),)
