"""信息上报: organizations report information items, the office marks them adopted by
the media, and each organization's monthly count is held against the campaign's quota."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.reports.models import AdoptionLevel, InfoReport, InfoReportCategory, InfoReportPhoto
from orgs.access import user_scope
from orgs.models import Organization, OrganizationKind, Role, User
from orgs.sheets.writing import Table, xlsx_tables
from pledges.progress import EVIDENCE_MAX_FILES, CheckedEvidence, evidence_check

# Who writes reports for their own organization; members and inspectors only read.
REPORTER_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.SECRETARY})


def may_submit(user: User) -> bool:
    return user.is_authenticated and user.role in REPORTER_ROLES and user.organization_id is not None


def may_adopt(user: User, report: InfoReport) -> bool:
    """Adoption is the county office's word (or an administrator's), within its scope."""
    if not (user.is_superuser or user.role == Role.OFFICE):
        return False
    return user_scope(user).can_change(report.organization)


def may_edit(user: User, report: InfoReport) -> bool:
    """The author may correct or withdraw an item until it is adopted; after that it is on record."""
    return report.submitted_by_id == user.pk and not report.is_adopted


def _clean(*, title: str, body: str, reported_on: datetime.date, category: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    if not title:
        raise ValidationError(_("请填写标题。"))
    if not body:
        raise ValidationError(_("请填写正文。"))
    if reported_on > timezone.localdate():
        raise ValidationError(_("报送日期不能晚于今天。"))
    if category not in InfoReportCategory.values:
        raise ValidationError(_("请选择信息类别。"))
    return title, body


def _checked_photos(photos: Sequence[UploadedFile], already: int = 0) -> list[CheckedEvidence]:
    if already + len(photos) > EVIDENCE_MAX_FILES:
        raise ValidationError(_("每条信息最多上传 %(count)s 张图片。") % {"count": EVIDENCE_MAX_FILES})
    # Every file is checked before anything is written, so one bad file leaves nothing behind.
    return [evidence_check(upload) for upload in photos]


def _photo_store(*, report: InfoReport, file: CheckedEvidence) -> InfoReportPhoto:
    photo = InfoReportPhoto(
        report=report, original_name=file.original_name, content_type=file.content_type, size=len(file.content)
    )
    photo.file.save("report", ContentFile(file.content), save=False)
    photo.save()
    return photo


@transaction.atomic
def info_report_submit(
    *,
    campaign: Campaign,
    title: str,
    body: str,
    reported_on: datetime.date,
    category: str,
    photos: Sequence[UploadedFile] = (),
    by: User,
) -> InfoReport:
    """Report an item for the user's own organization."""
    if not may_submit(by):
        raise PermissionDenied(_("只有党组织书记、上级党组织负责人和活动办公室可以上报信息。"))
    title, body = _clean(title=title, body=body, reported_on=reported_on, category=category)
    if not campaign.contains_date(reported_on):
        raise ValidationError(_("报送日期不在活动期间内。"))
    checked = _checked_photos(photos)
    report = InfoReport.objects.create(
        campaign=campaign,
        organization=by.organization,
        title=title,
        body=body,
        reported_on=reported_on,
        category=category,
        submitted_by=by,
    )
    for file in checked:
        _photo_store(report=report, file=file)
    return report


@transaction.atomic
def info_report_update(
    *,
    report: InfoReport,
    title: str,
    body: str,
    reported_on: datetime.date,
    category: str,
    photos: Sequence[UploadedFile] = (),
    by: User,
) -> InfoReport:
    """Correct an item; only its author, and only before it is adopted. New photos are added."""
    report = InfoReport.objects.select_for_update().get(pk=report.pk)
    if not may_edit(by, report):
        raise PermissionDenied(_("只有报送人可以在信息被采用前修改。"))
    title, body = _clean(title=title, body=body, reported_on=reported_on, category=category)
    if not report.campaign.contains_date(reported_on):
        raise ValidationError(_("报送日期不在活动期间内。"))
    checked = _checked_photos(photos, already=report.photos.count())
    report.title, report.body, report.reported_on, report.category = title, body, reported_on, category
    report.save(update_fields=["title", "body", "reported_on", "category"])
    for file in checked:
        _photo_store(report=report, file=file)
    return report


@transaction.atomic
def info_report_adopt(*, report: InfoReport, level: str, by: User) -> InfoReport:
    """Record that media of a level used the item; a higher level may replace a lower one later."""
    report = InfoReport.objects.select_for_update().select_related("organization").get(pk=report.pk)
    if not may_adopt(by, report):
        raise PermissionDenied(_("只有活动办公室可以标记信息采用情况。"))
    if level not in AdoptionLevel.values:
        raise ValidationError(_("请选择采用级别。"))
    report.adopted_level = level
    report.adopted_at = timezone.now()
    report.adopted_by = by
    report.save(update_fields=["adopted_level", "adopted_at", "adopted_by"])
    return report


@transaction.atomic
def info_report_withdraw(*, report: InfoReport, by: User) -> None:
    """Take back an item sent by mistake; an adopted item stays on record."""
    report = InfoReport.objects.select_for_update().get(pk=report.pk)
    if not may_edit(by, report):
        raise PermissionDenied(_("只有报送人可以在信息被采用前撤回。"))
    for photo in report.photos.all():
        photo.file.delete(save=False)
    report.delete()


# ---------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the month that contains ``month``."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def parse_month(text: str | None, default: datetime.date) -> datetime.date:
    """'2010-09' → 2010-09-01; anything unreadable falls back to the default's month."""
    try:
        return datetime.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        return default.replace(day=1)


def reports_in_scope(campaign: Campaign, *, month: datetime.date | None = None, organization=None, adopted=None):
    """The items visible to the active scope, newest first, with what the list shows."""
    reports = InfoReport.objects.filter(campaign=campaign).select_related("organization", "submitted_by")
    if month is not None:
        first, last = month_bounds(month)
        reports = reports.filter(reported_on__range=(first, last))
    if organization is not None:
        reports = reports.filter(organization__path__startswith=organization.path)
    if adopted is True:
        reports = reports.exclude(adopted_level="")
    elif adopted is False:
        reports = reports.filter(adopted_level="")
    return reports.annotate(photo_count=Count("photos")).order_by("-reported_on", "-pk")


@dataclass(frozen=True)
class QuotaRow:
    organization: Organization
    reports: int
    adopted: int
    quota: int

    @property
    def below(self) -> bool:
        return self.reports < self.quota


@dataclass(frozen=True)
class Quota:
    campaign: Campaign
    month: datetime.date
    rows: list[QuotaRow]

    @property
    def below(self) -> list[QuotaRow]:
        return [row for row in self.rows if row.below]


def report_quota(campaign: Campaign, month: datetime.date) -> Quota:
    """Each party organization in the active scope: its items in the month against the
    campaign's monthly quota. One query whatever the size of the subtree."""
    first, last = month_bounds(month)
    in_month = Q(info_reports__campaign=campaign, info_reports__reported_on__range=(first, last))
    organizations = (
        Organization.objects.exclude(kind__in=OrganizationKind.mass_organizations())
        .annotate(
            report_count=Count("info_reports", filter=in_month),
            adopted_count=Count("info_reports", filter=in_month & ~Q(info_reports__adopted_level="")),
        )
        .order_by("path")
    )
    rows = [
        QuotaRow(
            organization=organization,
            reports=organization.report_count,
            adopted=organization.adopted_count,
            quota=campaign.reports_per_month,
        )
        for organization in organizations
    ]
    return Quota(campaign=campaign, month=first, rows=rows)


def quota_export(quota: Quota) -> bytes:
    """The quota table as an .xlsx: every organization, then those below the quota."""
    header = [_("组织"), _("本月上报（条）"), _("其中被采用（条）"), _("每月应报（条）"), _("是否达标")]

    def lines(rows: list[QuotaRow]):
        for row in rows:
            yield [row.organization.name, row.reports, row.adopted, row.quota, _("未达标") if row.below else _("达标")]

    return xlsx_tables(
        [
            Table(title=_("信息上报情况"), header=header, rows=lines(quota.rows)),
            Table(title=_("未达标组织"), header=header, rows=lines(quota.below)),
        ]
    )
