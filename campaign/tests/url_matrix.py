"""The URL scope matrix's vocabulary: roles, rules and objects inside and outside
each role's subtree. Each area keeps its rules in a ``url_rules*.py`` module of its
app's tests; campaign/tests/test_url_scope.py collects them all."""

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ["office", "leader", "inspector", "secretary", "member"]
EVERYONE = frozenset(ROLES)


@dataclass
class Rule:
    method: str = "GET"
    # (county, role, where) -> URL arguments; where is "inside" or "outside" the role's
    # scope. It may create the objects it needs on the county namespace.
    args: Callable | None = None
    public: bool = False  # answers without login
    allowed: set = field(default_factory=lambda: EVERYONE)  # roles that may act inside their scope
    scoped: bool = True  # outside the scope → 404
    ok: int = 200  # status when allowed
    denied: int = 403  # status for a role not allowed


def inside_org(c, role):
    return {
        "office": c.branch_a1,
        "leader": c.branch_a1,
        "inspector": c.branch_b1,
        "secretary": c.branch_a1,
        "member": c.branch_a1,
    }[role]


def outside_org(c, role):
    return {
        "office": c.other_county,
        "leader": c.branch_b1,
        "inspector": c.branch_a1,
        "secretary": c.branch_b1,
        "member": c.branch_b1,
    }[role]


def inside_member(c, role):
    # A member with an account, so password resets have something to act on.
    return {
        "office": c.member_a1,
        "leader": c.member_a1,
        "inspector": c.member_b1,
        "secretary": c.member_a1,
        "member": c.member_a1,
    }[role]


def outside_member(c, role):
    return {
        "office": c.other_county_member,
        "leader": c.member_b1,
        "inspector": c.member_a1,
        "secretary": c.member_b1,
        "member": c.other_member_a1,
    }[role]


def org_code(c, role, where):
    return [(inside_org if where == "inside" else outside_org)(c, role).code]


def member_pk(c, role, where):
    return [(inside_member if where == "inside" else outside_member)(c, role).pk]
