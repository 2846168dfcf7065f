"""集中核查: rectification tasks, and 挂牌督办 with 跟踪问效 on late pledge items and open tasks.

Who does what:
- the organization's filers (office, leader, secretary who may change it) create,
  edit, solve and publish its rectification tasks;
- the office, or an organization strictly above the one responsible, lists a late
  pledge item or an open task for supervision, follows it up and closes it (销号);
- an inspection group adds follow-up notes in the subtrees it inspects.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from orgs.access import user_scope
from orgs.models import Member, Organization, Role, User
from pledges.models import (
    FollowUp,
    PledgeItem,
    Rectification,
    RectificationSource,
    RectificationStatus,
    Supervision,
)
from pledges.progress import ItemState, item_state

MANAGING_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.SECRETARY})
EDITABLE_FIELDS = frozenset(
    {"source", "category", "problem", "measure", "owner", "deadline", "status", "member", "pledge_item"}
)


# ---------------------------------------------------------------------------
# Permissions
# ---------------------------------------------------------------------------


def may_manage_rectification(user: User, organization: Organization) -> bool:
    """The responsible organization's filers: office, leader or secretary who may change it."""
    if not (user.is_superuser or user.role in MANAGING_ROLES):
        return False
    return user_scope(user).can_change(organization)


def may_open_from_finding(user: User, organization: Organization) -> bool:
    """An inspection group turns what it found on a visit into a task for the unit; that
    is the one task it may open (its scope is otherwise read-only)."""
    return user.role == Role.INSPECTOR and user_scope(user).contains(organization)


def may_supervise(user: User, organization: Organization) -> bool:
    """挂牌督办 is done from above: the office, or an organization strictly above the
    responsible one. A branch does not supervise itself."""
    if user.is_superuser:
        return True
    if user.role not in MANAGING_ROLES or user.organization_id is None:
        return False
    if not user_scope(user).can_change(organization):
        return False
    if user.role == Role.OFFICE:
        return True
    return organization.is_within(user.organization) and organization.pk != user.organization_id


def may_follow_up(user: User, supervision: Supervision) -> bool:
    """Supervisors, the assigned supervisor and the inspection groups (督查组) that cover it."""
    if user.pk == supervision.supervisor_id or may_supervise(user, supervision.organization):
        return True
    return user.role == Role.INSPECTOR and user_scope(user).contains(supervision.organization)


def may_close_supervision(user: User, supervision: Supervision) -> bool:
    return user.pk == supervision.supervisor_id or may_supervise(user, supervision.organization)


def is_late(rectification: Rectification, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return rectification.status != RectificationStatus.SOLVED and rectification.deadline < today


def late_rectifications_q(today: datetime.date, prefix: str = "") -> Q:
    """The same rule as is_late, for querysets."""
    return ~Q(**{f"{prefix}status": RectificationStatus.SOLVED}) & Q(**{f"{prefix}deadline__lt": today})


def supervisor_candidates(*, organization: Organization, by: User) -> QuerySet[User]:
    """Accounts that may be named supervisor of a task of the organization: active
    office, leader or secretary accounts anchored strictly above it (or the office at
    its level), and within the subtree of the one who lists it."""
    ancestors = organization.ancestor_paths()
    users = User.objects.filter(is_active=True, role__in=MANAGING_ROLES, organization__isnull=False).filter(
        Q(organization__path__in=ancestors) | Q(role=Role.OFFICE, organization__path=organization.path)
    )
    if not by.is_superuser and by.organization_id:
        users = users.filter(organization__path__startswith=by.organization.path)
    return users.select_related("organization", "member").order_by("organization__path", "username")


def visible_supervisions(user: User) -> QuerySet[Supervision]:
    """Supervisions in the user's scope. A plain member sees those of the organization
    itself and of their own pledge items and tasks, not those about other members."""
    supervisions = Supervision.objects.all()
    scope = user_scope(user)
    if scope.member_id and not scope.everything and not scope.subtree_paths:
        about_others = Q(pledge_item__pledge__member__isnull=False) & ~Q(pledge_item__pledge__member=scope.member_id)
        about_others |= Q(rectification__member__isnull=False) & ~Q(rectification__member=scope.member_id)
        supervisions = supervisions.exclude(about_others)
    return supervisions


# ---------------------------------------------------------------------------
# Rectification tasks
# ---------------------------------------------------------------------------


def _require_manage(user: User, organization: Organization) -> None:
    if not may_manage_rectification(user, organization):
        raise PermissionDenied(_("您无权管理“%(name)s”的整改任务。") % {"name": organization.name})


def _check_links(
    *, campaign: Campaign, organization: Organization, member: Member | None, pledge_item: PledgeItem | None
) -> None:
    if not organization.is_within(campaign.organization):
        raise ValidationError(_("该组织不在这项活动的范围内。"))
    if member is not None and member.organization_id != organization.pk:
        raise ValidationError(_("责任党员须是本组织的党员。"))
    if pledge_item is not None:
        pledge = pledge_item.pledge
        if pledge.organization_id != organization.pk or pledge.campaign_id != campaign.pk:
            raise ValidationError(_("相关承诺事项须是本组织在这项活动中的承诺。"))


def _check_text(*, category: str, problem: str, measure: str, owner: str) -> None:
    if not all(value.strip() for value in (category, problem, measure, owner)):
        raise ValidationError(_("问题类别、存在的问题、整改措施和责任人都要填写。"))


@transaction.atomic
def rectification_create(
    *,
    campaign: Campaign,
    organization: Organization,
    category: str,
    problem: str,
    measure: str,
    owner: str,
    deadline: datetime.date,
    by: User,
    member: Member | None = None,
    source: str = RectificationSource.FOUND_PROBLEM,
    pledge_item: PledgeItem | None = None,
) -> Rectification:
    found_on_visit = source == RectificationSource.INSPECTION and may_open_from_finding(by, organization)
    if not found_on_visit:
        _require_manage(by, organization)
    _check_text(category=category, problem=problem, measure=measure, owner=owner)
    _check_links(campaign=campaign, organization=organization, member=member, pledge_item=pledge_item)
    return Rectification.objects.create(
        campaign=campaign,
        organization=organization,
        member=member,
        source=source,
        pledge_item=pledge_item,
        category=category.strip(),
        problem=problem.strip(),
        measure=measure.strip(),
        owner=owner.strip(),
        deadline=deadline,
        created_by=by,
        found_by=by if found_on_visit else None,
    )


@transaction.atomic
def rectification_update(*, rectification: Rectification, by: User, **fields) -> Rectification:
    """Change what the task says; a published one is withdrawn first, so what the
    masses read never changes under them."""
    _require_manage(by, rectification.organization)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if rectification.is_published:
        raise ValidationError(_("该整改结果已向群众公开，请先撤回公开再修改。"))
    if fields.get("source", rectification.source) not in RectificationSource.values:
        raise ValidationError(_("问题来源不正确。"))
    status = fields.get("status", rectification.status)
    if status not in RectificationStatus.values:
        raise ValidationError(_("整改状态不正确。"))
    if status == RectificationStatus.SOLVED and rectification.status != RectificationStatus.SOLVED:
        raise ValidationError(_("请用“整改完成”填写整改结果和完成日期。"))
    for name, value in fields.items():
        setattr(rectification, name, value.strip() if isinstance(value, str) and name != "status" else value)
    if rectification.status != RectificationStatus.SOLVED:
        # Reopened: the earlier result no longer holds.
        rectification.result, rectification.solved_on = "", None
    _check_text(
        category=rectification.category,
        problem=rectification.problem,
        measure=rectification.measure,
        owner=rectification.owner,
    )
    _check_links(
        campaign=rectification.campaign,
        organization=rectification.organization,
        member=rectification.member,
        pledge_item=rectification.pledge_item,
    )
    rectification.save()
    return rectification


@transaction.atomic
def rectification_solve(
    *, rectification: Rectification, result: str, solved_on: datetime.date, by: User
) -> Rectification:
    """整改完成: what was achieved and when. Can be repeated to correct an unpublished result."""
    _require_manage(by, rectification.organization)
    if rectification.is_published:
        raise ValidationError(_("该整改结果已向群众公开，请先撤回公开再修改。"))
    if not result.strip():
        raise ValidationError(_("请填写整改结果。"))
    if solved_on > timezone.localdate():
        raise ValidationError(_("完成日期不能晚于今天。"))
    rectification.status = RectificationStatus.SOLVED
    rectification.result = result.strip()
    rectification.solved_on = solved_on
    rectification.save()
    return rectification


@transaction.atomic
def rectification_publish(
    *, rectification: Rectification, by: User, published_on: datetime.date | None = None
) -> Rectification:
    """Show a solved task's result on the organization's notice board."""
    _require_manage(by, rectification.organization)
    if rectification.status != RectificationStatus.SOLVED:
        raise ValidationError(_("只有整改完成的任务才能向群众公开。"))
    if rectification.is_published:
        return rectification
    rectification.is_published = True
    rectification.published_on = published_on or timezone.localdate()
    rectification.save()
    return rectification


@transaction.atomic
def rectification_unpublish(*, rectification: Rectification, by: User) -> Rectification:
    """Take a result off the notice board, e.g. to correct it."""
    _require_manage(by, rectification.organization)
    rectification.is_published = False
    rectification.published_on = None
    rectification.save()
    return rectification


@transaction.atomic
def rectifications_publish(*, rectifications: Iterable[Rectification], by: User) -> list[Rectification]:
    """Publish a batch, e.g. all solved tasks of one category (分门归类公开). Every task
    must be solved and the user's to publish, or none is published."""
    today = timezone.localdate()
    return [rectification_publish(rectification=item, by=by, published_on=today) for item in rectifications]


# ---------------------------------------------------------------------------
# 挂牌督办 and 跟踪问效
# ---------------------------------------------------------------------------


def supervision_target_organization(target: PledgeItem | Rectification) -> Organization:
    if isinstance(target, PledgeItem):
        return target.pledge.organization
    return target.organization


@transaction.atomic
def supervision_open(
    *,
    item_or_rectification: PledgeItem | Rectification,
    supervisor: User,
    deadline: datetime.date,
    notes: str,
    by: User,
) -> Supervision:
    target = item_or_rectification
    organization = supervision_target_organization(target)
    if not may_supervise(by, organization):
        raise PermissionDenied(_("挂牌督办由活动办公室或上级党组织进行。"))
    if isinstance(target, PledgeItem):
        if target.pledge.published_version == 0:
            raise ValidationError(_("承诺还没有公示，不能挂牌督办。"))
        if item_state(target) != ItemState.LATE:
            raise ValidationError(_("只有逾期未完成的承诺事项才能挂牌督办。"))
        open_exists = Supervision.objects.filter(pledge_item=target, closed_at__isnull=True).exists()
    else:
        if target.status == RectificationStatus.SOLVED:
            raise ValidationError(_("该整改任务已完成，无需挂牌督办。"))
        open_exists = Supervision.objects.filter(rectification=target, closed_at__isnull=True).exists()
    if open_exists:
        raise ValidationError(_("该事项已在挂牌督办中，请在督办记录里跟踪。"))
    if not supervisor.is_active or not may_supervise(supervisor, organization):
        raise ValidationError(_("督办人须是活动办公室或上级党组织的账号。"))
    if deadline < timezone.localdate():
        raise ValidationError(_("督办时限不能早于今天。"))
    try:
        # The database allows one open supervision per target: two clicks at once
        # end in one row and a clear message, not two rows.
        with transaction.atomic():
            return Supervision.objects.create(
                organization=organization,
                pledge_item=target if isinstance(target, PledgeItem) else None,
                rectification=target if isinstance(target, Rectification) else None,
                supervisor=supervisor,
                deadline=deadline,
                notes=notes.strip(),
                opened_by=by,
            )
    except IntegrityError:
        raise ValidationError(_("该事项已在挂牌督办中，请在督办记录里跟踪。")) from None


@transaction.atomic
def follow_up_add(*, supervision: Supervision, noted_on: datetime.date, note: str, by: User) -> FollowUp:
    if not may_follow_up(by, supervision):
        raise PermissionDenied(_("您无权为这项督办填写跟踪情况。"))
    if supervision.closed_at is not None:
        raise ValidationError(_("该督办事项已销号，不能再添加跟踪情况。"))
    if not note.strip():
        raise ValidationError(_("请填写跟踪情况。"))
    if noted_on > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天。"))
    return FollowUp.objects.create(supervision=supervision, noted_on=noted_on, note=note.strip(), noted_by=by)


@transaction.atomic
def supervision_close(*, supervision: Supervision, closing_note: str, by: User) -> Supervision:
    """销号: the supervised task is done (or no longer needs supervision), with the reason."""
    if not may_close_supervision(by, supervision):
        raise PermissionDenied(_("只有督办人或上级党组织可以销号。"))
    if not closing_note.strip():
        raise ValidationError(_("销号时请写明整改落实情况。"))
    updated = Supervision.objects.filter(pk=supervision.pk, closed_at__isnull=True).update(
        closed_at=timezone.now(), closing_note=closing_note.strip()
    )
    if updated != 1:
        raise ValidationError(_("该督办事项已经销号。"))
    supervision.refresh_from_db()
    # QuerySet.update() bypasses save(): record the history row here.
    supervision.save(update_fields=["closed_at"])
    return supervision
