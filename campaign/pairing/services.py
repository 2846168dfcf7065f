"""Every write of 党群共建: pairs and their joint activities, the mass organizations'
activities and honours, joint meetings and their follow-up tasks.

Who may:
- set up or change a pair: the office running the campaign, or the office or leader of an
  organization above every unit of the pair (pair_may_manage);
- record a pair's joint activity: the filers (office, leader, branch secretary) of any unit
  of the pair, i.e. an account that may change one of its units (activity_may_record);
- record a mass organization's activity or honour: an account that may change the mass
  organization or the party organization it sits beside (mass_may_record);
- record a joint meeting: an account that may change the convener; its follow-up tasks are
  marked done by such an account or by one that may change the responsible organization.

``by`` None is a command (``manage.py load_demo``), which runs unscoped and needs no permission.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.campaigns.services import campaign_may_edit
from campaign.pairing.models import (
    FollowUpTask,
    HonourKind,
    HonourLevel,
    JointActivity,
    JointActivityPhoto,
    JointMeeting,
    MassActivity,
    MassHonour,
    MassPhoto,
    Pair,
    PairKind,
    PairMember,
    PairSide,
)
from orgs.access import user_scope
from orgs.models import Organization, Role, User
from pledges.progress import EVIDENCE_MAX_FILES, CheckedEvidence, evidence_check

# Accounts that file records for the organizations they are anchored to.
FILER_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.SECRETARY})
# Accounts that lead the organizations below theirs.
SUPERIOR_ROLES = frozenset({Role.OFFICE, Role.LEADER})
MAX_MEETING_ATTENDEES = 50


# ---------------------------------------------------------------------------
# Who may
# ---------------------------------------------------------------------------


def _is_filer(user: User) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or (user.role in FILER_ROLES and user_scope(user).writable)


def pair_may_create(user: User, campaign: Campaign) -> bool:
    """Whether the user sets up pairs in the campaign at all (no query)."""
    if campaign_may_edit(user, campaign):
        return True
    if not user.is_authenticated or user.role not in SUPERIOR_ROLES or not user.organization_id:
        return False
    return user_scope(user).writable and user.organization.is_within(campaign.organization)


def pair_may_manage(user: User, campaign: Campaign, organizations: Sequence[Organization]) -> bool:
    """The office running the campaign, or a superior above every unit (strictly above,
    so a unit does not pair itself)."""
    if not organizations or not pair_may_create(user, campaign):
        return False
    if campaign_may_edit(user, campaign) or user.is_superuser:
        return all(user_scope(user).can_change(organization) for organization in organizations)
    anchor = user.organization
    return all(organization.pk != anchor.pk and organization.is_within(anchor) for organization in organizations)


def activity_may_record(user: User, organizations: Sequence[Organization]) -> bool:
    """A filer who may change any unit of the pair."""
    return _is_filer(user) and any(user_scope(user).can_change(organization) for organization in organizations)


def mass_may_record(user: User, organization: Organization) -> bool:
    """A filer who may change the mass organization or the party organization it sits beside."""
    if not _is_filer(user) or not organization.is_mass_organization:
        return False
    scope = user_scope(user)
    return scope.can_change(organization) or (organization.parent is not None and scope.can_change(organization.parent))


def meeting_may_record(user: User, convener: Organization) -> bool:
    return _is_filer(user) and user_scope(user).can_change(convener)


def task_may_update(user: User, task: FollowUpTask) -> bool:
    return meeting_may_record(user, task.meeting.convener) or (
        _is_filer(user) and user_scope(user).can_change(task.responsible)
    )


def _refuse(message: str) -> None:
    raise PermissionDenied(message)


# ---------------------------------------------------------------------------
# Shared checks
# ---------------------------------------------------------------------------


def _raise(problems: list[str]) -> None:
    if problems:
        raise ValidationError(problems)


def _in_campaign(campaign: Campaign, organization: Organization) -> bool:
    return organization.is_within(campaign.organization)


def _day_problems(campaign: Campaign, day: datetime.date, label: str) -> list[str]:
    problems = []
    if day > timezone.localdate():
        problems.append(_("%(label)s不能晚于今天。") % {"label": label})
    if day < campaign.starts_on:
        problems.append(
            _("%(label)s不能早于活动开始日期（%(date)s）。")
            % {"label": label, "date": campaign.starts_on.strftime("%Y-%m-%d")}
        )
    return problems


def _checked_photos(photos: Sequence[UploadedFile], already: int = 0) -> list[CheckedEvidence]:
    if already + len(photos) > EVIDENCE_MAX_FILES:
        raise ValidationError(_("每条记录最多上传 %(count)s 张照片。") % {"count": EVIDENCE_MAX_FILES})
    # Every file is checked before anything is written, so one bad file leaves nothing behind.
    return [evidence_check(upload) for upload in photos]


def _store(photo, file: CheckedEvidence):
    photo.original_name, photo.content_type, photo.size = file.original_name, file.content_type, len(file.content)
    photo.file.save("photo", ContentFile(file.content), save=False)
    photo.save()
    return photo


# ---------------------------------------------------------------------------
# Pairs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PairInput:
    kind: str
    name: str
    goals: str
    starts_on: datetime.date
    ends_on: datetime.date
    # (organization, side) for each unit
    members: Sequence[tuple[Organization, str]]


def pair_problems(campaign: Campaign, data: PairInput) -> list[str]:
    """What is wrong with a pair as entered; the form shows these beside its fields."""
    problems = []
    if data.kind not in PairKind.values:
        problems.append(_("请选择结对形式。"))
    if not data.name.strip():
        problems.append(_("请填写结对名称。"))
    if not data.goals.strip():
        problems.append(_("请写明共建目标。"))
    if data.ends_on < data.starts_on:
        problems.append(_("结束日期不能早于开始日期。"))
    if data.starts_on < campaign.starts_on or data.ends_on > campaign.ends_on:
        problems.append(
            _("结对期限须在活动期间内（%(start)s至%(end)s）。")
            % {"start": campaign.starts_on.strftime("%Y-%m-%d"), "end": campaign.ends_on.strftime("%Y-%m-%d")}
        )
    organizations = [organization for organization, _side in data.members]
    if len(organizations) < 2:
        problems.append(_("结对至少要有两个单位。"))
    if len({organization.pk for organization in organizations}) != len(organizations):
        problems.append(_("同一单位不能在结对中出现两次。"))
    for organization, side in data.members:
        if side not in PairSide.values:
            problems.append(_("请为“%(name)s”选择结对角色。") % {"name": organization.name})
        if not _in_campaign(campaign, organization):
            problems.append(_("“%(name)s”不在本活动的范围内。") % {"name": organization.name})
    sides = [side for _organization, side in data.members]
    if (PairSide.HELPER in sides) != (PairSide.HELPED in sides):
        problems.append(_("有帮扶方就要有受帮扶方，反之亦然；平等共建的单位都选“共建方”。"))
    return problems


def _pair_refusal() -> str:
    return _("只有活动办公室或结对各单位的上级党组织可以建立和修改结对。")


@transaction.atomic
def pair_create(*, campaign: Campaign, data: PairInput, by: User | None) -> Pair:
    """A pair of units of the campaign, with their sides."""
    organizations = [organization for organization, _side in data.members]
    if by is not None and not pair_may_manage(by, campaign, organizations):
        _refuse(_pair_refusal())
    _raise(pair_problems(campaign, data))
    pair = Pair.objects.create(
        campaign=campaign,
        kind=data.kind,
        name=data.name.strip(),
        goals=data.goals.strip(),
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_by=by,
    )
    PairMember.objects.bulk_create(
        PairMember(pair=pair, organization=organization, side=side) for organization, side in data.members
    )
    return pair


def pair_organizations(pair: Pair) -> list[Organization]:
    """Every unit of the pair, whether or not the reader sees it (the pair was opened
    through an access check): each side sees the other's name and progress. One query."""
    return [
        member.organization
        for member in PairMember._base_manager.filter(pair=pair).select_related("organization").order_by("pk")
    ]


@transaction.atomic
def pair_update(*, pair: Pair, data: PairInput, by: User | None) -> Pair:
    """Change a pair's kind, goals, period and units; both the old and the new units must
    be the manager's to change."""
    current = Pair._base_manager.select_for_update().select_related("campaign__organization").get(pk=pair.pk)
    organizations = pair_organizations(current) + [organization for organization, _side in data.members]
    if by is not None and not pair_may_manage(by, current.campaign, organizations):
        _refuse(_pair_refusal())
    problems = pair_problems(current.campaign, data)
    first_activity = JointActivity._base_manager.filter(pair=current).order_by("held_on").first()
    if first_activity is not None and first_activity.held_on < data.starts_on:
        problems.append(
            _("已有 %(date)s 的共建活动，开始日期不能晚于该日。")
            % {"date": first_activity.held_on.strftime("%Y-%m-%d")}
        )
    _raise(problems)
    current.kind, current.name, current.goals = data.kind, data.name.strip(), data.goals.strip()
    current.starts_on, current.ends_on = data.starts_on, data.ends_on
    current.save(update_fields=["kind", "name", "goals", "starts_on", "ends_on"])
    PairMember._base_manager.filter(pair=current).delete()
    PairMember.objects.bulk_create(
        PairMember(pair=current, organization=organization, side=side) for organization, side in data.members
    )
    return current


@transaction.atomic
def joint_activity_record(
    *,
    pair: Pair,
    held_on: datetime.date,
    title: str,
    content: str,
    participants: int,
    photos: Sequence[UploadedFile] = (),
    by: User | None,
) -> JointActivity:
    """A joint activity of the pair, held within its period, with photos."""
    if by is not None and not activity_may_record(by, pair_organizations(pair)):
        _refuse(_("只有结对单位的活动办公室、负责人或党支部书记可以记录共建活动。"))
    title, content = title.strip(), content.strip()
    problems = _day_problems(pair.campaign, held_on, _("活动日期"))
    if not (pair.starts_on <= held_on <= pair.ends_on):
        problems.append(
            _("活动日期须在结对期限内（%(start)s至%(end)s）。")
            % {"start": pair.starts_on.strftime("%Y-%m-%d"), "end": pair.ends_on.strftime("%Y-%m-%d")}
        )
    if not title:
        problems.append(_("请填写活动名称。"))
    if not content:
        problems.append(_("请写明活动内容。"))
    if participants < 1:
        problems.append(_("参加人数至少为 1。"))
    _raise(problems)
    checked = _checked_photos(photos)
    activity = JointActivity.objects.create(
        pair=pair, held_on=held_on, title=title, content=content, participants=participants, recorded_by=by
    )
    for file in checked:
        _store(JointActivityPhoto(activity=activity), file)
    return activity


# ---------------------------------------------------------------------------
# Mass organizations' activities and honours
# ---------------------------------------------------------------------------


def _mass_problems(campaign: Campaign, organization: Organization) -> list[str]:
    if not organization.is_mass_organization:
        return [_("“%(name)s”不是群团组织。") % {"name": organization.name}]
    if not _in_campaign(campaign, organization):
        return [_("“%(name)s”不在本活动的范围内。") % {"name": organization.name}]
    return []


def _require_mass_recorder(by: User | None, organization: Organization) -> None:
    if by is not None and not mass_may_record(by, organization):
        _refuse(_("只有群团组织本身或其所在党组织的活动办公室、负责人、书记可以记录群团活动和荣誉。"))


@transaction.atomic
def mass_activity_record(
    *,
    campaign: Campaign,
    organization: Organization,
    held_on: datetime.date,
    title: str,
    content: str,
    participants: int,
    photos: Sequence[UploadedFile] = (),
    by: User | None,
) -> MassActivity:
    _require_mass_recorder(by, organization)
    title, content = title.strip(), content.strip()
    problems = _mass_problems(campaign, organization) + _day_problems(campaign, held_on, _("活动日期"))
    if not title:
        problems.append(_("请填写活动名称。"))
    if not content:
        problems.append(_("请写明活动内容。"))
    if participants < 1:
        problems.append(_("参加人数至少为 1。"))
    _raise(problems)
    checked = _checked_photos(photos)
    activity = MassActivity.objects.create(
        campaign=campaign,
        organization=organization,
        held_on=held_on,
        title=title,
        content=content,
        participants=participants,
        recorded_by=by,
    )
    for file in checked:
        _store(MassPhoto(organization=organization, activity=activity), file)
    return activity


@transaction.atomic
def mass_honour_record(
    *,
    campaign: Campaign,
    organization: Organization,
    kind: str,
    level: str,
    title: str,
    awarded_to: str,
    awarded_on: datetime.date,
    citation: str,
    photos: Sequence[UploadedFile] = (),
    by: User | None,
) -> MassHonour:
    _require_mass_recorder(by, organization)
    title, awarded_to, citation = title.strip(), awarded_to.strip(), citation.strip()
    problems = _mass_problems(campaign, organization) + _day_problems(campaign, awarded_on, _("授予日期"))
    if kind not in HonourKind.values:
        problems.append(_("请选择荣誉类别。"))
    if level not in HonourLevel.values:
        problems.append(_("请选择授予级别。"))
    if not title:
        problems.append(_("请填写荣誉名称。"))
    if not awarded_to:
        problems.append(_("请填写获得荣誉的集体或个人。"))
    _raise(problems)
    checked = _checked_photos(photos)
    honour = MassHonour.objects.create(
        campaign=campaign,
        organization=organization,
        kind=kind,
        level=level,
        title=title,
        awarded_to=awarded_to,
        awarded_on=awarded_on,
        citation=citation,
        recorded_by=by,
    )
    for file in checked:
        _store(MassPhoto(organization=organization, honour=honour), file)
    return honour


# ---------------------------------------------------------------------------
# Joint meetings and their follow-up tasks
# ---------------------------------------------------------------------------


@transaction.atomic
def joint_meeting_record(
    *,
    campaign: Campaign,
    convener: Organization,
    attendee_organizations: Sequence[Organization],
    held_on: datetime.date,
    attendees: str,
    topics: str,
    decisions: str,
    by: User | None,
) -> JointMeeting:
    """A joint meeting convened by one organization and attended by others of the campaign."""
    if by is not None and not meeting_may_record(by, convener):
        _refuse(_("只有召集单位的活动办公室、负责人或党支部书记可以记录联席会议。"))
    topics, decisions, attendees = topics.strip(), decisions.strip(), attendees.strip()
    attending = [organization for organization in attendee_organizations if organization.pk != convener.pk]
    problems = _day_problems(campaign, held_on, _("会议日期"))
    for organization in [convener, *attending]:
        if not _in_campaign(campaign, organization):
            problems.append(_("“%(name)s”不在本活动的范围内。") % {"name": organization.name})
    if not attending:
        problems.append(_("请选择召集单位以外的参会单位。"))
    if len(attending) > MAX_MEETING_ATTENDEES:
        problems.append(_("参会单位最多 %(count)s 个。") % {"count": MAX_MEETING_ATTENDEES})
    if not topics:
        problems.append(_("请填写会议议题。"))
    if not decisions:
        problems.append(_("请填写议定事项。"))
    _raise(problems)
    meeting = JointMeeting.objects.create(
        campaign=campaign,
        convener=convener,
        held_on=held_on,
        attendees=attendees,
        topics=topics,
        decisions=decisions,
        recorded_by=by,
    )
    meeting.attendee_organizations.set(attending)
    return meeting


def meeting_organizations(meeting: JointMeeting) -> list[Organization]:
    """The convener and the attendees, whether or not the reader sees them. One query."""
    attending = JointMeeting.attendee_organizations.through.objects.filter(jointmeeting=meeting).select_related(
        "organization"
    )
    return [meeting.convener, *(row.organization for row in attending.order_by("organization__path"))]


@transaction.atomic
def followup_task_add(
    *, meeting: JointMeeting, text: str, responsible: Organization, deadline: datetime.date, by: User | None
) -> FollowUpTask:
    """A follow-up task the meeting gave to the convener or one of the attendees."""
    if by is not None and not meeting_may_record(by, meeting.convener):
        _refuse(_("只有召集单位的活动办公室、负责人或党支部书记可以分解会议落实事项。"))
    text = text.strip()
    problems = []
    if not text:
        problems.append(_("请填写落实事项。"))
    if responsible.pk not in {organization.pk for organization in meeting_organizations(meeting)}:
        problems.append(_("责任单位须是召集单位或参会单位。"))
    if deadline < meeting.held_on:
        problems.append(_("完成时限不能早于会议日期。"))
    _raise(problems)
    return FollowUpTask.objects.create(meeting=meeting, text=text, responsible=responsible, deadline=deadline)


@transaction.atomic
def followup_task_update(
    *, task: FollowUpTask, done: bool, note: str, done_on: datetime.date | None, by: User | None
) -> FollowUpTask:
    """Mark a task done (with the day and how it was carried out) or open again."""
    current = FollowUpTask._base_manager.select_for_update().select_related("meeting__convener").get(pk=task.pk)
    if by is not None and not task_may_update(by, current):
        _refuse(_("只有召集单位或责任单位可以登记落实情况。"))
    note = note.strip()
    if done:
        done_on = done_on or timezone.localdate()
        if done_on > timezone.localdate():
            raise ValidationError(_("完成日期不能晚于今天。"))
        if done_on < current.meeting.held_on:
            raise ValidationError(_("完成日期不能早于会议日期。"))
        if not note:
            raise ValidationError(_("请写明落实情况。"))
    current.done, current.done_on, current.note = done, done_on if done else None, note
    current.save(update_fields=["done", "done_on", "note"])
    return current


# ---------------------------------------------------------------------------
# Choices offered by the forms (the services check again)
# ---------------------------------------------------------------------------


def pair_units(user: User, campaign: Campaign):
    """The units the user may pair: below the campaign's organization for its office,
    below the user's own organization for a superior."""
    if not pair_may_create(user, campaign):
        return Organization._base_manager.none()
    base = campaign.organization if campaign_may_edit(user, campaign) else user.organization
    return (
        Organization._base_manager.filter(path__startswith=base.path)
        .exclude(pk=base.pk)
        .exclude(pk=campaign.organization_id)
        .order_by("path")
    )


def meeting_conveners(user: User, campaign: Campaign):
    """The organizations of the campaign the user may convene a joint meeting for."""
    if not _is_filer(user):
        return Organization._base_manager.none()
    scope = user_scope(user)
    return Organization._base_manager.filter(
        scope.organization_q("path"), path__startswith=campaign.organization.path
    ).order_by("path")


def meeting_units(user: User, campaign: Campaign):
    """The organizations that may be named as attendees: those of the campaign the user sees,
    and the mass organizations beside them."""
    scope = user_scope(user)
    visible = scope.organization_q("path") | scope.organization_q("parent__path") if not scope.everything else None
    units = Organization._base_manager.filter(path__startswith=campaign.organization.path)
    return (units.filter(visible) if visible is not None else units).order_by("path")
