"""Small object graphs for tests, built through the services like real data."""

import datetime
import itertools
from types import SimpleNamespace

from orgs.models import Member, MemberStatus, OrganizationKind, Post, Role, Sector, User
from orgs.services import organization_create

_codes = itertools.count(1)
PASSWORD = "ceshi-mima-2010"


def make_organization(name, *, parent=None, kind=OrganizationKind.BRANCH, sector=Sector.RURAL, code=None):
    return organization_create(code=code or f"T{next(_codes):05d}", name=name, kind=kind, sector=sector, parent=parent)


def make_member(organization, name, *, post=Post.MEMBER, birth=datetime.date(1975, 5, 1), **fields):
    return Member.objects.create(
        organization=organization,
        name=name,
        gender=fields.pop("gender", "male"),
        ethnicity=fields.pop("ethnicity", "裕固族"),
        birth_date=birth,
        joined_date=fields.pop("joined_date", datetime.date(2001, 7, 1)),
        post=post,
        **fields,
    )


def make_staff(organization, name, *, status=MemberStatus.MASSES, job_title="护士", **fields):
    """Someone on a unit's roster outside the party: no joined date, the plain post."""
    return make_member(organization, name, status=status, joined_date=None, job_title=job_title, **fields)


def make_user(username, role, *, organization=None, member=None, inspected=(), **fields):
    user = User.objects.create_user(
        username=username, password=PASSWORD, role=role, organization=organization, member=member, **fields
    )
    if inspected:
        user.inspected_organizations.set(inspected)
    return user


def build_small_county():
    c = SimpleNamespace()
    c.county = make_organization("测试县委", kind=OrganizationKind.COUNTY_COMMITTEE, sector=Sector.ORGAN)
    c.township_a = make_organization("红湾寺镇党委", parent=c.county, kind=OrganizationKind.COMMITTEE)
    c.township_b = make_organization("康乐乡党委", parent=c.county, kind=OrganizationKind.COMMITTEE)
    c.branch_a1 = make_organization("红湾社区党支部", parent=c.township_a, sector=Sector.COMMUNITY)
    c.branch_a2 = make_organization("许三湾村党支部", parent=c.township_a)
    c.branch_b1 = make_organization("北极村党支部", parent=c.township_b)
    c.union_a1 = make_organization("红湾社区工会", parent=c.branch_a1, kind=OrganizationKind.TRADE_UNION)

    c.secretary_a1 = make_member(c.branch_a1, "安秀英", post=Post.SECRETARY, gender="female")
    c.member_a1 = make_member(c.branch_a1, "钟建军")
    c.other_member_a1 = make_member(c.branch_a1, "兰永福", birth=datetime.date(1980, 3, 2))
    c.member_a2 = make_member(c.branch_a2, "贺玉梅", gender="female")
    c.secretary_b1 = make_member(c.branch_b1, "杜德明", post=Post.SECRETARY)
    c.member_b1 = make_member(c.branch_b1, "安国庆")
    c.township_a_secretary = make_member(c.township_a, "柯长林", post=Post.SECRETARY)

    c.office = make_user("office", Role.OFFICE, organization=c.county)
    c.leader_a = make_user("leader_a", Role.LEADER, organization=c.township_a, member=c.township_a_secretary)
    c.inspector_b = make_user("inspector_b", Role.INSPECTOR, inspected=[c.township_b])
    c.secretary_user_a1 = make_user("secretary_a1", Role.SECRETARY, organization=c.branch_a1, member=c.secretary_a1)
    c.secretary_user_b1 = make_user("secretary_b1", Role.SECRETARY, organization=c.branch_b1, member=c.secretary_b1)
    c.member_user_a1 = make_user("member_a1", Role.MEMBER, member=c.member_a1)
    return c
