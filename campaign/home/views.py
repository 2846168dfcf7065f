"""The pages every role starts from: the home page, the health check and the login lockout."""

from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from campaign.campaigns.selectors import (
    current_campaign,
    day_within,
)
from campaign.home.tasks import health_probe
from campaign.infra.search import search_query
from orgs.access import user_scope
from orgs.selectors import open_reminders, organization_search, tree_with_member_counts, visible_roots
from reviews.assignments import reviewer_organization
from reviews.review_coverage import overdue_for_reviewer


@login_required
def home(request):
    """Each role's home page: what is due for the user, where the user stands in the tree
    and what lies below."""
    roots = visible_roots(request.user)
    query = search_query(request)
    tree, truncated = tree_with_member_counts(roots)
    matches = organization_search(roots, query) if query else None
    # Reviewers see first whom they let a whole review period go by without a review.
    overdue = None
    if reviewer_organization(request.user) is not None:
        campaign = current_campaign(request.user)
        today = day_within(campaign, timezone.localdate()) if campaign else timezone.localdate()
        overdue = overdue_for_reviewer(request.user, campaign, today)
    return render(
        request,
        "campaign/home.html",
        {
            "reminders": open_reminders(request.user),
            "overdue_reviews": overdue,
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
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        # Restarting or unreachable: the load balancer takes this host out until it answers.
        return JsonResponse({"status": "database-unavailable"}, status=503)
    body = {"status": "ok", "database": connection.vendor, "broker": "redis" if settings.REDIS_URL else "in-process"}
    if request.GET.get("worker"):
        try:
            body["worker"] = health_probe.delay().get(timeout=WORKER_PROBE_TIMEOUT_SECONDS)
        except CeleryTimeoutError:
            return JsonResponse({**body, "status": "worker-timeout"}, status=503)
    return JsonResponse(body)


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' page for a login refused after too many wrong passwords (429), saying
    in Chinese how long to wait. Nothing on it tells whether the account exists."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
