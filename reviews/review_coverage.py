"""Review cadence (点评覆盖情况): who in a subtree has been reviewed this period, who has
not, and the daily job that marks the subjects a whole period went by without.

The subjects are derived by the rule of reviews.assignments, but for a whole subtree in
a fixed number of queries, so the office's county-wide page costs what a branch's does.
What counts as reviewed on a day is reviews_counted; the figures rollup
(campaign.dashboard.figures) counts with the same rules, so the dashboard agrees with this page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, QuerySet
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from orgs.models import Member, Organization, OrganizationKind, Post, User
from orgs.scoping import PATH_SEGMENT_LENGTH
from orgs.selectors import under_roots, visible_roots
from orgs.sheets.writing import Table, xlsx_tables
from reviews.assignments import (
    Subject,
    member_subject_q,
    organization_subject_q,
    period_end,
    period_start,
    reviewer_of,
    reviewer_organization,
    subject_q,
)
from reviews.models import OverdueReview, Review

TEAM_POSTS = Post.leadership_team()


class ReviewSubject(NamedTuple):
    """A subject and the organization whose leaders review it."""

    reviewer: Organization
    subject: Subject


def review_subjects_in(roots: list[Organization]) -> list[ReviewSubject]:
    """Every subject lying in the roots' subtrees with its reviewer organization, in two
    queries. The roots themselves are reviewed from above the subtree and are left out;
    the members of a root branch are not."""
    organizations = {
        organization.pk: organization
        for organization in Organization.objects.filter(under_roots("path", roots))
        .exclude(kind__in=OrganizationKind.mass_organizations())
        .annotate(is_subject=ExpressionWrapper(organization_subject_q(roots), output_field=BooleanField()))
    }
    # By path rather than by a list of ids, which would grow with the subtree.
    members = Member.objects.filter(under_roots("organization__path", roots), member_subject_q(roots))
    members_by_organization: dict[int, list[Member]] = {}
    for member in members.order_by("name", "pk"):
        member.organization = organizations[member.organization_id]
        members_by_organization.setdefault(member.organization_id, []).append(member)

    pairs = []
    for organization in sorted(organizations.values(), key=lambda organization: organization.path):
        # A subject's parent lies in the subtree too: only the roots' parents do not.
        reviewed_by = organizations[organization.parent_id] if organization.is_subject else None
        if reviewed_by is not None:
            pairs.append(ReviewSubject(reviewed_by, Subject(organization)))
        for member in members_by_organization.get(organization.pk, []):
            # Team members of an organization reviewed from above; the others by their branch.
            reviewer = reviewed_by if member.post in TEAM_POSTS else organization
            pairs.append(ReviewSubject(reviewer, Subject(organization, member)))
    return pairs


def reviews_counted(campaign: Campaign, *, as_of: datetime.date) -> QuerySet[Review]:
    """The reviews that count on ``as_of``: those of the review period holding that day,
    written by then. A subject counts as reviewed when one of them is about it."""
    return Review.objects.filter(campaign=campaign, period_start=period_start(campaign, as_of), reviewed_on__lte=as_of)


def organization_reviewed(campaign: Campaign, *, as_of: datetime.date) -> Exists:
    """For organization rows: reviewed as an organization on ``as_of`` (reviews_counted)."""
    return Exists(reviews_counted(campaign, as_of=as_of).filter(organization=OuterRef("pk"), member__isnull=True))


def member_reviewed(campaign: Campaign, *, as_of: datetime.date) -> Exists:
    """For member rows: the member reviewed on ``as_of`` (reviews_counted)."""
    return Exists(reviews_counted(campaign, as_of=as_of).filter(member=OuterRef("pk")))


def previous_period_start(campaign: Campaign, day: datetime.date) -> datetime.date:
    return period_start(campaign, period_start(campaign, day) - datetime.timedelta(days=1))


def _reviewed_keys(reviews) -> tuple[set[int], set[int]]:
    """(organizations reviewed as such, members reviewed) among review rows."""
    organizations, members = set(), set()
    for organization_id, member_id in reviews.values_list("organization_id", "member_id"):
        if member_id is None:
            organizations.add(organization_id)
        else:
            members.add(member_id)
    return organizations, members


def _is_reviewed(subject: Subject, reviewed: tuple[set[int], set[int]]) -> bool:
    if subject.member is None:
        return subject.organization.pk in reviewed[0]
    return subject.member.pk in reviewed[1]


@dataclass
class CoverageRow:
    """Counts for one part of the subtree (a child of the user's top organization)."""

    organization: Organization | None  # None for the total
    organizations: int = 0
    organizations_reviewed: int = 0
    members: int = 0
    members_reviewed: int = 0

    @property
    def organizations_pending(self) -> int:
        return self.organizations - self.organizations_reviewed

    @property
    def members_pending(self) -> int:
        return self.members - self.members_reviewed

    def add(self, subject: Subject, reviewed: bool) -> None:
        if subject.member is None:
            self.organizations += 1
            self.organizations_reviewed += reviewed
        else:
            self.members += 1
            self.members_reviewed += reviewed


@dataclass
class Coverage:
    campaign: Campaign
    period_start: datetime.date
    period_end: datetime.date
    total: CoverageRow
    rows: list[CoverageRow]
    organizations_pending: list[ReviewSubject] = field(default_factory=list)
    members_pending: list[ReviewSubject] = field(default_factory=list)
    overdue: list[OverdueReview] = field(default_factory=list)


def review_coverage(
    user: User, campaign: Campaign, today: datetime.date, *, organization: Organization | None = None
) -> Coverage:
    """Coverage of the current period in the user's subtree (or ``organization``'s, a
    drill-down inside it), in about five queries whatever its size: the counts per child
    of the top organization, the subjects not yet reviewed and those still overdue from
    the previous period."""
    roots = [organization] if organization is not None else visible_roots(user)
    start = period_start(campaign, today)
    pairs = review_subjects_in(roots)
    in_subtree = under_roots("organization__path", roots) | under_roots("member__organization__path", roots)
    reviewed = _reviewed_keys(reviews_counted(campaign, as_of=today).filter(in_subtree))

    rows: dict[str, CoverageRow] = {}
    total = CoverageRow(organization=None)
    known = {organization.path: organization for organization in roots}
    for reviewer, subject in pairs:
        known.setdefault(reviewer.path, reviewer)
        known.setdefault(subject.organization.path, subject.organization)
    coverage = Coverage(campaign, start, period_end(campaign, start), total, [])
    root_lengths = {root.path: len(root.path) for root in roots}
    for reviewer, subject in pairs:
        organization = subject.organization
        root_length = next(length for path, length in root_lengths.items() if organization.path.startswith(path))
        group_path = organization.path[: root_length + PATH_SEGMENT_LENGTH]
        if group_path not in rows:
            rows[group_path] = CoverageRow(organization=known.get(group_path, organization))
        is_reviewed = _is_reviewed(subject, reviewed)
        rows[group_path].add(subject, is_reviewed)
        total.add(subject, is_reviewed)
        if not is_reviewed:
            pending = coverage.organizations_pending if subject.member is None else coverage.members_pending
            pending.append(ReviewSubject(reviewer, subject))
    coverage.rows = [rows[path] for path in sorted(rows)]

    marks = OverdueReview.objects.filter(
        under_roots("organization__path", roots), campaign=campaign, period_start=previous_period_start(campaign, today)
    ).select_related("organization", "member", "reviewer_organization")
    coverage.overdue = [mark for mark in marks if not _is_reviewed(Subject(mark.organization, mark.member), reviewed)]
    coverage.overdue.sort(key=lambda mark: (mark.organization.path, mark.member is not None, str(mark)))
    return coverage


def overdue_for_reviewer(user: User, campaign: Campaign | None, today: datetime.date) -> list[OverdueReview]:
    """The user's subjects marked overdue for the previous period and not reviewed
    since (two queries); empty for users who review nobody."""
    reviewer = reviewer_organization(user)
    if reviewer is None or campaign is None:
        return []
    return _still_overdue(
        OverdueReview.objects.filter(
            campaign=campaign, period_start=previous_period_start(campaign, today), reviewer_organization=reviewer
        ),
        campaign,
        today,
    )


def overdue_pending(campaign: Campaign, today: datetime.date) -> list[OverdueReview]:
    """Every subject of the campaign marked overdue for the previous period and not
    reviewed since, whoever reviews it (two queries): what the reminder job tells each
    reviewer organization."""
    return _still_overdue(
        OverdueReview.objects.filter(campaign=campaign, period_start=previous_period_start(campaign, today)),
        campaign,
        today,
    )


def _still_overdue(marks, campaign: Campaign, today: datetime.date) -> list[OverdueReview]:
    marks = list(marks.select_related("organization__parent", "member", "reviewer_organization"))
    # A member who moved on or a new post belongs to another reviewer now.
    marks = [mark for mark in marks if reviewer_of(mark.organization, mark.member) == mark.reviewer_organization]
    if not marks:
        return []
    subjects = [Subject(mark.organization, mark.member) for mark in marks]
    reviewed = _reviewed_keys(reviews_counted(campaign, as_of=today).filter(subject_q(subjects)))
    pending = [mark for mark, subject in zip(marks, subjects, strict=True) if not _is_reviewed(subject, reviewed)]
    return sorted(pending, key=lambda mark: (mark.organization.path, mark.member is not None, str(mark)))


def overdue_reviews_mark(*, today: datetime.date) -> int:
    """Mark every subject that went the whole previous period without a review, in each
    campaign running then. Idempotent: a subject is marked once per period. Marks are
    kept as history; a later review ends the overdue state, not the mark."""
    marked = 0
    for campaign in Campaign.objects.select_related("organization"):
        start = previous_period_start(campaign, today)
        end = period_end(campaign, start)
        if campaign.starts_on > end or campaign.ends_on < start:
            continue
        roots = [campaign.organization]
        reviewed = _reviewed_keys(
            reviews_counted(campaign, as_of=end).filter(
                under_roots("organization__path", roots) | under_roots("member__organization__path", roots)
            )
        )
        already = _reviewed_keys(OverdueReview.objects.filter(campaign=campaign, period_start=start))
        new_marks = [
            OverdueReview(
                campaign=campaign,
                period_start=start,
                reviewer_organization=reviewer,
                organization=subject.organization,
                member=subject.member,
                marked_on=today,
            )
            for reviewer, subject in review_subjects_in(roots)
            if not _is_reviewed(subject, reviewed) and not _is_reviewed(subject, already)
        ]
        # A concurrent run may have marked some meanwhile; the constraints keep one each.
        OverdueReview.objects.bulk_create(new_marks, ignore_conflicts=True)
        marked += len(new_marks)
    return marked


def coverage_export(coverage: Coverage) -> bytes:
    """The coverage as an .xlsx: the counts, then the subjects not reviewed, then the overdue."""
    subject_header = [_("点评对象"), _("所在组织"), _("点评组织")]
    return xlsx_tables(
        [
            Table(
                title=_("覆盖情况"),
                header=[_("组织"), _("应点评组织"), _("已点评组织"), _("应点评党员"), _("已点评党员")],
                rows=[
                    [
                        row.organization.name,
                        row.organizations,
                        row.organizations_reviewed,
                        row.members,
                        row.members_reviewed,
                    ]
                    for row in [*coverage.rows, _total_row(coverage.total)]
                ],
                widths=(24,),
            ),
            Table(
                title=_("未点评组织"),
                header=subject_header,
                rows=[[s.name, s.organization.name, reviewer.name] for reviewer, s in coverage.organizations_pending],
                widths=(24,),
            ),
            Table(
                title=_("未点评党员"),
                header=subject_header,
                rows=[[s.name, s.organization.name, reviewer.name] for reviewer, s in coverage.members_pending],
                widths=(24,),
            ),
            Table(
                title=_("逾期未点评"),
                header=[*subject_header, _("逾期周期")],
                rows=[
                    [
                        mark.member.name if mark.member else mark.organization.name,
                        mark.organization.name,
                        mark.reviewer_organization.name,
                        str(mark.period_start),
                    ]
                    for mark in coverage.overdue
                ],
                widths=(24,),
            ),
        ]
    )


def _total_row(total: CoverageRow) -> CoverageRow:
    return CoverageRow(
        organization=Organization(name=_("合计")),
        organizations=total.organizations,
        organizations_reviewed=total.organizations_reviewed,
        members=total.members,
        members_reviewed=total.members_reviewed,
    )
