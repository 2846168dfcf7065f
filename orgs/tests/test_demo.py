import datetime
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from campaign.devdata.demo_county import DEMO_PASSWORD, SPEECH_DATE
from orgs.access import scope_for_user
from orgs.models import Member, MemberStatus, Organization, OrganizationKind, Post, Role, Sector, User

pytestmark = pytest.mark.django_db

K = OrganizationKind


def load_demo(*args):
    """The county, its accounts and the campaign; its work is tested in campaign/tests/test_demo_activity.py."""
    out = StringIO()
    call_command("load_demo", "--no-activity", *args, stdout=out)
    return out.getvalue()


def printed_accounts(output):
    """username -> password, read from the account table the command prints."""
    accounts = {}
    for line in output.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 5 and re.fullmatch(r"[a-z0-9]+", cells[0]):
            accounts[cells[0]] = cells[1]
    return accounts


def database_rows():
    return (
        list(Organization.objects.order_by("pk").values()),
        list(Member.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values()),
        [(user.pk, sorted(user.inspected_organizations.values_list("pk", flat=True))) for user in User.objects.all()],
    )


def test_load_demo_builds_the_county_of_the_speech():
    load_demo("--quiet")

    assert 50 <= Organization.objects.count() <= 80
    assert 550 <= Member.objects.count() <= 700
    county = Organization.objects.get(code="SN")
    assert (county.name, county.kind, county.parent) == ("中共肃南裕固族自治县委员会", K.COUNTY_COMMITTEE, None)
    expected = {
        # name: (kind, sector, parent's name)
        "红湾寺镇党委": (K.COMMITTEE, Sector.RURAL, county.name),
        "县直机关工委": (K.WORKING_COMMITTEE, Sector.ORGAN, county.name),
        "非公企业工委": (K.WORKING_COMMITTEE, Sector.ENTERPRISE, county.name),
        "公安局党委": (K.COMMITTEE, Sector.ORGAN, county.name),
        "卫生局党委": (K.COMMITTEE, Sector.INSTITUTION, county.name),
        "交通局党委": (K.COMMITTEE, Sector.ORGAN, county.name),
        "教育党总支": (K.GENERAL_BRANCH, Sector.INSTITUTION, county.name),
        "红湾社区党支部": (K.BRANCH, Sector.COMMUNITY, "红湾寺镇党委"),
        "许三湾村党支部": (K.BRANCH, Sector.RURAL, "明花乡党委"),
        "北极村党支部": (K.BRANCH, Sector.RURAL, "皇城镇党委"),
    }
    for name, (kind, sector, parent) in expected.items():
        organization = Organization.objects.get(name=name)
        assert (organization.kind, organization.sector, organization.parent.name) == (kind, sector, parent), name
    townships = Organization.objects.filter(parent=county, kind=K.COMMITTEE).exclude(
        name__in=["公安局党委", "卫生局党委", "交通局党委"]
    )
    assert townships.count() >= 5


def test_demo_has_every_sector_mass_organizations_and_varied_depth():
    load_demo("--quiet")

    assert set(Organization.objects.values_list("sector", flat=True)) == set(Sector.values)
    assert set(Organization.objects.values_list("kind", flat=True)) == set(K.values)
    depths = Counter(organization.depth for organization in Organization.objects.all())
    assert max(depths) == 3 and depths[3] >= 3
    for organization in Organization.objects.filter(kind__in=K.mass_organizations()):
        assert not organization.parent.is_mass_organization
        assert not organization.children.exists() and not organization.members.exists()


def test_every_path_follows_its_parent():
    load_demo("--quiet")

    for organization in Organization.objects.select_related("parent"):
        if organization.parent is None:
            assert organization.depth == 0
        else:
            assert organization.path.startswith(organization.parent.path)
            assert organization.depth == organization.parent.depth + 1


def test_demo_members_are_plausible():
    load_demo("--quiet")

    for organization in Organization.objects.exclude(kind__in=K.mass_organizations()):
        posts = Counter(organization.members.values_list("post", flat=True))
        assert posts[Post.SECRETARY] == 1, organization.name
    members = list(Member.objects.all())
    for member in members:
        age_at_joining = (
            member.joined_date.year
            - member.birth_date.year
            - ((member.joined_date.month, member.joined_date.day) < (member.birth_date.month, member.birth_date.day))
        )
        assert age_at_joining >= 18, member
        assert member.joined_date < SPEECH_DATE
        assert datetime.date(1945, 1, 1) <= member.birth_date <= datetime.date(1990, 12, 31)
        if member.status == MemberStatus.PROBATIONARY:
            assert member.joined_date >= datetime.date(2009, 11, 3) and member.post == Post.MEMBER
        assert member.phone == "" or re.fullmatch(r"1[3-9]\d{9}", member.phone)
    assert any(member.status == MemberStatus.PROBATIONARY for member in members)
    ethnicities = Counter(member.ethnicity for member in members)
    assert {"汉族", "裕固族", "藏族", "蒙古族", "回族", "土族"} <= set(ethnicities)
    assert ethnicities["汉族"] * 2 > len(members)
    assert {member.gender for member in members} == {"male", "female"}


def test_every_role_has_an_account_that_logs_in_with_the_printed_password(client):
    output = load_demo()

    accounts = printed_accounts(output)
    assert set(accounts) == {
        "office",
        "leader",
        "inspector",
        "secretary",
        "secretary2",
        "secretary3",
        "member",
        "weisheng",
        "weishengyuan",
        "duchazu",
        "jiaotong",
        "admin",
    }
    assert {user.role for user in User.objects.all()} >= set(Role.values)
    for username, password in accounts.items():
        assert client.login(username=username, password=password), username
        client.logout()


def test_demo_accounts_are_linked_and_scoped_as_printed():
    load_demo("--quiet")
    users = {user.username: user for user in User.objects.all()}
    community = Organization.objects.get(name="红湾社区党支部")
    north_pole = Organization.objects.get(name="北极村党支部")

    assert users["admin"].is_superuser
    assert users["office"].is_staff and users["office"].groups.filter(name="县委创先争优办").exists()
    assert users["office"].has_perm("orgs.change_member") and not users["office"].has_perm("orgs.change_user")
    assert users["leader"].member.post == Post.SECRETARY
    assert users["leader"].member.organization.name == "红湾寺镇党委"
    assert users["secretary"].member.organization == community and users["secretary"].member.post == Post.SECRETARY
    assert users["member"].member.organization == community and users["member"].member.post == Post.MEMBER
    secretary = scope_for_user(users["secretary"])
    assert secretary.contains(community) and not secretary.contains(north_pole)
    assert scope_for_user(users["secretary2"]).contains(north_pole)
    inspector = scope_for_user(users["inspector"])
    assert inspector.contains(north_pole) and not inspector.contains(community)
    assert not inspector.can_change(north_pole)


def test_office_can_open_the_admin(client):
    load_demo("--quiet")

    client.login(username="office", password=DEMO_PASSWORD)
    assert client.get("/admin/orgs/member/").status_code == 200
    assert client.get("/admin/pledges/pledge/").status_code == 200
    assert client.get("/admin/campaign/campaign/").status_code == 200


def test_second_run_creates_and_changes_nothing():
    load_demo("--quiet")
    before = database_rows()

    output = load_demo()

    assert database_rows() == before
    assert "已存在" in output
    assert set(printed_accounts(output)) == {user.username for user in User.objects.all()}


def test_second_run_keeps_a_changed_password_but_restores_the_links(client):
    load_demo("--quiet")
    secretary = User.objects.get(username="secretary")
    secretary.set_password("xin-mima-2010")
    secretary.role = Role.MEMBER
    secretary.save()

    load_demo("--quiet")

    secretary.refresh_from_db()
    assert secretary.role == Role.SECRETARY
    assert client.login(username="secretary", password="xin-mima-2010")


def test_second_run_fills_in_what_is_missing():
    load_demo("--quiet")
    counts = Organization.objects.count(), Member.objects.count()
    branch = Organization.objects.get(name="南沟村党支部")
    removed = branch.members.filter(post=Post.MEMBER).first()
    removed.delete()

    output = load_demo()

    assert (Organization.objects.count(), Member.objects.count()) == counts
    assert branch.members.filter(name=removed.name, birth_date=removed.birth_date).exists()
    assert "补建了 0 个组织、1 名党员" in output


def test_quiet_prints_nothing():
    assert load_demo("--quiet") == ""
