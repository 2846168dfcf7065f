from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from orgs.scoping import user_scope
from orgs.selectors import organization_search, tree_with_member_counts, visible_roots


@login_required
def home(request):
    """Each role's home page: where the user stands in the tree and what lies below."""
    roots = visible_roots(request.user)
    query = request.GET.get("q", "").strip()
    tree, truncated = tree_with_member_counts(roots)
    matches = organization_search(roots, query) if query else None
    return render(
        request,
        "campaign/home.html",
        {
            "roots": roots,
            "tree": tree,
            "truncated": truncated,
            "query": query,
            "matches": matches,
            "scope": user_scope(request.user),
        },
    )


@require_GET
def health(request):
    """For load balancers and the run script: answers once the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
