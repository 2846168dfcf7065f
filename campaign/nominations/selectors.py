"""推荐建议: who the pledge assessments suggest for 择优推荐表彰.

A pledger is suggested when a pledge of theirs in the campaign was assessed 兑现优秀, or
assessed 已兑现 while their latest mass evaluation in the campaign reached the
satisfaction threshold (the tally's own verdict, taken by the threshold of that round).
Suggestions are computed here only, for the nominations page and its pre-filled
nomination form; a suggestion is nominated through nomination_create like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Case, DecimalField, OuterRef, Q, QuerySet, Subquery, When
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.nominations.models import ModelNomination
from campaign.nominations.services import may_nominate, nomination_titles
from orgs.access import user_scope
from orgs.models import Member, Organization, OrganizationKind, User
from pledges.fulfilment import FULFILLED_GRADES
from pledges.models import Fulfillment, Pledge, PledgeState
from reviews.models import RoundState, TallyResult

# A page of suggestions: the best first; nominating them makes room for the next.
SUGGESTIONS_SHOWN = 30


@dataclass(frozen=True)
class Suggestion:
    """One pledger suggested for a nomination, with the pledge that earned it."""

    pledge: Pledge
    satisfaction: Decimal | None  # the latest evaluation's, when it reached the threshold
    nomination: ModelNomination | None  # the pledger's newest nomination in the campaign, if any

    @property
    def member(self) -> Member | None:
        return self.pledge.member

    @property
    def organization(self) -> Organization:
        """The nominee's organization: a member's own, as nomination_create takes it."""
        return self.pledge.member.organization if self.pledge.member_id else self.pledge.organization

    @property
    def nominee_name(self) -> str:
        return self.pledge.pledger_name

    @property
    def is_outstanding(self) -> bool:
        return self.pledge.fulfillment == Fulfillment.OUTSTANDING

    @property
    def is_nominated(self) -> bool:
        return self.nomination is not None

    @property
    def nominee_key(self) -> str:
        """The nomination form's value for the nominee: the member's id, or "org"."""
        return str(self.pledge.member_id) if self.pledge.member_id else "org"


def _latest_results(campaign: Campaign) -> QuerySet[TallyResult]:
    """Overall tallies of the campaign's tallied rounds that evaluated the subject, newest round first."""
    return TallyResult.objects.filter(
        round__campaign=campaign,
        round__state__in=(RoundState.TALLIED, RoundState.PUBLISHED),
        category="",  # over all evaluators: the row the verdict is taken on
        satisfaction__isnull=False,
    ).order_by("-round__closes_at", "-pk")


def _latest(campaign: Campaign, field: str, output_field):
    """A pledge's subject's ``field`` in its latest evaluation: the member's for a member
    pledge, the organization's as a subject for an organization pledge."""
    latest = _latest_results(campaign)
    of_member = latest.filter(subject__member=OuterRef("member")).values(field)[:1]
    of_organization = latest.filter(subject__member__isnull=True, round__organization=OuterRef("organization"))
    return Case(
        When(member__isnull=True, then=Subquery(of_organization.values(field)[:1])),
        default=Subquery(of_member),
        output_field=output_field,
    )


def suggested_pledges(user: User, campaign: Campaign) -> QuerySet[Pledge]:
    """The assessed pledges behind the suggestions for this user: in the subtree the user
    may nominate in (nomination_create's rule), best first. Through the scoped manager."""
    if not may_nominate(user) or not user_scope(user).writable:
        return Pledge.objects.none()
    pledges = (
        Pledge.objects.filter(
            campaign=campaign,
            state=PledgeState.ASSESSED,
            fulfillment__in=FULFILLED_GRADES,
            organization__path__startswith=user.organization.path,
        )
        .annotate(
            satisfaction=_latest(campaign, "satisfaction", DecimalField(max_digits=7, decimal_places=4)),
            below_threshold=_latest(campaign, "below_threshold", BooleanField()),
        )
        .filter(Q(fulfillment=Fulfillment.OUTSTANDING) | Q(satisfaction__isnull=False, below_threshold=False))
    )
    if not campaign.mass_organizations_take_part:
        pledges = pledges.exclude(organization__kind__in=OrganizationKind.mass_organizations())
    if not campaign.covers_all_staff:
        pledges = pledges.filter(Q(member__isnull=True) | Q(member__in=Member.objects.for_campaign(campaign)))
    outstanding_first = Case(When(fulfillment=Fulfillment.OUTSTANDING, then=0), default=1)
    return pledges.select_related("organization", "member__organization").order_by(
        outstanding_first, "-assessed_at", "-pk"
    )


def nomination_suggestions(user: User, campaign: Campaign) -> list[Suggestion]:
    """One suggestion per pledger (their best pledge), those not yet nominated first,
    each with the pledger's newest nomination if there is one. Three queries."""
    suggestions: dict[tuple, Pledge] = {}
    for pledge in suggested_pledges(user, campaign)[: SUGGESTIONS_SHOWN * 3]:
        key = ("member", pledge.member_id) if pledge.member_id else ("organization", pledge.organization_id)
        if key in suggestions:
            continue
        subject = pledge.member.organization if pledge.member_id else pledge.organization
        if not nomination_titles(campaign, organization=subject, member=pledge.member):
            continue
        suggestions[key] = pledge
    nominations = _newest_nominations(campaign, suggestions)
    found = [
        Suggestion(pledge=pledge, satisfaction=pledge.satisfaction, nomination=nominations.get(key))
        for key, pledge in suggestions.items()
    ]
    found.sort(key=lambda suggestion: suggestion.is_nominated)  # stable: best first within each
    return found[:SUGGESTIONS_SHOWN]


def _newest_nominations(campaign: Campaign, subjects: dict[tuple, Pledge]) -> dict[tuple, ModelNomination]:
    member_ids = [pk for kind, pk in subjects if kind == "member"]
    organization_ids = [pk for kind, pk in subjects if kind == "organization"]
    if not subjects:
        return {}
    nominations = ModelNomination.objects.filter(campaign=campaign).filter(
        Q(member_id__in=member_ids) | Q(member__isnull=True, organization_id__in=organization_ids)
    )
    newest: dict[tuple, ModelNomination] = {}
    for nomination in nominations.order_by("created_at", "pk"):
        key = ("member", nomination.member_id) if nomination.member_id else ("organization", nomination.organization_id)
        newest[key] = nomination
    return newest


def suggested_deeds(pledge: Pledge) -> str:
    """The deeds a nomination from this pledge starts with: what was pledged and how the
    superior assessed it; the nominator completes them. One query for the items."""
    lines = [
        _("公开承诺“%(title)s”经上级评定为“%(grade)s”。")
        % {"title": pledge.title, "grade": pledge.get_fulfillment_display()}
    ]
    if pledge.assessment_comment:
        lines.append(_("评定意见：%(comment)s") % {"comment": pledge.assessment_comment})
    for number, item in enumerate(pledge.items.order_by("order", "pk"), start=1):
        lines.append(
            _("%(number)d. %(target)s（%(result)s）")
            % {"number": number, "target": item.target, "result": item.measurable_result}
        )
    return "\n".join(lines)


def access_suggested_pledge(user: User, campaign: Campaign, pk: str | None) -> Pledge | None:
    """The pledge a pre-filled nomination starts from, if it is one of the user's
    suggestions; None otherwise (the form then starts empty, as without one)."""
    if not pk or not str(pk).isdigit():
        return None
    return suggested_pledges(user, campaign).filter(pk=int(pk)).first()
