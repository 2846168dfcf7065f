"""Filing a pledge: creating it, its opinions (征求意见) and its items, while it is a
draft or has been returned. State changes are in pledges.lifecycle.

Every write checks who may file for the pledge and that its state allows editing,
reading the state again under a row lock, so an edit cannot slip in after someone
else has just submitted the pledge.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign, StandardDimension, StandardSubject
from orgs.models import Member, Organization, User
from pledges.lifecycle import may_file_for, require_editable
from pledges.models import Opinion, Pledge, PledgeItem, PledgeKind


def _locked(pledge: Pledge) -> Pledge:
    """The pledge as it is now in the database, locked until the transaction ends."""
    current = Pledge._base_manager.select_for_update().select_related("organization").get(pk=pledge.pk)
    pledge.state = current.state
    return pledge


def _editable(pledge: Pledge, by: User) -> Pledge:
    pledge = _locked(pledge)
    require_editable(pledge=pledge, user=by)
    return pledge


def _required(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message)
    return value


def _check_kind(kind: str) -> None:
    if kind not in PledgeKind.values:
        raise ValidationError(_("请选择承诺类型。"))


def member_pledge_problem(campaign: Campaign, member: Member) -> str | None:
    """Why the member may not pledge in the campaign (None: may): a party campaign takes
    pledges of party members only, one about units those of all the staff."""
    if campaign.covers_member(member):
        return None
    return _("“%(campaign)s”的个人承诺只由党员填报，%(name)s不是中共党员。") % {
        "campaign": campaign.name,
        "name": member.name,
    }


@transaction.atomic
def pledge_create(
    *,
    campaign: Campaign,
    organization: Organization,
    member: Member | None = None,
    kind: str,
    title: str,
    by: User,
) -> Pledge:
    """Start a draft pledge of an organization, or of one of its members."""
    if member is not None and member.organization_id != organization.pk:
        raise ValidationError(_("党员承诺必须挂在该党员所在的组织下。"))
    if member is not None and (problem := member_pledge_problem(campaign, member)):
        raise ValidationError(problem)
    if not may_file_for(by, organization, member):
        raise PermissionDenied(
            _("您无权为“%(name)s”填报承诺。") % {"name": member.name if member else organization.name}
        )
    if not organization.is_within(campaign.organization):
        raise ValidationError(
            _("“%(organization)s”不在“%(campaign)s”的范围内。")
            % {"organization": organization.name, "campaign": campaign.name}
        )
    _check_kind(kind)
    pledge = Pledge(
        campaign=campaign,
        organization=organization,
        member=member,
        kind=kind,
        title=_required(title, _("请填写承诺标题。")),
        created_by=by,
    )
    pledge._history_user = by
    pledge.save()
    return pledge


@transaction.atomic
def pledge_update(*, pledge: Pledge, by: User, kind: str, title: str) -> Pledge:
    pledge = _editable(pledge, by)
    _check_kind(kind)
    pledge.kind = kind
    pledge.title = _required(title, _("请填写承诺标题。"))
    pledge._history_user = by
    pledge.save(update_fields=["kind", "title", "updated_at"])
    return pledge


# ---------------------------------------------------------------------------
# 征求意见
# ---------------------------------------------------------------------------


def _check_opinion(solicited_on: datetime.date, method: str, summary: str) -> str:
    if method not in Opinion.Method.values:
        raise ValidationError(_("请选择征求意见的方式。"))
    if solicited_on > timezone.localdate():
        raise ValidationError(_("征求意见的日期不能晚于今天。"))
    return _required(summary, _("请填写群众提出的意见建议。"))


@transaction.atomic
def opinion_add(*, pledge: Pledge, by: User, solicited_on: datetime.date, method: str, summary: str) -> Opinion:
    pledge = _editable(pledge, by)
    opinion = Opinion(
        pledge=pledge,
        solicited_on=solicited_on,
        method=method,
        summary=_check_opinion(solicited_on, method, summary),
    )
    opinion._history_user = by
    opinion.save()
    return opinion


@transaction.atomic
def opinion_update(*, opinion: Opinion, by: User, solicited_on: datetime.date, method: str, summary: str) -> Opinion:
    _editable(opinion.pledge, by)
    opinion.summary = _check_opinion(solicited_on, method, summary)
    opinion.solicited_on = solicited_on
    opinion.method = method
    opinion._history_user = by
    opinion.save()
    return opinion


@transaction.atomic
def opinion_remove(*, opinion: Opinion, by: User) -> None:
    _editable(opinion.pledge, by)
    opinion._history_user = by
    opinion.delete()


# ---------------------------------------------------------------------------
# 承诺事项
# ---------------------------------------------------------------------------


def _check_dimension(pledge: Pledge, dimension: StandardDimension | None) -> None:
    """An item serves a dimension of this campaign's standard for its kind of pledger:
    五带头 for a member, 五个好 for an organization."""
    if dimension is None:
        return
    standard = dimension.standard
    subject = StandardSubject.MEMBER if pledge.member_id else StandardSubject.ORGANIZATION
    if standard.campaign_id != pledge.campaign_id or standard.subject != subject:
        raise ValidationError(
            _("“%(dimension)s”不是本次活动对%(subject)s的标准。")
            % {"dimension": dimension.name, "subject": StandardSubject(subject).label}
        )


def _fill_item(
    item: PledgeItem,
    *,
    target: str,
    work: str,
    practical_things: str,
    dimension: StandardDimension | None,
    due_date: datetime.date | None,
    measurable_result: str,
) -> PledgeItem:
    # Vague wording is only warned about (pledges.vagueness); what cannot be stored is refused.
    _check_dimension(item.pledge, dimension)
    item.target = _required(target, _("请填写争创目标。"))
    item.work = _required(work, _("请填写做哪些工作。"))
    item.practical_things = (practical_things or "").strip()
    item.dimension = dimension
    item.due_date = due_date
    item.measurable_result = _required(measurable_result, _("请填写可衡量的成效。"))
    return item


@transaction.atomic
def item_add(
    *,
    pledge: Pledge,
    by: User,
    target: str,
    work: str,
    practical_things: str = "",
    dimension: StandardDimension | None = None,
    due_date: datetime.date | None = None,
    measurable_result: str,
) -> PledgeItem:
    pledge = _editable(pledge, by)
    last = PledgeItem._base_manager.filter(pledge=pledge).aggregate(last=Max("order"))["last"]
    item = _fill_item(
        PledgeItem(pledge=pledge, order=0 if last is None else last + 1),
        target=target,
        work=work,
        practical_things=practical_things,
        dimension=dimension,
        due_date=due_date,
        measurable_result=measurable_result,
    )
    item._history_user = by
    item.save()
    return item


@transaction.atomic
def item_update(
    *,
    item: PledgeItem,
    by: User,
    target: str,
    work: str,
    practical_things: str = "",
    dimension: StandardDimension | None = None,
    due_date: datetime.date | None = None,
    measurable_result: str,
) -> PledgeItem:
    _editable(item.pledge, by)
    _fill_item(
        item,
        target=target,
        work=work,
        practical_things=practical_things,
        dimension=dimension,
        due_date=due_date,
        measurable_result=measurable_result,
    )
    item._history_user = by
    item.save()
    return item


@transaction.atomic
def item_remove(*, item: PledgeItem, by: User) -> None:
    """Remove an item from a draft. An item that already has progress recorded or is
    under supervision stays: deleting it would delete that record with it."""
    _editable(item.pledge, by)
    if item.progress_entries.exists():
        raise ValidationError(_("该事项已有践诺记录，不能删除；如不再承诺，请在修改时写明调整情况。"))
    if item.supervisions.exists():
        raise ValidationError(_("该事项已被挂牌督办，不能删除。"))
    item._history_user = by
    item.delete()


@transaction.atomic
def item_reorder(*, pledge: Pledge, by: User, item_ids: Sequence[int]) -> list[PledgeItem]:
    """Number the pledge's items in the given order; the ids must be exactly its items."""
    pledge = _editable(pledge, by)
    items = {item.pk: item for item in PledgeItem._base_manager.filter(pledge=pledge)}
    if sorted(item_ids) != sorted(items):
        raise ValidationError(_("事项顺序已被他人改变，请刷新页面后再试。"))
    ordered = []
    for order, item_id in enumerate(item_ids):
        item = items[item_id]
        if item.order != order:
            item.order = order
            item._history_user = by
            item.save(update_fields=["order"])
        ordered.append(item)
    return ordered


@transaction.atomic
def item_move(*, item: PledgeItem, by: User, step: int) -> list[PledgeItem]:
    """Move an item one place up (step -1) or down (+1) among its pledge's items."""
    ids = list(
        PledgeItem._base_manager.filter(pledge_id=item.pledge_id).order_by("order", "pk").values_list("pk", flat=True)
    )
    index = ids.index(item.pk)
    other = index + step
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return item_reorder(pledge=item.pledge, by=by, item_ids=ids)
