"""Feedback on open data (Plan II.8): comments and error reports on public datasets, requests for
new datasets with votes, moderation by the answering unit, and public replies.

Anyone may send feedback and vote; the web layer passes the sender as an `antispam.Client`, of
which only keyed hashes are kept. Everything lands `pending` and is shown only once a moderator
publishes it. A moderator is an administrator, or a steward of the answering unit: the dataset's
owner, or the unit a request is addressed to (a request addressed to no unit is the
administrators', i.e. the IT Center's). The sender's e-mail is for the moderators only: it is never
shown publicly, audited or logged.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, func, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import PUBLIC, Actor, Role
from ketnoi.catalog.datasets import get_dataset, visible
from ketnoi.catalog.models import Dataset
from ketnoi.feedback import antispam, tasks
from ketnoi.feedback.antispam import Client
from ketnoi.feedback.models import Feedback, FeedbackKind, FeedbackStatus, FeedbackVote
from ketnoi.feedback.schemas import FeedbackIn, ModerationIn, ReplyIn, RequestIn
from ketnoi.kit.clock import new_id, utcnow
from ketnoi.kit.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from ketnoi.kit.pagination import Page, keyset_page
from ketnoi.kit.search import matches, search_text
from ketnoi.org.models import Organization, OrgKind
from ketnoi.portal import published
from ketnoi.quality import incidents

log = logging.getLogger("ketnoi.feedback")

ON_DATASETS = (FeedbackKind.COMMENT, FeedbackKind.ERROR)
MIN_REJECT_NOTE = 5
AUDITED = ("status", "moderation_note", "reply", "dataset_id")
CREATED = ("kind", "status", "dataset_id", "organization_id", "title")  # never the sender's name, e-mail or address


@dataclass(frozen=True)
class Entry:
    """A piece of feedback with the names a list shows beside it."""

    feedback: Feedback
    unit_name: str | None = None
    dataset_name: str | None = None
    dataset_slug: str | None = None
    can_moderate: bool = False


@dataclass(frozen=True)
class QueueFilters:
    kind: str | None = None
    status: str | None = FeedbackStatus.PENDING  # None: every status, the pending ones first
    q: str | None = None


# ---- what the public sends ------------------------------------------------------------------


def public_dataset(session: Session, *, slug: str) -> Dataset:
    """The public dataset with this URL name; any other is NotFound (its existence is not told)."""
    return published.public_dataset(session, slug)


def submit_feedback(session: Session, *, actor: Actor, client: Client, dataset_id: uuid.UUID, data: FeedbackIn) -> Feedback:
    """A comment or an error report on a public dataset, for its owning unit to moderate."""
    dataset = get_dataset(session, actor=PUBLIC, dataset_id=dataset_id)  # what the public cannot see is NotFound
    _guard(data.website, data.form_token, client)
    feedback = _new(actor, client, data, kind=data.kind, title=None, dataset_id=dataset.id, unit_id=dataset.owner_unit_id)
    return _received(session, actor, feedback)


def submit_request(session: Session, *, actor: Actor, client: Client, data: RequestIn) -> Feedback:
    """A request that a dataset be opened, addressed to a unit or (none given) to the IT Center."""
    if data.organization_id is not None:
        unit = session.get(Organization, data.organization_id)
        if unit is None or unit.kind != OrgKind.UNIT:
            raise Invalid("Dữ liệu không hợp lệ.", fields={"organization_id": "Đơn vị không hợp lệ."})
    _guard(data.website, data.form_token, client)
    feedback = _new(actor, client, data, kind=FeedbackKind.REQUEST, title=data.title, dataset_id=None, unit_id=data.organization_id)
    return _received(session, actor, feedback)


def _guard(honeypot: str | None, token: str | None, client: Client) -> None:
    antispam.check_form(honeypot, token)
    antispam.count_submission(client)  # last: a form refused for its content does not use the sender's allowance


def _new(
    actor: Actor,
    client: Client,
    data: FeedbackIn | RequestIn,
    *,
    kind: str,
    title: str | None,
    dataset_id: uuid.UUID | None,
    unit_id: uuid.UUID | None,
) -> Feedback:
    return Feedback(
        id=new_id(),
        kind=kind,
        status=FeedbackStatus.PENDING,
        dataset_id=dataset_id,
        organization_id=unit_id,
        title=title,
        body=data.body,
        author_name=data.author_name,
        author_email=data.author_email,
        author_id=actor.user_id,
        client_hash=antispam.client_hash(client),
        votes=0,
        search_text=search_text(title, data.body),
    )


def _received(session: Session, actor: Actor, feedback: Feedback) -> Feedback:
    session.add(feedback)
    session.flush()
    _record(session, actor, feedback, "create", audit.diff({}, audit.snapshot(feedback, CREATED)))
    tasks.tell_unit(session, feedback)
    return feedback


def vote(session: Session, *, actor: Actor, client: Client, feedback_id: uuid.UUID) -> Feedback:
    """One vote for a published request, once per voter (an account, or an address with its browser)."""
    feedback = session.get(Feedback, feedback_id)
    if feedback is None or feedback.kind != FeedbackKind.REQUEST or feedback.status != FeedbackStatus.PUBLISHED:
        raise NotFound("Không tìm thấy đề nghị công bố dữ liệu.")
    voter = antispam.voter_hash(actor, client)
    if session.get(FeedbackVote, (feedback.id, voter)) is not None:
        _already_voted()
    antispam.count_vote(client)
    try:
        with session.begin_nested():  # a savepoint: two clicks at once must not abort the request
            session.add(FeedbackVote(feedback_id=feedback.id, voter_hash=voter, created_at=utcnow()))
    except IntegrityError:
        _already_voted()
    before = feedback.votes
    increment = update(Feedback).where(Feedback.id == feedback.id).values(votes=Feedback.votes + 1)
    session.execute(increment.execution_options(synchronize_session=False))
    session.refresh(feedback)
    _record(session, actor, feedback, "vote", {"votes": [before, feedback.votes]})
    return feedback


def _already_voted() -> None:
    msg = "Bạn đã bình chọn cho đề nghị này; mỗi người chỉ bình chọn một lần."
    raise Conflict(msg, fields={"vote": msg})


def voted(session: Session, *, actor: Actor, client: Client, feedback_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these requests this voter has already voted for (to show the button as used)."""
    if not feedback_ids:
        return set()
    voter = antispam.voter_hash(actor, client)
    query = select(FeedbackVote.feedback_id).where(FeedbackVote.voter_hash == voter, FeedbackVote.feedback_id.in_(feedback_ids))
    return set(session.scalars(query))


# ---- what the public reads ------------------------------------------------------------------


def dataset_feedback(session: Session, *, dataset_id: uuid.UUID, cursor: str | None = None, limit: int = 50) -> Page[Feedback]:
    """The published comments and error reports of a dataset (with their replies), newest first: the same for everyone."""
    query = select(Feedback).where(
        Feedback.dataset_id == dataset_id, Feedback.kind.in_(ON_DATASETS), Feedback.status == FeedbackStatus.PUBLISHED
    )
    return keyset_page(session, query, [Feedback.created_at, Feedback.id], cursor=cursor, limit=limit, descending=True)


def published_requests(session: Session, *, cursor: str | None = None, limit: int = 25) -> Page[Entry]:
    """The published dataset requests, most votes first (then the newest): the same for everyone."""
    query = select(Feedback).where(Feedback.kind == FeedbackKind.REQUEST, Feedback.status == FeedbackStatus.PUBLISHED)
    keys = [Feedback.votes, Feedback.created_at, Feedback.id]
    page = keyset_page(session, query, keys, cursor=cursor, limit=limit, descending=True)
    return Page(items=_entries(session, PUBLIC, page.items), next_cursor=page.next_cursor)


def request_units(session: Session) -> list[tuple[uuid.UUID, str]]:
    """The ministry's units a request may be addressed to (not the outside agencies)."""
    query = select(Organization.id, Organization.name).where(Organization.kind == OrgKind.UNIT).order_by(Organization.name)
    return [(row.id, row.name) for row in session.execute(query)]


# ---- what the staff do ----------------------------------------------------------------------


def answers_for(actor: Actor, unit_id: uuid.UUID | None) -> bool:
    """May moderate and reply for this unit: an administrator, or one of its stewards (no unit: the administrators)."""
    units = authz.editable_units(actor)
    return units is None or (unit_id is not None and unit_id in units)


def can_moderate(actor: Actor, feedback: Feedback) -> bool:
    return answers_for(actor, feedback.organization_id)


def _moderatable(actor: Actor) -> ColumnElement[bool]:
    units = authz.editable_units(actor)
    if units is None:
        return true()
    return Feedback.organization_id.in_(units) if units else false()


def _for_moderator(session: Session, actor: Actor, feedback_id: uuid.UUID) -> Feedback:
    if actor.role is Role.PUBLIC:
        raise Unauthenticated("Bạn cần đăng nhập để thực hiện thao tác này.")
    feedback = session.get(Feedback, feedback_id)
    if feedback is None:
        raise NotFound("Không tìm thấy ý kiến phản hồi.")
    if not can_moderate(actor, feedback):
        log.warning("feedback moderation denied: actor=%s feedback=%s unit=%s", actor.label, feedback.id, feedback.organization_id)
        raise Forbidden("Chỉ quản trị viên hoặc cán bộ của đơn vị trả lời mới duyệt và trả lời được ý kiến này.")
    return feedback


def moderate(session: Session, *, actor: Actor, feedback_id: uuid.UUID, data: ModerationIn) -> Feedback:
    """Publish, or reject with a note (kept for the record, never shown); a decision may be changed later."""
    feedback = _for_moderator(session, actor, feedback_id)
    status = FeedbackStatus.PUBLISHED if data.decision == "publish" else FeedbackStatus.REJECTED
    if status == FeedbackStatus.REJECTED and len(data.note or "") < MIN_REJECT_NOTE:
        raise Invalid("Từ chối phải nêu lý do (ít nhất 5 ký tự).", fields={"note": "Bắt buộc khi từ chối."})
    if feedback.status == status:
        raise Invalid("Ý kiến đã ở trạng thái này.", fields={"decision": "Không có gì thay đổi."})
    before = audit.snapshot(feedback, AUDITED)
    feedback.status, feedback.moderation_note = status, data.note
    feedback.moderated_by_id, feedback.moderated_at = actor.user_id, utcnow()
    _record(session, actor, feedback, "moderate", audit.diff(before, audit.snapshot(feedback, AUDITED)))
    incidents.from_feedback(session, actor=actor, feedback=feedback)  # a published error report is a quality incident
    return feedback


def reply(session: Session, *, actor: Actor, feedback_id: uuid.UUID, data: ReplyIn) -> Feedback:
    """The unit's public answer (shown once the feedback is published); for a request, optionally
    the public dataset that answers it (then the request is no longer a proposal of the synthesis)."""
    feedback = _for_moderator(session, actor, feedback_id)
    if feedback.status == FeedbackStatus.REJECTED:
        raise Invalid("Ý kiến đã bị từ chối: không trả lời công khai.", fields={"reply": "Hãy công bố ý kiến trước khi trả lời."})
    before = audit.snapshot(feedback, AUDITED)
    if data.dataset:
        feedback.dataset_id = _answering_dataset(session, feedback, data.dataset)
    feedback.reply, feedback.replied_by_id, feedback.replied_at = data.reply, actor.user_id, utcnow()
    _record(session, actor, feedback, "reply", audit.diff(before, audit.snapshot(feedback, AUDITED)))
    return feedback


def _answering_dataset(session: Session, feedback: Feedback, text: str) -> uuid.UUID:
    if feedback.kind != FeedbackKind.REQUEST:
        raise Invalid("Dữ liệu không hợp lệ.", fields={"dataset": "Chỉ đề nghị công bố dữ liệu mới gắn được bộ dữ liệu đáp ứng."})
    slug = text.rstrip("/").rsplit("/", 1)[-1].split("#")[0].split("?")[0]
    try:
        return public_dataset(session, slug=slug).id
    except NotFound:
        raise Invalid("Dữ liệu không hợp lệ.", fields={"dataset": "Không có bộ dữ liệu công khai nào có tên này."}) from None


def moderation_queue(session: Session, *, actor: Actor, filters: QueueFilters, cursor: str | None = None, limit: int = 25) -> Page[Entry]:
    """What the actor may moderate: the pending first (statuses sort so), the oldest first."""
    if actor.role is Role.PUBLIC:
        raise Unauthenticated("Bạn cần đăng nhập để thực hiện thao tác này.")
    query = select(Feedback).where(_moderatable(actor), matches(Feedback.search_text, filters.q))
    if filters.kind:
        if filters.kind not in set(FeedbackKind):
            raise BadRequest("Bộ lọc không hợp lệ.", fields={"kind": "Loại ý kiến không hợp lệ."})
        query = query.where(Feedback.kind == filters.kind)
    if filters.status:
        if filters.status not in set(FeedbackStatus):
            raise BadRequest("Bộ lọc không hợp lệ.", fields={"status": "Trạng thái không hợp lệ."})
        query = query.where(Feedback.status == filters.status)
    keys = [Feedback.status, Feedback.created_at, Feedback.id]  # "pending" < "published" < "rejected"
    page = keyset_page(session, query, keys, cursor=cursor, limit=limit)
    return Page(items=_entries(session, actor, page.items), next_cursor=page.next_cursor)


def pending_count(session: Session, *, actor: Actor) -> int:
    query = select(func.count()).select_from(Feedback).where(_moderatable(actor), Feedback.status == FeedbackStatus.PENDING)
    return session.scalar(query) or 0


def _entries(session: Session, actor: Actor, found: list[Feedback]) -> list[Entry]:
    """Each item with its unit's and dataset's names (two queries for the page, not two per row)."""
    unit_ids = {f.organization_id for f in found if f.organization_id}
    dataset_ids = {f.dataset_id for f in found if f.dataset_id}
    units = dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(unit_ids))).tuples().all())
    # Only a dataset this reader may see is named: one made internal since stays out of sight.
    named = select(Dataset.id, Dataset.name, Dataset.slug).where(Dataset.id.in_(dataset_ids), visible(actor))
    datasets = {row.id: (row.name, row.slug) for row in session.execute(named)}
    entries = []
    for item in found:
        name, slug = datasets.get(item.dataset_id, (None, None)) if item.dataset_id else (None, None)
        unit = units.get(item.organization_id) if item.organization_id else None
        entries.append(Entry(item, unit, name, slug, can_moderate(actor, item)))
    return entries


def _record(session: Session, actor: Actor, feedback: Feedback, action: str, changes: dict[str, list[Any]]) -> None:
    """The audit row of a change: never the sender's e-mail or address."""
    text = feedback.title or feedback.body
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="feedback",
        entity_id=feedback.id,
        entity_label=f"{feedback.kind}: {text[:120]}",
        changes=changes,
    )
