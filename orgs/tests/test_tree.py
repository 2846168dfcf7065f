import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from orgs.models import Organization, OrganizationKind, path_segment
from orgs.selectors import subtree, tree_with_member_counts
from orgs.services import organization_create, organization_move
from orgs.tests.factories import make_member, make_organization


def test_path_segments_have_fixed_width_and_sort_like_ids():
    assert path_segment(1) == "000001"
    assert path_segment(36) == "000010"
    assert path_segment(35) < path_segment(36) < path_segment(36**2)


def test_subtree_is_one_query_in_tree_order(county, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = [org.name for org in subtree(county.township_a)]
    assert names == ["红湾寺镇党委", "红湾社区党支部", "红湾社区工会", "许三湾村党支部"]


def test_tree_counts_members_of_whole_subtree(county, django_assert_num_queries):
    with django_assert_num_queries(3):
        tree, cut = tree_with_member_counts([county.county])
    assert not cut
    county_node = tree[0]
    assert county_node.member_count == 7
    township_a = county_node.children[0]
    assert (township_a.organization, township_a.member_count) == (county.township_a, 5)


def test_cut_tree_still_counts_members_below_the_cut(county):
    tree, cut = tree_with_member_counts([county.county], max_nodes=2, levels_when_cut=1)
    assert cut
    township_a = tree[0].children[0]
    assert township_a.children == [] and township_a.member_count == 5


def test_move_rehangs_whole_subtree(county):
    organization_move(organization=county.branch_a1, new_parent=county.township_b)
    union = Organization.objects.get(pk=county.union_a1.pk)
    assert union.path.startswith(county.township_b.path)
    assert set(subtree(county.township_b).values_list("name", flat=True)) >= {"红湾社区党支部", "红湾社区工会"}


def test_move_under_own_descendant_is_refused(county):
    with pytest.raises(ValidationError):
        organization_move(organization=county.township_a, new_parent=county.branch_a1)


def test_mass_organization_cannot_have_children(county):
    with pytest.raises(ValidationError):
        organization_create(
            code="X1", name="下级", kind=OrganizationKind.BRANCH, sector="rural", parent=county.union_a1
        )


def test_leadership_team_comes_from_posts(county, client):
    make_member(county.branch_a1, "妥建华", post="deputy")
    client.force_login(county.office)
    page = client.get(county.branch_a1.get_absolute_url())
    team = page.context["team"]
    assert [m.name for m in team] == ["安秀英", "妥建华"]


@pytest.mark.postgres
def test_subtree_query_uses_the_path_index_on_postgresql(county):
    # Enough rows that the planner would not scan anyway is slow to build; telling it
    # to avoid sequential scans shows whether an index *can* answer LIKE 'prefix%'.
    parent = county.township_a
    for index in range(200):
        make_organization(f"支部{index}", parent=parent)
    queryset = subtree(parent).only("id")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index" in plan and "~>=~" in plan, plan  # a range scan on the pattern-ops index
