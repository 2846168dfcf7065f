import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from orgs.models import Member, Organization


@pytest.fixture
def staff_secretary(county):
    user = county.secretary_user_a1
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="orgs",
            codename__in=[
                "view_member",
                "change_member",
                "view_organization",
                "change_organization",
            ],
        )
    )
    return user


def change_url(obj):
    return reverse(f"admin:orgs_{obj._meta.model_name}_change", args=[obj.pk])


def test_admin_lists_only_the_secretarys_branch(client, county, staff_secretary):
    client.force_login(staff_secretary)
    members = client.get(reverse("admin:orgs_member_changelist"))
    assert members.status_code == 200
    shown = set(members.context["cl"].queryset.values_list("name", flat=True))
    assert shown == {"安秀英", "钟建军", "兰永福"}
    organizations = client.get(reverse("admin:orgs_organization_changelist"))
    assert set(organizations.context["cl"].queryset) == {county.branch_a1, county.union_a1}


def test_admin_answers_404_for_another_branch(client, county, staff_secretary):
    client.force_login(staff_secretary)
    assert client.get(change_url(county.member_a1)).status_code == 200
    assert client.get(change_url(county.member_b1)).status_code == 404
    assert client.get(change_url(county.branch_b1)).status_code == 404
    response = client.post(change_url(county.member_b1), {"name": "改名"})
    assert response.status_code == 404
    assert Member.objects.get(pk=county.member_b1.pk).name == "安国庆"


def test_admin_cannot_hang_an_organization_outside_the_scope(client, county, staff_secretary):
    client.force_login(staff_secretary)
    response = client.post(
        change_url(county.branch_a1),
        {
            "code": county.branch_a1.code,
            "name": "红湾社区党支部",
            "kind": "branch",
            "sector": "community",
            "parent": county.township_b.pk,
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert Organization.objects.get(pk=county.branch_a1.pk).parent_id == county.township_a.pk


def test_inspector_cannot_change_in_admin(client, county):
    inspector = county.inspector_b
    inspector.is_staff = True
    inspector.save()
    inspector.user_permissions.set(Permission.objects.filter(codename__in=["view_member", "change_member"]))
    client.force_login(inspector)
    response = client.get(change_url(county.member_b1))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    client.post(change_url(county.member_b1), {"name": "改名"})
    assert Member.objects.get(pk=county.member_b1.pk).name == "安国庆"


def test_the_trees_refusals_come_back_as_form_errors_not_a_500(admin_client, county):
    from orgs.services import MAX_DEPTH, organization_create

    deepest = county.county
    for level in range(2, MAX_DEPTH + 1):
        deepest = organization_create(
            code=f"L{level}", name=f"第{level}级支部", kind="branch", sector="other", parent=deepest
        )
    count = Organization.objects.count()

    too_deep = admin_client.post(
        reverse("admin:orgs_organization_add"),
        {"code": "L43", "name": "第43级支部", "kind": "branch", "sector": "other", "parent": deepest.pk},
    )
    assert too_deep.status_code == 200
    assert "组织树最多 42 级" in too_deep.content.decode()
    assert Organization.objects.count() == count

    township = county.township_a
    into_itself = admin_client.post(
        change_url(township),
        {"code": township.code, "name": township.name, "kind": township.kind, "sector": township.sector}
        | {"parent": county.branch_a1.pk},
    )
    assert into_itself.status_code == 200
    assert "会形成循环" in into_itself.content.decode()
    assert Organization.objects.get(pk=county.township_a.pk).parent_id == county.county.pk
