from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaign.models import Campaign
from campaign.tasks import health_probe
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


WORKER_PROBE_TIMEOUT_SECONDS = 5


@require_GET
def health(request):
    """For load balancers and operators: answers once the database does; with
    ?worker=1 also waits for a Celery worker to answer a probe task."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    body = {"status": "ok", "database": connection.vendor, "broker": "redis" if settings.REDIS_URL else "in-process"}
    if request.GET.get("worker"):
        try:
            body["worker"] = health_probe.delay().get(timeout=WORKER_PROBE_TIMEOUT_SECONDS)
        except CeleryTimeoutError:
            return JsonResponse({**body, "status": "worker-timeout"}, status=503)
    return JsonResponse(body)


@login_required
def campaign_list(request):
    """The campaigns that apply to the user's part of the tree (run by it or above it)."""
    return render(
        request, "campaign/campaign_list.html", {"campaigns": Campaign.objects.select_related("organization")}
    )
