"""Reads of the organization tree that take more than one line."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Q, QuerySet, TextChoices, Value, When
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import PATH_SEGMENT_LENGTH, Member, MemberStatus, Organization, Post, Reminder, User


def subtree(organization: Organization) -> QuerySet[Organization]:
    """The organization and everything below it, in tree order: one indexed query."""
    return Organization.objects.filter(path__startswith=organization.path)


def subtree_members(organization: Organization) -> QuerySet[Member]:
    return Member.objects.filter(organization__path__startswith=organization.path)


class RosterFilter(TextChoices):
    """Which of an organization's people its roster page lists (政治面貌)."""

    ALL = "", gettext_lazy("全部人员")
    PARTY = "party", gettext_lazy("党员")
    OTHERS = "others", gettext_lazy("非党员")


def roster_filtered(members: QuerySet[Member], choice: str) -> QuerySet[Member]:
    if choice == RosterFilter.PARTY:
        return members.party_members()
    if choice == RosterFilter.OTHERS:
        return members.exclude(status__in=MemberStatus.party())
    return members


def organization_members(organization: Organization) -> QuerySet[Member]:
    """The organization's own people (party members and other staff), its leadership team
    first, then by name."""
    rank = Case(
        *(When(post=post, then=Value(index)) for index, post in enumerate(Post.leadership_team())),
        default=Value(len(Post.leadership_team())),
    )
    return organization.members.annotate(post_rank=rank).order_by("post_rank", "name")


def leadership_team(organization: Organization) -> QuerySet[Member]:
    """班子成员: members of the organization holding a committee post, secretary first."""
    return organization_members(organization).filter(post__in=Post.leadership_team())


@dataclass
class TreeNode:
    organization: Organization
    member_count: int = 0  # party members of this organization and all below it
    children: list[TreeNode] = field(default_factory=list)


# Past this many organizations the home page shows the top two levels only; the
# organization pages browse further down.
FULL_TREE_LIMIT = 1500


def tree_with_member_counts(
    roots: list[Organization], *, max_nodes: int = FULL_TREE_LIMIT, levels_when_cut: int = 2
) -> tuple[list[TreeNode], bool]:
    """The subtrees under ``roots`` as nested nodes, each with its subtree's party-member
    count (the tree is the party's; other staff are on the organizations' rosters).

    Three queries whatever the size. Members are counted grouped by the prefix of
    their organization's path down to the deepest level shown, so a cut tree still
    counts everyone below each node. Returns the nodes and whether the tree was cut.
    """
    if not roots:
        return [], False
    in_roots = Q(pk__in=[])
    member_in_roots = Q(pk__in=[])
    for root in roots:
        in_roots |= Q(path__startswith=root.path)
        member_in_roots |= Q(organization__path__startswith=root.path)
    organizations = Organization.objects.filter(in_roots).order_by("path")
    truncated = organizations.count() > max_nodes
    max_path = 255
    if truncated:
        max_path = min(len(root.path) for root in roots) + levels_when_cut * PATH_SEGMENT_LENGTH
        organizations = organizations.annotate(path_length=Length("path")).filter(path_length__lte=max_path)
    counts = dict(
        Member.objects.party_members()
        .filter(member_in_roots)
        .annotate(prefix=Substr("organization__path", 1, max_path))
        .values("prefix")
        .annotate(count=Count("id"))
        .values_list("prefix", "count")
    )
    nodes = {org.path: TreeNode(org) for org in organizations}
    for prefix, count in counts.items():
        # Walk up from the (possibly cut) path to every shown ancestor.
        for end in range(len(prefix), 0, -PATH_SEGMENT_LENGTH):
            node = nodes.get(prefix[:end])
            if node is not None:
                node.member_count += count
    top: list[TreeNode] = []
    for path, node in nodes.items():
        parent = nodes.get(path[:-PATH_SEGMENT_LENGTH])
        (parent.children if parent else top).append(node)
    return top, truncated


def visible_roots(user) -> list[Organization]:
    """The top organizations of what the user may see (the county for the office)."""
    from orgs.access import user_scope

    scope = user_scope(user)
    if scope.everything:
        return list(Organization.objects.filter(parent__isnull=True))
    if scope.subtree_paths:
        paths = sorted(scope.subtree_paths)
        # An inspection group assigned to a township and one of its branches gets one root.
        tops = [path for path in paths if not any(path != other and path.startswith(other) for other in paths)]
        return list(Organization.objects.filter(path__in=tops))
    return list(Organization.objects.filter(pk__in=scope.own_organization_ids))


SEARCH_LIMIT = 50


def organization_search(roots: list[Organization], query: str) -> list[Organization]:
    """Organizations under the roots whose name or code contains the query."""
    in_roots = Q(pk__in=[])
    for root in roots:
        in_roots |= Q(path__startswith=root.path)
    return list(
        Organization.objects.filter(in_roots)
        .filter(Q(name__icontains=query) | Q(code__iexact=query))
        .order_by("path")[:SEARCH_LIMIT]
    )


def ancestors(organization: Organization, *, include_self: bool = False) -> list[Organization]:
    """The ancestors of an organization that the user may see, root first (one query)."""
    paths = organization.ancestor_paths() + ([organization.path] if include_self else [])
    return list(Organization.objects.filter(path__in=paths).order_by("path"))


def children_with_member_counts(organization: Organization) -> list[TreeNode]:
    """Direct children of an organization, each with its subtree's member count."""
    nodes, _cut = tree_with_member_counts([organization], max_nodes=0, levels_when_cut=1)
    return nodes[0].children if nodes else []


def open_reminders(user: User) -> list[Reminder]:
    """The user's own reminders that are neither resolved nor dismissed, newest first (one query)."""
    if not user.is_authenticated:
        return []
    return list(
        Reminder.objects.filter(user=user, resolved_at__isnull=True, dismissed_at__isnull=True).order_by(
            "-created_at", "kind", "pk"
        )
    )


def access_reminder(user: User, pk: int) -> Reminder:
    """One of the user's own reminders; 404 alike for a missing one and another user's."""
    reminder = Reminder.objects.filter(pk=pk, user=user).first() if user.is_authenticated else None
    if reminder is None:
        raise Http404(_("找不到该提醒。"))
    return reminder


def under_roots(path_field: str, roots) -> Q:
    """Rows whose organization (reached by ``path_field``) lies in any of the roots'
    subtrees: one prefix condition per root, whatever the subtrees' size."""
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(**{f"{path_field}__startswith": root.path})
    return q


def subtree_group_key(path_field: str, roots):
    """SQL naming the table line a row falls under: with one root, the path of the
    root's child it lies in (or the root's own path); with several, the root's path."""
    if len(roots) == 1:
        return Substr(path_field, 1, len(roots[0].path) + PATH_SEGMENT_LENGTH)
    return Case(
        *(When(**{f"{path_field}__startswith": root.path}, then=Value(root.path)) for root in roots),
        output_field=CharField(),
    )
