from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from orgs.models import Member
from orgs.scoping import access_organization, user_scope
from orgs.selectors import ancestors, children_with_member_counts, leadership_team

MEMBERS_PER_PAGE = 50


@login_required
def organization_detail(request, code: str):
    organization = access_organization(request.user, code)
    members = organization.members.order_by("name")
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    children = children_with_member_counts(organization)
    return render(
        request,
        "orgs/organization_detail.html",
        {
            "organization": organization,
            "ancestors": ancestors(organization),
            "team": leadership_team(organization),
            "party_children": [node for node in children if not node.organization.is_mass_organization],
            "mass_children": [node for node in children if node.organization.is_mass_organization],
            "members_page": page,
            "can_change": user_scope(request.user).can_change(organization),
        },
    )


@login_required
def member_detail(request, pk: int):
    # The scoped manager answers 404 alike for a member that does not exist and one outside the user's scope.
    member = get_object_or_404(Member.objects.select_related("organization"), pk=pk)
    return render(request, "orgs/member_detail.html", {"member": member, "ancestors": ancestors(member.organization, include_self=True)})
