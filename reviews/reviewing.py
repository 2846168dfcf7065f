"""领导点评: writing a review against the campaign's standards, editing it while the
short window lasts, the subject acknowledging it and revising the pledge from it.

Who may review whom comes from reviews.assignments; this module keeps the rest:
- the author alone edits, within ``campaign.review_edit_days`` of writing; then the
  review is frozen (归档). simple-history records every save, with who made it.
- a review that requires rectification creates the rectification task at once, so
  nothing written about a problem is lost between two screens.
- the subject acknowledges: the member reviewed, or for an organization the
  accounts anchored at it (its secretary or leader).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign, Standard, StandardDimension, StandardSubject
from orgs.access import user_scope
from orgs.models import Member, Organization, Role, User
from pledges.lifecycle import pledge_revise
from pledges.models import Pledge, PledgeState, Rectification, RectificationSource
from pledges.rectification import rectification_create, rectification_update
from reviews.assignments import may_review, period_start, reviewer_organization
from reviews.models import Grade, Review, ReviewForm, ReviewSection

SECTION_FIELDS = ("achievements", "problems", "direction")
SUBJECT_ROLES = {Role.OFFICE, Role.LEADER, Role.SECRETARY}
CURRENT_PLEDGE_STATES = (PledgeState.PUBLISHED, PledgeState.IN_PROGRESS)


@dataclass(frozen=True)
class SectionText:
    achievements: str = ""
    problems: str = ""
    direction: str = ""
    grade: str = ""


# ---------------------------------------------------------------------------
# Reads and permissions
# ---------------------------------------------------------------------------


def standard_for(campaign: Campaign, member: Member | None) -> Standard | None:
    """五带头 for a member, 五个好 for an organization (one query)."""
    subject = StandardSubject.MEMBER if member is not None else StandardSubject.ORGANIZATION
    return Standard.objects.filter(campaign=campaign, subject=subject).first()


def review_dimensions(campaign: Campaign, member: Member | None) -> list[StandardDimension]:
    """The dimensions a review of this kind of subject has one section each for (one query)."""
    subject = StandardSubject.MEMBER if member is not None else StandardSubject.ORGANIZATION
    return list(
        StandardDimension.objects.filter(standard__campaign=campaign, standard__subject=subject).order_by("order", "pk")
    )


def current_pledge(campaign: Campaign, organization: Organization, member: Member | None) -> Pledge | None:
    """The subject's published pledge in the campaign (one query)."""
    pledges = Pledge.objects.filter(campaign=campaign, organization=organization, state__in=CURRENT_PLEDGE_STATES)
    pledges = pledges.filter(member=member) if member is not None else pledges.filter(member__isnull=True)
    return pledges.order_by("-published_on", "-pk").first()


def edit_deadline(review: Review) -> datetime.datetime:
    return review.created_at + datetime.timedelta(days=review.campaign.review_edit_days)


def is_frozen(review: Review, now: datetime.datetime | None = None) -> bool:
    return (now or timezone.now()) >= edit_deadline(review)


def may_edit_review(user: User, review: Review) -> bool:
    return review.reviewer_id == user.pk and not is_frozen(review)


def is_subject(user: User, review: Review) -> bool:
    """The member reviewed; for an organization, the accounts anchored at it."""
    if review.member_id is not None:
        return user.member_id is not None and user.member_id == review.member_id
    return user.organization_id == review.organization_id and user.role in SUBJECT_ROLES


def may_see_history(user: User, review: Review) -> bool:
    """The reviewer, the office and those above the subject; not the subject itself."""
    if user.is_superuser or user.pk == review.reviewer_id:
        return True
    if is_subject(user, review) or user.organization_id is None:
        return False
    scope = user_scope(user)
    if not scope.can_change(review.organization):
        return False
    if user.role == Role.OFFICE:
        return True
    if user.role not in SUBJECT_ROLES:
        return False
    # For a member the branch itself stands above; for an organization only those above it.
    return review.member_id is not None or review.organization_id != user.organization_id


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------


def _clean_sections(dimensions: list[StandardDimension], sections: dict) -> dict[int, SectionText]:
    expected = {dimension.pk for dimension in dimensions}
    if not expected:
        raise ValidationError(_("这项活动还没有设定争创标准，暂不能点评。"))
    given = {int(key) for key in sections}
    if given != expected:
        raise ValidationError(_("点评内容须与争创标准的各项一一对应。"))
    cleaned = {}
    for key, values in sections.items():
        text = SectionText(
            **{name: (values.get(name) or "").strip() for name in SECTION_FIELDS},
            grade=values.get("grade") or "",
        )
        if text.grade and text.grade not in Grade.values:
            raise ValidationError(_("等次只能选优秀、良好、一般或较差。"))
        cleaned[int(key)] = text
    if not any(getattr(text, name) for text in cleaned.values() for name in SECTION_FIELDS):
        raise ValidationError(_("点评内容不能全部空着，请至少对一项标准写出成绩、问题或努力方向。"))
    return cleaned


def _check_basics(*, campaign: Campaign, organization: Organization, form: str, reviewed_on: datetime.date) -> None:
    if form not in ReviewForm.values:
        raise ValidationError(_("请选择点评方式。"))
    if reviewed_on > timezone.localdate():
        raise ValidationError(_("点评日期不能晚于今天。"))
    if not campaign.starts_on <= reviewed_on <= campaign.ends_on:
        raise ValidationError(
            _("点评日期应在活动期间（%(start)s 至 %(end)s）内。")
            % {"start": f"{campaign.starts_on:%Y-%m-%d}", "end": f"{campaign.ends_on:%Y-%m-%d}"}
        )
    if not organization.is_within(campaign.organization):
        raise ValidationError(_("被点评对象不在这项活动的范围内。"))


def _rectification_text(dimensions: list[StandardDimension], sections: dict[int, SectionText]) -> tuple[str, str]:
    problems, measures = [], []
    for dimension in dimensions:
        text = sections[dimension.pk]
        if text.problems:
            problems.append(f"{dimension.name}：{text.problems}")
        if text.direction:
            measures.append(f"{dimension.name}：{text.direction}")
    if not problems or not measures:
        raise ValidationError(_("需要整改时，请写明存在的问题和努力方向、整改措施。"))
    return "\n".join(problems), "\n".join(measures)


def _check_deadline(deadline: datetime.date | None, reviewed_on: datetime.date) -> datetime.date:
    if deadline is None:
        raise ValidationError(_("需要整改时，请填写整改时限。"))
    if deadline < reviewed_on:
        raise ValidationError(_("整改时限不能早于点评日期。"))
    return deadline


def _save_sections(review: Review, sections: dict[int, SectionText], by: User) -> None:
    existing = {section.dimension_id: section for section in ReviewSection.objects.filter(review=review)}
    for dimension_id, text in sections.items():
        section = existing.get(dimension_id) or ReviewSection(review=review, dimension_id=dimension_id)
        changed = section.pk is None or any(
            getattr(section, name) != getattr(text, name) for name in (*SECTION_FIELDS, "grade")
        )
        if not changed:
            continue
        for name in (*SECTION_FIELDS, "grade"):
            setattr(section, name, getattr(text, name))
        section._history_user = by
        section.save()


@transaction.atomic
def review_create(
    *,
    campaign: Campaign,
    organization: Organization,
    member: Member | None,
    form: str,
    reviewed_on: datetime.date,
    sections: dict,
    requires_rectification: bool,
    rectification_deadline: datetime.date | None = None,
    by: User,
) -> Review:
    if not may_review(by, organization, member):
        raise PermissionDenied(_("按照点评分工，您不负责点评这一对象。"))
    _check_basics(campaign=campaign, organization=organization, form=form, reviewed_on=reviewed_on)
    dimensions = review_dimensions(campaign, member)
    cleaned = _clean_sections(dimensions, sections)
    rectification = None
    if requires_rectification:
        deadline = _check_deadline(rectification_deadline, reviewed_on)
        problem, measure = _rectification_text(dimensions, cleaned)
        rectification = rectification_create(
            campaign=campaign,
            organization=organization,
            member=member,
            source=RectificationSource.REVIEW,
            category=str(RectificationSource.REVIEW.label),
            problem=problem,
            measure=measure,
            owner=member.name if member else organization.name,
            deadline=deadline,
            by=by,
        )
    review = Review(
        campaign=campaign,
        period_start=period_start(campaign, reviewed_on),
        reviewer=by,
        reviewer_organization=reviewer_organization(by),
        organization=organization,
        member=member,
        form=form,
        reviewed_on=reviewed_on,
        requires_rectification=requires_rectification,
        rectification=rectification,
    )
    review._history_user = by
    review.save()
    _save_sections(review, cleaned, by)
    return review


@transaction.atomic
def review_update(
    *,
    review: Review,
    form: str,
    reviewed_on: datetime.date,
    sections: dict,
    requires_rectification: bool,
    rectification_deadline: datetime.date | None = None,
    by: User,
) -> Review:
    """Change a review while its author may; every change lands in the history."""
    if review.reviewer_id != by.pk:
        raise PermissionDenied(_("只有点评人本人可以修改点评。"))
    # Lock the row so the window is judged on what is stored, not on a stale copy.
    review = Review.objects.select_for_update().select_related("campaign").get(pk=review.pk)
    if is_frozen(review):
        raise ValidationError(_("点评已超过可修改期限，已归档，不能再修改。"))
    _check_basics(campaign=review.campaign, organization=review.organization, form=form, reviewed_on=reviewed_on)
    member = review.member
    dimensions = review_dimensions(review.campaign, member)
    cleaned = _clean_sections(dimensions, sections)
    if requires_rectification:
        deadline = _check_deadline(rectification_deadline, reviewed_on)
        problem, measure = _rectification_text(dimensions, cleaned)
        if review.rectification_id is None:
            review.rectification = rectification_create(
                campaign=review.campaign,
                organization=review.organization,
                member=member,
                source=RectificationSource.REVIEW,
                category=str(RectificationSource.REVIEW.label),
                problem=problem,
                measure=measure,
                owner=member.name if member else review.organization.name,
                deadline=deadline,
                by=by,
            )
        else:
            rectification = Rectification.objects.get(pk=review.rectification_id)
            if (rectification.problem, rectification.measure, rectification.deadline) != (problem, measure, deadline):
                rectification._history_user = by
                rectification_update(
                    rectification=rectification, problem=problem, measure=measure, deadline=deadline, by=by
                )
    elif review.rectification_id is not None:
        # The task may already be under way; it is closed where tasks are handled.
        raise ValidationError(_("这次点评已生成整改任务，不能取消“需要整改”；如已整改到位，请到整改任务中办结。"))
    review.form = form
    review.reviewed_on = reviewed_on
    review.period_start = period_start(review.campaign, reviewed_on)
    review.requires_rectification = requires_rectification
    review._history_user = by
    review.save()
    _save_sections(review, cleaned, by)
    return review


@transaction.atomic
def review_acknowledge(*, review: Review, by: User) -> Review:
    """The subject confirms having read the review (确认阅知), once."""
    if not is_subject(by, review):
        raise PermissionDenied(_("只有被点评的党员或党组织可以确认阅知。"))
    now = timezone.now()
    updated = Review.objects.filter(pk=review.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=by
    )
    if updated != 1:
        raise ValidationError(_("这次点评已经确认阅知过了。"))
    review.refresh_from_db()
    # update() writes no history row; this save does, with who acknowledged.
    review._history_user = by
    review.save(update_fields=["updated_at"])
    return review


@transaction.atomic
def review_start_revision(*, review: Review, pledge: Pledge, by: User) -> Pledge:
    """Open a revision of the subject's published pledge that points back to the review."""
    if not is_subject(by, review):
        raise PermissionDenied(_("只有被点评的党员或党组织可以依据点评修改承诺。"))
    if (
        pledge.campaign_id != review.campaign_id
        or pledge.organization_id != review.organization_id
        or pledge.member_id != review.member_id
    ):
        raise ValidationError(_("只能修改被点评对象在这项活动中的承诺。"))
    pledge = pledge_revise(pledge=pledge, by=by)
    pledge.revised_after_review = review
    pledge._history_user = by
    pledge.save(update_fields=["revised_after_review", "updated_at"])
    return pledge
