"""Due items the reminder digest gathers (governance.reminders.CONTRIBUTORS): the quality inspection, status
surveys, official catalogs' reviews, the plan's tasks and sharing services awaiting publication.

A unit's report not yet submitted (a draft, or returned for correction) in an open campaign is due
on the campaign's unit due date, for the unit's stewards and for the unit's current focal point when
an active account has the focal point's e-mail address (exactly one: an address shared by several
accounts names no one). The ministry's report is due on the ministry due date, for the
administrators, while the campaign is open. A unit's answer to an open survey is due on the survey's
due date, for the unit's people.

An official catalog's review is due on its current published version's `next_review_due`, for the
administrators (who build the next version), until a newer version is published; the reminder
window is the kind's rule (decisions_build.REVIEW_RULES; the national proposal uses the databases'
rule). A plan task instance not done, with a due date, is due then for its unit's people (rule
"plan.task"; an instance made by a service becoming ready, Plan II.6, follows "service.publish").
A sharing service ready (or changed) and not yet published is due on the last day of its publication
limit (`publish_due_at`), for the administrators: the platform publishes (rule "service.publish").
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.authz import Actor, Role
from ketnoi.governance import decisions
from ketnoi.governance.decisions_build import REVIEW_RULES
from ketnoi.governance.decisions_models import CatalogKind, VersionStatus
from ketnoi.governance.labels_decisions import KIND_LABELS, STATUS_LABELS
from ketnoi.governance.plan_models import InstanceStatus, PlanEvent, PlanTask, TaskInstance
from ketnoi.governance.reminders import DueItem
from ketnoi.governance.survey_models import AssignmentStatus, Survey, SurveyAssignment, SurveyStatus
from ketnoi.org.models import FocalPoint, Organization
from ketnoi.quality.inspection import report_link
from ketnoi.quality.inspection_models import EDITABLE_REPORT, CampaignStatus, InspectionCampaign, ReportStatus, UnitReport
from ketnoi.sharing.models import ServiceStatus, SharingService
from ketnoi.workcal.service import last_day

LONGEST_WINDOW = 90  # days: the most a rule reminds before a due date (RuleIn.remind_before_days)


def unit_people(session: Session, unit_id: uuid.UUID) -> list[uuid.UUID]:
    """Who answers for a unit's reports: its active stewards, and its current focal point's account."""
    people = list(session.scalars(select(User.id).where(User.is_active.is_(True), User.role == Role.STEWARD, User.unit_id == unit_id)))
    focal = session.scalar(
        select(FocalPoint.email)
        .where(FocalPoint.organization_id == unit_id, FocalPoint.ended_on.is_(None), FocalPoint.email.is_not(None))
        .order_by(FocalPoint.started_on.desc())
        .limit(1)
    )
    if focal:
        accounts = list(session.scalars(select(User.id).where(User.is_active.is_(True), func.lower(User.email) == focal.strip().lower())))
        if len(accounts) == 1 and accounts[0] not in people:
            people.append(accounts[0])
    return people


def administrators(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(User.id).where(User.is_active.is_(True), User.role == Role.ADMIN).order_by(User.id)))


def inspection_unit_reports(session: Session, day: date) -> Iterator[DueItem]:
    query = (
        select(InspectionCampaign, UnitReport, Organization.name)
        .join(UnitReport, UnitReport.campaign_id == InspectionCampaign.id)
        .join(Organization, Organization.id == UnitReport.unit_id)
        .where(InspectionCampaign.status == CampaignStatus.OPEN, UnitReport.status.in_(EDITABLE_REPORT))
    )
    for campaign, report, unit_name in session.execute(query).tuples():
        title = f"Nộp báo cáo kiểm tra, đánh giá chất lượng dữ liệu năm {campaign.year} của {unit_name}"
        if report.status == ReportStatus.RETURNED:
            title += " (đã được trả lại để bổ sung)"
        for user_id in unit_people(session, report.unit_id):
            yield DueItem(user_id, "inspection.unit_report", title, campaign.unit_due, report_link(campaign.year, report.unit_id))


def inspection_ministry_report(session: Session, day: date) -> Iterator[DueItem]:
    admins = administrators(session)
    for campaign in session.scalars(select(InspectionCampaign).where(InspectionCampaign.status == CampaignStatus.OPEN)):
        title = f"Tổng hợp Báo cáo kiểm tra, đánh giá chất lượng dữ liệu năm {campaign.year} của Bộ"
        for user_id in admins:
            yield DueItem(user_id, "inspection.ministry_report", title, campaign.ministry_due, f"/quality/inspections/{campaign.year}")


def survey_answers(session: Session, day: date) -> Iterator[DueItem]:
    """A unit's answer to an open status survey not yet submitted, for the unit's people, due on the survey's due date."""
    query = (
        select(Survey, SurveyAssignment, Organization.name)
        .join(SurveyAssignment, SurveyAssignment.survey_id == Survey.id)
        .join(Organization, Organization.id == SurveyAssignment.unit_id)
        .where(Survey.status == SurveyStatus.OPEN, SurveyAssignment.status != AssignmentStatus.SUBMITTED)
    )
    for survey, assignment, unit_name in session.execute(query).tuples():
        title = f"Trả lời khảo sát «{survey.title}» của {unit_name}"
        link = f"/surveys/{survey.id}/answer?unit_id={assignment.unit_id}"
        for user_id in unit_people(session, assignment.unit_id):
            yield DueItem(user_id, "survey.status", title, survey.due_on, link)


def catalog_reviews(session: Session, day: date) -> Iterator[DueItem]:
    """The next review of each official catalog with a published version, for the administrators."""
    admins = administrators(session)
    for view in decisions.kinds_view(session, actor=Actor(role=Role.ADMIN, label="system"), day=day):
        if view.current is None or view.due is None:
            continue
        current = view.current
        title = f"Rà soát, cập nhật {KIND_LABELS[view.kind]} (phiên bản {current.number}"
        title += f", Quyết định số {current.decision_number})" if current.decision_number else ")"
        if view.pending is not None:
            title += f"; phiên bản {view.pending.number} đang ở trạng thái «{STATUS_LABELS[VersionStatus(view.pending.status)]}»"
        rule = REVIEW_RULES.get(view.kind, REVIEW_RULES[CatalogKind.MINISTRY_SHARED])
        for user_id in admins:
            yield DueItem(user_id, rule, title, view.due, f"/catalogs#kind-{view.kind.value}")


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plan_tasks(session: Session, day: date) -> Iterator[DueItem]:
    """A plan task instance not done, with a due date near enough to remind, for its unit's people."""
    query = (
        select(TaskInstance, PlanTask, Organization.name)
        .join(PlanTask, PlanTask.id == TaskInstance.task_id)
        .join(Organization, Organization.id == TaskInstance.unit_id)
        .where(
            TaskInstance.status != InstanceStatus.DONE,
            TaskInstance.due_on.is_not(None),
            TaskInstance.due_on <= day + timedelta(days=LONGEST_WINDOW),
        )
        .order_by(TaskInstance.due_on, PlanTask.position, TaskInstance.id)
    )
    people: dict[uuid.UUID, list[uuid.UUID]] = {}
    for instance, task, unit_name in session.execute(query).tuples():
        assert instance.due_on is not None
        title = f"Nhiệm vụ {task.code} của Kế hoạch ({instance.period_label}) của {unit_name}: {_short(task.content)}"
        if instance.status == InstanceStatus.IN_PROGRESS:
            title += f" (đã báo cáo {instance.percent}%)"
        rule = "service.publish" if instance.event == PlanEvent.SERVICE_READY else "plan.task"
        if instance.unit_id not in people:
            people[instance.unit_id] = unit_people(session, instance.unit_id)
        for user_id in people[instance.unit_id]:
            yield DueItem(user_id, rule, title, instance.due_on, f"/plan/instances/{instance.id}")


def service_publications(session: Session, day: date) -> Iterator[DueItem]:
    """A sharing service ready (or changed) and not yet published: due on the last day of its limit, for the administrators."""
    query = (
        select(SharingService)
        .where(SharingService.status.in_((ServiceStatus.READY, ServiceStatus.CHANGED)), SharingService.publish_due_at.is_not(None))
        .order_by(SharingService.publish_due_at, SharingService.id)
    )
    services = list(session.scalars(query))
    admins = administrators(session) if services else []
    for service in services:
        assert service.publish_due_at is not None
        if service.status == ServiceStatus.CHANGED:
            title = f"Công bố thay đổi của dịch vụ chia sẻ dữ liệu «{service.name}» ({service.code})"
        else:
            title = f"Công bố dịch vụ chia sẻ dữ liệu «{service.name}» ({service.code}) đã sẵn sàng tiếp nhận kết nối"
        for user_id in admins:
            yield DueItem(user_id, "service.publish", title, last_day(service.publish_due_at), f"/services/{service.id}")
