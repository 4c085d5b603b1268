"""Feedback from the portal's visitors, moderated before it is shown, and the votes on requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin
from ketnoi.kit.clock import utcnow


class FeedbackKind(StrEnum):
    COMMENT = "comment"  # góp ý, bình luận về một bộ dữ liệu
    ERROR = "error_report"  # báo lỗi dữ liệu
    REQUEST = "dataset_request"  # đề nghị công bố bộ dữ liệu mới


class FeedbackStatus(StrEnum):
    PENDING = "pending"  # awaiting moderation: seen only by staff
    PUBLISHED = "published"  # shown on the portal
    REJECTED = "rejected"  # spam or out of place: kept for the record, never shown


class Feedback(IdMixin, TimestampMixin, Base):
    __tablename__ = "feedback"

    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=FeedbackStatus.PENDING)
    # The dataset a comment or an error report is about; a request may name none (new data).
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    # The unit that answers: the dataset's owner, or the one a request is addressed to (or none: the IT Center decides).
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    title: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str | None] = mapped_column(String(255))
    author_email: Mapped[str | None] = mapped_column(String(255))  # for the reply; never shown publicly
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_hash: Mapped[str] = mapped_column(String(64))  # keyed hash of the sender's address: limits, never the address
    votes: Mapped[int] = mapped_column(Integer, default=0)
    moderated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    moderated_at: Mapped[datetime | None]
    moderation_note: Mapped[str | None] = mapped_column(Text)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None]
    search_text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_feedback_status_created_at", "status", "created_at"),)


class FeedbackVote(Base):
    """One vote per voter per request: the voter is a keyed hash (an account, or an address and browser)."""

    __tablename__ = "feedback_votes"

    feedback_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True)
    voter_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
