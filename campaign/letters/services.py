"""Every write to 目标责任书: issuing a letter to a unit's leader, changing or withdrawing it
before it is assessed, and the year-end assessment (年终考核) of the leader against it.

Who: the office that runs the campaign (campaign.campaigns.services.campaign_may_edit), or
a superior of the unit within the campaign (an office or leader account anchored to an
organization above the unit and inside the campaign's subtree). ``by`` None is a command
such as ``manage.py load_demo``, which runs unscoped and needs no permission.

The assessment reads the unit's verified score of one period of the campaign: the
points on the letter's target lines over their maxima (campaign.letters.selectors) suggest
a result; the assessor may give a lower one, a higher one only with a comment, and never
优秀 or 称职 when the unit was vetoed in the period (一票否决 reaches the 责任人).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.campaigns.services import campaign_may_edit
from campaign.letters.models import AssessmentResult, ResponsibilityLetter
from campaign.letters.selectors import VETOED_BEST, letter_standing, result_above
from campaign.scores.models import Indicator, ScorePeriod, ScoreSheet
from campaign.scores.services import MASS_KINDS, is_scored
from orgs.access import user_scope
from orgs.models import Member, Organization, Role, User
from orgs.scoping import scope_activated

# Accounts anchored to an organization that lead the units below it.
SUPERIOR_ROLES = (Role.OFFICE, Role.LEADER)


# ---------------------------------------------------------------------------
# Who may
# ---------------------------------------------------------------------------


def _superior_anchor(user: User, campaign: Campaign) -> Organization | None:
    """The organization a superior's account leads within the campaign, if any."""
    if not user.is_authenticated or user.role not in SUPERIOR_ROLES or not user.organization_id:
        return None
    if not user_scope(user).writable:
        return None
    anchor = user.organization
    return anchor if anchor.is_within(campaign.organization) else None


def letter_may_issue_any(user: User, campaign: Campaign) -> bool:
    """Whether the user issues letters in the campaign at all (the office that runs it, or
    a superior inside it)."""
    return campaign_may_edit(user, campaign) or _superior_anchor(user, campaign) is not None


def letter_may_issue(user: User, campaign: Campaign, organization: Organization) -> bool:
    """Whether the user issues, changes, withdraws and assesses letters of this unit: a
    unit the campaign scores, which the office of the campaign or a superior of the unit
    within the campaign may change."""
    if not user.is_authenticated or not is_scored(campaign, organization):
        return False
    if not user_scope(user).can_change(organization):
        return False
    if campaign_may_edit(user, campaign):
        return True
    anchor = _superior_anchor(user, campaign)
    return anchor is not None and organization.pk != anchor.pk and organization.is_within(anchor)


def letter_units(user: User, campaign: Campaign) -> QuerySet[Organization]:
    """The units the user may issue letters to, in the tree's order (none if no issuer)."""
    with scope_activated(user_scope(user)):
        if campaign_may_edit(user, campaign):
            base = campaign.organization
        else:
            base = _superior_anchor(user, campaign)
            if base is None:
                return Organization.objects.none()
        return (
            Organization.objects.filter(path__startswith=base.path)
            .exclude(pk=base.pk)
            .exclude(pk=campaign.organization_id)
            .exclude(kind__in=MASS_KINDS)
            .order_by("path")
        )


def _issuer_refusal() -> str:
    return _("只有主办组织的活动办公室或责任单位的上级党组织可以签订和考核目标责任书。")


def _require_issuer(by: User | None, campaign: Campaign, organization: Organization) -> None:
    if by is not None and not letter_may_issue(by, campaign, organization):
        raise PermissionDenied(_issuer_refusal())


# ---------------------------------------------------------------------------
# Checks shared by issuing and changing
# ---------------------------------------------------------------------------


def _target_problems(
    campaign: Campaign, indicators: Sequence[Indicator], terms: str, signed_on: datetime.date
) -> list[str]:
    problems = []
    sheet_pk = ScoreSheet._base_manager.filter(campaign=campaign).values_list("pk", flat=True).first()
    for indicator in indicators:
        if indicator.sheet_id != sheet_pk:
            problems.append(_("目标指标“%(name)s”不在本活动的考核评分表中。") % {"name": indicator.name})
    if not indicators and not terms:
        problems.append(_("请至少选择一项目标指标，或填写责任内容。"))
    if signed_on > campaign.ends_on:
        problems.append(
            _("签订日期不能晚于活动结束日期（%(date)s）。") % {"date": campaign.ends_on.strftime("%Y-%m-%d")}
        )
    return problems


def _leader_problems(campaign: Campaign, organization: Organization, leader: Member) -> list[str]:
    if not is_scored(campaign, organization):
        return [_("“%(name)s”不参加本活动的考核，不能签订目标责任书。") % {"name": organization.name}]
    if leader.organization_id != organization.pk:
        return [
            _("“%(leader)s”不是“%(organization)s”的人员，不能作为该单位的责任人。")
            % {"leader": leader.name, "organization": organization.name}
        ]
    if not campaign.covers_all_staff and not leader.is_party_member:
        return [_("本活动只考核党员，“%(leader)s”不是党员。") % {"leader": leader.name}]
    if ResponsibilityLetter._base_manager.filter(campaign=campaign, leader=leader).exists():
        return [_("“%(leader)s”在本活动中已签订目标责任书，每人只签一份。") % {"leader": leader.name}]
    return []


def _raise(problems: list[str]) -> None:
    if problems:
        raise ValidationError(problems)


def _locked(letter: ResponsibilityLetter) -> ResponsibilityLetter:
    """The letter's row as it is now, locked until the transaction ends."""
    return (
        ResponsibilityLetter._base_manager.select_for_update()
        .select_related("campaign__organization")
        .get(pk=letter.pk)
    )


# ---------------------------------------------------------------------------
# Issue, change, withdraw
# ---------------------------------------------------------------------------


@transaction.atomic
def letter_issue(
    *,
    campaign: Campaign,
    organization: Organization,
    leader: Member,
    indicators: Sequence[Indicator],
    terms: str,
    signed_on: datetime.date,
    by: User | None,
) -> ResponsibilityLetter:
    """The campaign's letter with one leader of the unit, naming lines of the campaign's
    sheet as targets and what else the leader undertakes. One letter per leader per campaign."""
    _require_issuer(by, campaign, organization)
    indicators, terms = list(indicators), terms.strip()
    _raise(_leader_problems(campaign, organization, leader) + _target_problems(campaign, indicators, terms, signed_on))
    letter = ResponsibilityLetter.objects.create(
        campaign=campaign,
        organization=organization,
        leader=leader,
        terms=terms,
        signed_on=signed_on,
        issued_by=by,
    )
    letter.indicators.set(indicators)
    return letter


def _refuse_if_assessed(letter: ResponsibilityLetter, message: str) -> None:
    if letter.result:
        raise ValidationError(message)


@transaction.atomic
def letter_update(
    *,
    letter: ResponsibilityLetter,
    indicators: Sequence[Indicator],
    terms: str,
    signed_on: datetime.date,
    by: User | None,
) -> ResponsibilityLetter:
    """Change the letter's targets, terms and date; refused once it is assessed."""
    current = _locked(letter)
    _require_issuer(by, current.campaign, letter.organization)
    _refuse_if_assessed(current, _("目标责任书已经考核，不能再修改。"))
    indicators, terms = list(indicators), terms.strip()
    _raise(_target_problems(current.campaign, indicators, terms, signed_on))
    current.terms, current.signed_on = terms, signed_on
    current.save(update_fields=["terms", "signed_on"])
    current.indicators.set(indicators)
    return current


@transaction.atomic
def letter_withdraw(*, letter: ResponsibilityLetter, by: User | None) -> None:
    """Withdraw (撤销) a letter issued by mistake; refused once it is assessed. Its
    history keeps what it said."""
    current = _locked(letter)
    _require_issuer(by, current.campaign, letter.organization)
    _refuse_if_assessed(current, _("目标责任书已经考核，不能撤销。"))
    current.delete()


# ---------------------------------------------------------------------------
# The year-end assessment
# ---------------------------------------------------------------------------


def _veto_refusal(letter: ResponsibilityLetter, period: ScorePeriod, reasons: list[str]) -> str:
    values = {"organization": letter.organization.name, "period": period.name, "reasons": "；".join(reasons)}
    if reasons:
        return _("“%(organization)s”在“%(period)s”被一票否决（%(reasons)s），责任人不能评为优秀或称职。") % values
    return _("“%(organization)s”在“%(period)s”被一票否决，责任人不能评为优秀或称职。") % values


@transaction.atomic
def letter_assess(
    *,
    letter: ResponsibilityLetter,
    period: ScorePeriod,
    result: str,
    comment: str,
    by: User | None,
) -> ResponsibilityLetter:
    """Assess the leader against the letter on the unit's verified score in ``period``
    (a period of the letter's campaign, normally the year's; an open one is allowed and
    its page says so). Records the target lines' share of their maxima (目标得分率), the
    result and the comment; a later assessment replaces it, the history keeps both."""
    current = _locked(letter)
    _require_issuer(by, current.campaign, letter.organization)
    if period.campaign_id != current.campaign_id:
        raise ValidationError(_("考核期“%(period)s”不属于本活动。") % {"period": period.name})
    if result not in AssessmentResult.values:
        raise ValidationError(_("请选择考核结果。"))
    comment = comment.strip()
    standing = letter_standing(current, period)
    if standing.score is None:
        raise ValidationError(
            _("“%(organization)s”在“%(period)s”还没有考核得分，请待得分计算完成后再考核。")
            % {"organization": current.organization.name, "period": period.name}
        )
    if standing.vetoed and result_above(result, VETOED_BEST):
        raise ValidationError(_veto_refusal(current, period, standing.veto_reasons))
    if standing.suggestion is None and not comment:
        raise ValidationError(_("本责任书的目标指标在该考核期没有得分，请在评语中写明考核依据。"))
    if standing.suggestion is not None and result_above(result, standing.suggestion) and not comment:
        raise ValidationError(
            _("目标得分率为 %(percent)s%%，建议评为“%(suggested)s”；评为更高等次须在评语中写明理由。")
            % {"percent": standing.percent, "suggested": standing.suggestion_label}
        )
    current.assessed_period = period
    current.assessment_points = standing.percent
    current.result = result
    current.assessment_comment = comment
    current.assessed_by = by
    current.assessed_at = timezone.now()
    current.save(
        update_fields=[
            "assessed_period",
            "assessment_points",
            "result",
            "assessment_comment",
            "assessed_by",
            "assessed_at",
        ]
    )
    return current
