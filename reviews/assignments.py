"""Who reviews whom (领导点评), derived from the tree and the posts, never typed in.

- The leaders of an organization with subordinate organizations review each direct
  subordinate party organization and that organization's leadership team (班子成员).
- A branch secretary reviews the branch's other members; the branch's own leadership
  team is reviewed from above, so nobody is reviewed twice over.
Members are reviewed against 五带头, a party standard: staff outside the party are never
subjects here, whatever the campaign covers.
Mass organizations (工会/共青团/妇联) are not reviewed here. Because nothing is stored,
the lists follow a member who moves branch or a change of secretary at once.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q

from orgs.models import Member, MemberStatus, Organization, OrganizationKind, Post, Role, User

REVIEWING_ROLES = {Role.OFFICE, Role.LEADER, Role.SECRETARY}
TEAM_POSTS = Post.leadership_team()


@dataclass(frozen=True)
class Subject:
    organization: Organization
    member: Member | None = None

    @property
    def key(self) -> tuple[int, int | None]:
        return (self.organization.pk, self.member.pk if self.member else None)

    @property
    def name(self) -> str:
        return self.member.name if self.member else self.organization.name


def period_start(campaign, day: datetime.date) -> datetime.date:
    """The first day of the review period containing ``day``; periods of the campaign's
    length are counted from January (6 months: January and July)."""
    months = campaign.review_period_months
    return datetime.date(day.year, (day.month - 1) // months * months + 1, 1)


def period_end(campaign, start: datetime.date) -> datetime.date:
    """The last day of the period that starts on ``start``."""
    month_index = start.month - 1 + campaign.review_period_months
    following = datetime.date(start.year + month_index // 12, month_index % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def reviewer_organization(user: User) -> Organization | None:
    """The organization through which the user reviews, if the user reviews at all."""
    if (user.is_superuser or user.role in REVIEWING_ROLES) and user.organization_id:
        return user.organization
    return None


def _is_branch(organization: Organization) -> bool:
    return organization.kind == OrganizationKind.BRANCH


def subjects_of(organization: Organization) -> list[Subject]:
    """Everyone the organization's leaders review (two queries)."""
    if _is_branch(organization):
        members = organization.members.party_members().exclude(post__in=TEAM_POSTS).order_by("name")
        return [Subject(organization, member) for member in members]
    children = list(
        Organization.objects.filter(parent=organization)
        .exclude(kind__in=OrganizationKind.mass_organizations())
        .order_by("path")
    )
    team = Member.objects.party_members().filter(organization__in=children, post__in=TEAM_POSTS).order_by("name")
    team_by_organization: dict[int, list[Member]] = {}
    for member in team:
        team_by_organization.setdefault(member.organization_id, []).append(member)
    subjects = []
    for child in children:
        subjects.append(Subject(child))
        subjects.extend(Subject(child, member) for member in team_by_organization.get(child.pk, []))
    return subjects


def reviewer_of(organization: Organization, member: Member | None) -> Organization | None:
    """The organization whose leaders review this subject (no query beyond the parent)."""
    if organization.kind in OrganizationKind.mass_organizations():
        return None
    if member is None:
        parent = organization.parent
        return None if parent is None or _is_branch(parent) else parent
    if member.organization_id != organization.pk or not member.is_party_member:
        return None
    if member.post in TEAM_POSTS:
        return reviewer_of(organization, None)
    return organization if _is_branch(organization) else None


def organization_subject_q(roots: Sequence[Organization], prefix: str = "") -> Q:
    """reviewer_of's rule for querysets: organizations (reached through ``prefix``) that
    their parent's leaders review. The roots are left out: whoever reviews them sits above
    the subtree being counted."""
    return (
        Q(**{f"{prefix}parent__isnull": False})
        & ~Q(**{f"{prefix}parent__kind": OrganizationKind.BRANCH})
        & ~Q(**{f"{prefix}kind__in": OrganizationKind.mass_organizations()})
        & ~Q(**{f"{prefix}pk__in": [root.pk for root in roots]})
    )


def member_subject_q(roots: Sequence[Organization]) -> Q:
    """reviewer_of's rule for member querysets: party members only; leadership-team members are reviewed with
    their organization, when it is a subject (organization_subject_q); the other members
    of a branch by its secretary."""
    team = Q(post__in=TEAM_POSTS)
    return Q(status__in=MemberStatus.party()) & (
        (team & organization_subject_q(roots, "organization__"))
        | (~team & Q(organization__kind=OrganizationKind.BRANCH))
    )


def may_review(user: User, organization: Organization, member: Member | None) -> bool:
    """Only the reviewer organization's leaders, and never about themselves."""
    reviewer = reviewer_organization(user)
    if reviewer is None or reviewer_of(organization, member) != reviewer:
        return False
    return member is None or member.pk != user.member_id


def subject_q(subjects: list[Subject], prefix: str = "") -> Q:
    """Rows about any of these subjects (e.g. reviews), for one query over many."""
    q = Q(pk__in=[])
    organizations = [subject.organization.pk for subject in subjects if subject.member is None]
    members = [subject.member.pk for subject in subjects if subject.member is not None]
    if organizations:
        q |= Q(**{f"{prefix}organization__in": organizations, f"{prefix}member__isnull": True})
    if members:
        q |= Q(**{f"{prefix}member__in": members})
    return q
