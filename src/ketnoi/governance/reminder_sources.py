"""Due items the reminder digest gathers (governance.reminders.CONTRIBUTORS): the quality inspection, status surveys.

A unit's report not yet submitted (a draft, or returned for correction) in an open campaign is due
on the campaign's unit due date, for the unit's stewards and for the unit's current focal point when
an active account has the focal point's e-mail address (exactly one: an address shared by several
accounts names no one). The ministry's report is due on the ministry due date, for the
administrators, while the campaign is open.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.authz import Role
from ketnoi.governance.reminders import DueItem
from ketnoi.governance.survey_models import AssignmentStatus, Survey, SurveyAssignment, SurveyStatus
from ketnoi.org.models import FocalPoint, Organization
from ketnoi.quality.inspection import report_link
from ketnoi.quality.inspection_models import EDITABLE_REPORT, CampaignStatus, InspectionCampaign, ReportStatus, UnitReport


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
    admins = list(session.scalars(select(User.id).where(User.is_active.is_(True), User.role == Role.ADMIN)))
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
