import datetime

from orgs.models import OrganizationKind
from orgs.tests.factories import make_member, make_organization
from reviews.assignments import may_review, period_end, period_start, reviewer_of, subjects_of


def names(subjects):
    return [subject.name for subject in subjects]


def test_township_reviews_its_branches_and_their_leadership_teams(county):
    assert names(subjects_of(county.township_a)) == ["红湾社区党支部", "安秀英", "许三湾村党支部"]


def test_branch_secretary_reviews_the_other_members(county):
    assert names(subjects_of(county.branch_a1)) == ["兰永福", "钟建军"]


def test_county_reviews_townships_and_their_teams(county):
    assert names(subjects_of(county.county)) == ["红湾寺镇党委", "柯长林", "康乐乡党委"]


def test_mass_organizations_are_not_reviewed(county):
    assert reviewer_of(county.union_a1, None) is None
    assert county.union_a1 not in [subject.organization for subject in subjects_of(county.branch_a1)]


def test_lists_follow_a_member_who_moves_and_a_new_secretary(county):
    member = county.member_a1
    member.organization = county.branch_b1
    member.save()
    assert "钟建军" not in names(subjects_of(county.branch_a1))
    assert "钟建军" in names(subjects_of(county.branch_b1))
    # 兰永福 becomes the secretary: now reviewed by the township, not by the branch.
    county.other_member_a1.post = "secretary"
    county.other_member_a1.save()
    assert "兰永福" not in names(subjects_of(county.branch_a1))
    assert "兰永福" in names(subjects_of(county.township_a))


def test_only_the_reviewer_organizations_leaders_may_review(county):
    assert may_review(county.leader_a, county.branch_a1, None)
    assert may_review(county.leader_a, county.branch_a1, county.secretary_a1)
    assert not may_review(county.leader_a, county.branch_a1, county.member_a1)  # the branch reviews him
    assert may_review(county.secretary_user_a1, county.branch_a1, county.member_a1)
    assert not may_review(county.secretary_user_a1, county.branch_a1, county.secretary_a1)  # not herself
    assert not may_review(county.secretary_user_b1, county.branch_a1, county.member_a1)
    assert not may_review(county.office, county.branch_a1, None)  # the township's job, not the county's
    assert not may_review(county.inspector_b, county.branch_b1, None)
    assert not may_review(county.member_user_a1, county.branch_a1, county.other_member_a1)


def test_general_branch_reviews_its_branches(county):
    general = make_organization("卫生党总支", parent=county.county, kind=OrganizationKind.GENERAL_BRANCH)
    hospital = make_organization("县医院党支部", parent=general, sector="institution")
    make_member(hospital, "妥红梅", post="secretary", gender="female")
    assert names(subjects_of(general)) == ["县医院党支部", "妥红梅"]


def test_half_year_periods(campaign):
    assert period_start(campaign, datetime.date(2010, 11, 3)) == datetime.date(2010, 7, 1)
    assert period_end(campaign, datetime.date(2010, 7, 1)) == datetime.date(2010, 12, 31)
    campaign.review_period_months = 3
    assert period_start(campaign, datetime.date(2010, 11, 3)) == datetime.date(2010, 10, 1)
    assert period_end(campaign, datetime.date(2010, 10, 1)) == datetime.date(2010, 12, 31)
