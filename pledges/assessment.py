"""评定兑现情况: the superior assesses a pledge, and the grade leads somewhere.

兑现优秀 (and 已兑现 with the masses satisfied) is suggested for 择优推荐表彰 on the
nominations page (campaign.nominations.selectors); 未兑现 opens an education and
rectification task (教育整改) for the pledger, in the same transaction as the assessment.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orgs.models import Member, Post, User
from pledges.lifecycle import apply_transition
from pledges.models import Fulfillment, Pledge, PledgeItem, Rectification, RectificationSource
from pledges.rectification import rectification_create

# Items named in the task's problem; the rest are counted, so the text stays readable.
NAMED_ITEMS = 5


@transaction.atomic
def pledge_assess(*, pledge: Pledge, by: User, fulfillment: str, comment: str) -> Pledge:
    """Assess a published pledge (the superior's side, lifecycle.may_decide). Assessing
    is done once: the pledge leaves the states it can be assessed from, so a second
    attempt is refused and cannot open a second task."""
    if fulfillment not in Fulfillment.values:
        raise ValidationError(_("请选择兑现情况。"))
    if not comment.strip():
        raise ValidationError(_("请写明评定意见。"))
    pledge = apply_transition(
        pledge,
        "assess",
        by,
        assessed_at=timezone.now(),
        assessed_by=by,
        fulfillment=fulfillment,
        assessment_comment=comment.strip(),
    )
    if fulfillment == Fulfillment.NOT_FULFILLED:
        education_task_open(pledge=pledge, by=by)
    return pledge


def unfulfilled_items(pledge: Pledge) -> list[PledgeItem]:
    """The items not reported done; all of them if every item was (the superior judged
    the pledge unfulfilled all the same). One query."""
    items = list(pledge.items.order_by("order", "pk"))
    open_items = [item for item in items if item.completed_on is None]
    return open_items or items


def education_deadline(pledge: Pledge, today: datetime.date) -> datetime.date:
    """限期整改: the campaign's term for remedial tasks (补课整改期限, 30 days unless set)."""
    return today + datetime.timedelta(days=pledge.campaign.remedial_days)


def _owner(pledge: Pledge) -> str:
    if pledge.member_id:
        return pledge.member.name
    secretary = (
        Member.objects.filter(organization=pledge.organization_id, post=Post.SECRETARY)
        .order_by("pk")
        .values_list("name", flat=True)
        .first()
    )
    return secretary or pledge.organization.name


def _problem(pledge: Pledge, items: list[PledgeItem]) -> str:
    named = "；".join(f"{item.target}" for item in items[:NAMED_ITEMS])
    values = {"title": pledge.title, "items": named, "more": len(items) - NAMED_ITEMS}
    if len(items) > NAMED_ITEMS:
        return _("承诺“%(title)s”经评定未兑现。未兑现的事项：%(items)s；另有%(more)d项。") % values
    return _("承诺“%(title)s”经评定未兑现。未兑现的事项：%(items)s。") % values


def education_task_open(*, pledge: Pledge, by: User) -> Rectification:
    """教育整改 for a pledge assessed 未兑现: talk with the pledger, criticise and educate,
    rectify within the term. Opened through rectification_create in the assessor's name:
    whoever may assess may manage the pledging organization's tasks (lifecycle.is_superior
    asks for the same roles and the same right to change it), so its check holds and no
    way round it is needed. Runs inside pledge_assess's transaction."""
    items = unfulfilled_items(pledge)
    member = pledge.member if pledge.member_id else None
    if member is not None and member.organization_id != pledge.organization_id:
        # The member has moved since pledging: the task stays with the pledging organization.
        member = None
    # Stored text is read by everyone later: written in the site's language, whoever assesses.
    with translation.override(settings.LANGUAGE_CODE):
        category = _("教育整改")
        problem = _problem(pledge, items)
        measure = _("对承诺人谈心谈话、批评教育，查找承诺未兑现的原因，制定整改措施，限期整改，并向群众通报整改结果。")
    return rectification_create(
        campaign=pledge.campaign,
        organization=pledge.organization,
        member=member,
        source=RectificationSource.PLEDGE,
        pledge_item=items[0] if len(items) == 1 else None,
        category=category,
        problem=problem,
        measure=measure,
        owner=_owner(pledge)[:50],
        deadline=education_deadline(pledge, timezone.localdate()),
        by=by,
    )
