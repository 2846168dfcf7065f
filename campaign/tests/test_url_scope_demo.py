"""The URL scope matrix of test_url_scope.py over the demo county of ``manage.py load_demo``.

The small test county has a handful of rows; the demo has the whole county and two and a
half years of work in it, where a page that leaks across subtrees or breaks on real data
shows. The same rules run with the same expectations: the namespace below gives the
rules' names (branch_a1, leader_a, ...) to demo organizations and accounts that stand in
the same relation to one another.

The load takes most of a minute, so it runs once for the module inside a transaction
rolled back at the end; each case runs in a savepoint of its own on top of it.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from campaign.campaigns.models import Campaign
from campaign.tests.url_matrix import ACCOUNTS, ROLES, cases, check_logged_out, check_url_for_role, collect_rules
from orgs.models import MemberStatus, OrganizationKind, Post, Role, Sector, User
from orgs.scoping import unscoped
from orgs.tests.factories import make_member, make_organization, make_user

# Every test asks for the database, so that pytest-django keeps them together: a test
# moved behind another module's would load the demo a second time.
pytestmark = pytest.mark.django_db

RULES = collect_rules()


@dataclass(frozen=True)
class Actor:
    """A demo account playing one of the matrix's roles: in its cases it stands in for
    that role's account, so the rules' objects (its own reminder, say) are its own."""

    account: str  # attribute of the namespace
    role: str  # whose objects and expectations the rules give it
    # A superuser has nothing outside its scope to try: it takes the inside cases only.
    superuser: bool = False
    # URL name -> status where the account answers otherwise than its role does.
    unlike_role: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "superuser" if self.superuser else self.role


# 系统管理员 has no organization of its own, so what is done in an organization's name
# (nominating, recommending a level up, reporting, leader reviews) is refused, and the
# rectification form, given no organization, asks for one.
ADMIN_WITHOUT_ORGANIZATION = {
    "campaign:nomination_create": 403,
    "campaign:nomination_recommend": 403,
    "campaign:report_create": 403,
    "pledges:rectification_create": 404,
    "reviews:due": 403,
    "reviews:review_create": 403,
}

# One actor per kind of account the demo creates (test_every_kind_of_demo_account_is_covered).
ACTORS = {
    **{role: Actor(ACCOUNTS[role], role) for role in ROLES},
    "admin": Actor("admin", Role.OFFICE, superuser=True, unlike_role=ADMIN_WITHOUT_ORGANIZATION),
}


def account_kind(user: User) -> str:
    return "superuser" if user.is_superuser else user.role


@dataclass(frozen=True)
class LoadedDemo:
    namespace: SimpleNamespace
    account_kinds: frozenset[str]


def _plain_member_without_account(organization, *, besides=()):
    return (
        organization.members.filter(post=Post.MEMBER, status=MemberStatus.FULL, user__isnull=True)
        .exclude(pk__in=[member.pk for member in besides])
        .order_by("pk")
        .first()
    )


def demo_namespace() -> SimpleNamespace:
    """The rules' names for demo objects, found through the demo accounts: the leader's
    township holds the secretary's branch and the member; the second secretary's branch
    is in a township the inspection group inspects and the leader does not lead."""
    users = {user.username: user for user in User.objects.select_related("organization", "member")}
    c = SimpleNamespace(
        office=users["office"],
        admin=users["admin"],
        leader_a=users["leader"],
        inspector_b=users["inspector"],
        secretary_user_a1=users["secretary"],
        secretary_user_b1=users["secretary2"],
        member_user_a1=users["member"],
    )
    c.county = c.office.organization
    # The demo's campaign: rules that need one use it rather than start a second, which
    # would have every page ask which campaign to work in.
    c.campaign = Campaign.objects.get(organization=c.county)
    c.township_a = c.leader_a.organization
    c.branch_a1 = c.secretary_user_a1.organization
    c.branch_b1 = c.secretary_user_b1.organization
    c.township_b = c.branch_b1.parent
    c.branch_a2 = c.township_a.children.filter(kind=OrganizationKind.BRANCH).exclude(pk=c.branch_a1.pk).first()
    c.secretary_a1 = c.secretary_user_a1.member
    c.secretary_b1 = c.secretary_user_b1.member
    c.member_a1 = c.member_user_a1.member
    c.other_member_a1 = _plain_member_without_account(c.branch_a1, besides=[c.member_a1])
    c.member_b1 = _plain_member_without_account(c.branch_b1)
    inspected = set(c.inspector_b.inspected_organizations.all())
    assert c.branch_a1.parent == c.township_a and c.member_a1.organization == c.branch_a1, "demo accounts moved"
    assert c.township_b != c.township_a and c.township_b in inspected and c.township_a not in inspected
    # As on the small county: the other branch's member has an account to reset, and
    # another county gives the office something outside its scope.
    make_user("matrix_member_b1", Role.MEMBER, member=c.member_b1)
    c.other_county = make_organization("另一县委", kind=OrganizationKind.COUNTY_COMMITTEE, sector=Sector.ORGAN)
    c.other_county_member = make_member(c.other_county, "外县党员")
    return c


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        call_command("load_demo", quiet=True)
        with unscoped("test"):
            kinds = frozenset(account_kind(user) for user in User.objects.all())
            namespace = demo_namespace()
        # Each case ends with a check of the foreign keys deferred so far. On PostgreSQL
        # the load's own would be checked again after every case (a savepoint's rollback
        # puts them back in the queue), a few seconds each: check them here, once.
        connection.check_constraints()
        yield LoadedDemo(namespace, kinds)
        transaction.set_rollback(True)


@pytest.fixture
def demo_county(demo, db):
    """A fresh namespace per case: rules keep the objects they create on it, and those
    are rolled back with the case."""
    return SimpleNamespace(**vars(demo.namespace))


def test_every_kind_of_demo_account_is_covered(demo):
    covered = {actor.kind for actor in ACTORS.values()}
    missing = sorted(demo.account_kinds - covered)
    assert not missing, f"Demo accounts of kinds without matrix cases: {missing}"


CASES = [
    (name, actor_name, where)
    for actor_name, actor in ACTORS.items()
    for name, _role, where in cases(RULES, roles=[actor.role])
    if where == "inside" or not actor.superuser
]


@pytest.mark.parametrize(("name", "actor", "where"), CASES)
def test_url_answers_on_the_demo_county(client, demo_county, name, actor, where):
    actor = ACTORS[actor]
    setattr(demo_county, ACCOUNTS[actor.role], getattr(demo_county, actor.account))
    expected = actor.unlike_role.get(name)
    check_url_for_role(client, demo_county, name, RULES[name], actor.role, where, expected=expected)


# Sending a visitor to the login does not depend on the data: only the public pages,
# which show demo data without a login, are worth a case here.
@pytest.mark.parametrize("name", [name for name, rule in RULES.items() if rule.public])
def test_public_pages_answer_logged_out_on_the_demo_county(client, demo_county, name):
    check_logged_out(client, demo_county, name, RULES[name])
