"""集中核查: rectification tasks, and 挂牌督办 with 跟踪问效 on late pledge items and open tasks.

Who does what:
- the organization's filers (office, leader, secretary who may change it) create and
  edit its rectification tasks, report them done with evidence, and publish them;
- a reported task is checked by someone other than the unit (may_sign_off): signed off
  (验收销号) or sent back with the reason; 回头看 falls due months after sign-off;
- the office, or an organization strictly above the one responsible, lists a late
  pledge item or an open task for supervision, follows it up and closes it (销号);
- an inspection group adds follow-up notes in the subtrees it inspects.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
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
    RectificationEvidence,
    RectificationSignOff,
    RectificationSource,
    RectificationStatus,
    SignOffOutcome,
    Supervision,
)
from pledges.progress import EVIDENCE_MAX_FILES, CheckedEvidence, ItemState, evidence_check, item_state

MANAGING_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.SECRETARY})
# Done as far as the unit is concerned: reported (awaiting sign-off) or signed off.
DONE_STATUSES = (RectificationStatus.SOLVED, RectificationStatus.VERIFIED)
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


def may_sign_off(user: User, rectification: Rectification) -> bool:
    """验收销号 or sending back is done by someone other than the unit: the office, an
    office/leader/secretary account of an organization strictly above the responsible one
    (as for 挂牌督办), the inspection group that found the problem, or any inspection group
    whose assigned subtree holds the unit (it checks what it inspects). Never an account
    of the responsible organization itself, nor the member the task is about."""
    if user.is_superuser:
        return True
    if user.organization_id == rectification.organization_id:
        return False
    if rectification.member_id is not None and user.member_id == rectification.member_id:
        return False
    if user.role == Role.INSPECTOR:
        return user.pk == rectification.found_by_id or user_scope(user).contains(rectification.organization)
    return may_supervise(user, rectification.organization)


def sign_off_q(user: User, prefix: str = "") -> Q:
    """may_sign_off for querysets that the user's scope already narrows (the scoped
    manager): a test holds the two together."""
    if user.is_superuser:
        return Q()
    own = Q(**{f"{prefix}organization_id": user.organization_id}) if user.organization_id else Q(pk__in=[])
    if user.member_id:
        own |= Q(**{f"{prefix}member_id": user.member_id})
    if user.role == Role.INSPECTOR:
        return ~own
    scope = user_scope(user)
    if user.role not in MANAGING_ROLES or user.organization_id is None or not scope.writable:
        return Q(pk__in=[])
    if user.role == Role.OFFICE:
        return ~own
    return ~own & Q(**{f"{prefix}organization__path__startswith": user.organization.path})


def is_late(rectification: Rectification, today: datetime.date | None = None) -> bool:
    """Past the deadline and not reported done: once reported, the wait is the signer's, not the unit's."""
    today = today or timezone.localdate()
    return rectification.status not in DONE_STATUSES and rectification.deadline < today


def late_rectifications_q(today: datetime.date, prefix: str = "") -> Q:
    """The same rule as is_late, for querysets."""
    return ~Q(**{f"{prefix}status__in": DONE_STATUSES}) & Q(**{f"{prefix}deadline__lt": today})


# The dashboard's three states of a task as of a day, shared by the figures rollup and
# the live count (pledges.selectors.rectification_tally), so the two cannot drift apart.


def verified_by_q(as_of: datetime.date, prefix: str = "") -> Q:
    """Signed off (已验收销号) on or before the day."""
    return Q(**{f"{prefix}status": RectificationStatus.VERIFIED, f"{prefix}verified_at__date__lte": as_of})


def awaiting_sign_off_q(as_of: datetime.date, prefix: str = "") -> Q:
    """Reported done by the day and not signed off by then (待验收); old tasks solved
    before sign-off existed are here for good, as they were never checked."""
    return Q(**{f"{prefix}solved_on__lte": as_of}) & ~verified_by_q(as_of, prefix)


def unsolved_q(as_of: datetime.date, prefix: str = "") -> Q:
    """Not reported done by the day (未完成)."""
    return Q(**{f"{prefix}solved_on__isnull": True}) | Q(**{f"{prefix}solved_on__gt": as_of})


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
    if rectification.status == RectificationStatus.VERIFIED:
        raise ValidationError(_("该整改任务已验收销号，不能再修改。"))
    if status == RectificationStatus.VERIFIED:
        raise ValidationError(_("验收销号须由上级党组织或检查组进行。"))
    if status == RectificationStatus.SOLVED and rectification.status != RectificationStatus.SOLVED:
        raise ValidationError(_("请用“报告整改完成”填写整改结果、完成日期并上传佐证材料。"))
    for name, value in fields.items():
        setattr(rectification, name, value.strip() if isinstance(value, str) and name != "status" else value)
    if rectification.status != RectificationStatus.SOLVED:
        # Reopened: the earlier report no longer holds.
        rectification.result, rectification.solved_on, rectification.reported_at = "", None, None
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


def _require_sign_off(user: User, rectification: Rectification) -> None:
    if not may_sign_off(user, rectification):
        raise PermissionDenied(_("验收销号由上级党组织、活动办公室或发现问题的检查组进行，责任单位不能自己验收。"))


def _locked(rectification: Rectification) -> Rectification:
    """The caller's instance, reloaded from its row held for the rest of the transaction:
    two reports, or a report and a sign-off, do not interleave."""
    Rectification.objects.select_for_update().filter(pk=rectification.pk).exists()
    rectification.refresh_from_db()
    return rectification


@transaction.atomic
def rectification_report_done(
    *,
    rectification: Rectification,
    result: str,
    solved_on: datetime.date,
    by: User,
    files: Sequence[UploadedFile] = (),
) -> Rectification:
    """报告整改完成: what was achieved, when, and the evidence (photos, scans). The task then
    waits for sign-off (SOLVED, 待验收). Can be repeated to correct or add to a report not
    yet signed off; after a send-back it is how the unit reports again."""
    _require_manage(by, rectification.organization)
    stored = _locked(rectification)
    if stored.status == RectificationStatus.VERIFIED:
        raise ValidationError(_("该整改任务已验收销号，不能再修改整改结果。"))
    if stored.is_published:
        raise ValidationError(_("该整改结果已向群众公开，请先撤回公开再修改。"))
    if not result.strip():
        raise ValidationError(_("请填写整改结果。"))
    if solved_on > timezone.localdate():
        raise ValidationError(_("完成日期不能晚于今天。"))
    if len(files) + stored.evidence.count() > EVIDENCE_MAX_FILES:
        raise ValidationError(_("每项整改最多上传 %(count)s 个佐证材料。") % {"count": EVIDENCE_MAX_FILES})
    # Check every file before writing anything, so one bad file leaves nothing behind.
    checked = [evidence_check(upload) for upload in files]
    for file in checked:
        _evidence_store(rectification=stored, file=file, by=by)
    stored.status = RectificationStatus.SOLVED
    stored.result = result.strip()
    stored.solved_on = solved_on
    stored.reported_at = timezone.now()
    stored.save()
    return stored


def _evidence_store(*, rectification: Rectification, file: CheckedEvidence, by: User) -> RectificationEvidence:
    evidence = RectificationEvidence(
        rectification=rectification,
        original_name=file.original_name,
        content_type=file.content_type,
        size=len(file.content),
        uploaded_by=by,
    )
    # The storage name comes from models.rectification_evidence_path: random.
    evidence.file.save("evidence", ContentFile(file.content), save=False)
    evidence.save()
    return evidence


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day if it is shorter (31 Aug + 3 → 30 Nov)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@transaction.atomic
def rectification_sign_off(*, rectification: Rectification, note: str = "", by: User) -> Rectification:
    """验收销号: the reported task is checked and closed; 回头看 falls due the campaign's
    look-back months later. A second sign-off (two signers at once) is refused."""
    _require_sign_off(by, rectification)
    now = timezone.now()
    lookback_due = add_months(timezone.localdate(now), rectification.campaign.lookback_months)
    # Conditional update: only a task still awaiting sign-off changes, whoever comes second gets 0 rows.
    updated = Rectification.objects.filter(pk=rectification.pk, status=RectificationStatus.SOLVED).update(
        status=RectificationStatus.VERIFIED, verified_at=now, verified_by=by, lookback_due=lookback_due
    )
    if updated != 1:
        raise ValidationError(_("该整改任务不在待验收状态（可能已被验收销号或退回），请刷新后查看。"))
    RectificationSignOff.objects.create(
        rectification=rectification, outcome=SignOffOutcome.SIGNED_OFF, note=note.strip(), checked_by=by, checked_at=now
    )
    rectification.refresh_from_db()
    # QuerySet.update() bypasses save(): record the history row here.
    rectification.save(update_fields=["status"])
    return rectification


@transaction.atomic
def rectification_send_back(*, rectification: Rectification, reason: str, by: User) -> Rectification:
    """退回重改: the report does not hold; the unit sees the reason and works on. A result
    shown on the notice board is taken off, since it was not accepted."""
    _require_sign_off(by, rectification)
    if not reason.strip():
        raise ValidationError(_("退回时请写明理由，让责任单位知道还要做什么。"))
    updated = Rectification.objects.filter(pk=rectification.pk, status=RectificationStatus.SOLVED).update(
        status=RectificationStatus.IN_PROGRESS,
        solved_on=None,
        reported_at=None,
        is_published=False,
        published_on=None,
    )
    if updated != 1:
        raise ValidationError(_("该整改任务不在待验收状态（可能已被验收销号或退回），请刷新后查看。"))
    RectificationSignOff.objects.create(
        rectification=rectification,
        outcome=SignOffOutcome.SENT_BACK,
        note=reason.strip(),
        checked_by=by,
        checked_at=timezone.now(),
    )
    rectification.refresh_from_db()
    rectification.save(update_fields=["status"])
    return rectification


@transaction.atomic
def rectification_publish(
    *, rectification: Rectification, by: User, published_on: datetime.date | None = None
) -> Rectification:
    """Show a reported or signed-off task's result on the organization's notice board."""
    _require_manage(by, rectification.organization)
    if rectification.status not in DONE_STATUSES:
        raise ValidationError(_("只有报告整改完成的任务才能向群众公开。"))
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
    """Publish a batch, e.g. all reported tasks of one category (分门归类公开). Every task
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
        if target.status in DONE_STATUSES:
            raise ValidationError(_("该整改任务已报告完成，无需挂牌督办。"))
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
