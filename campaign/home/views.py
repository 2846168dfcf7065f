"""The pages every role starts from: the home page, the health check and the login lockout."""

import time

from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaign.campaigns.access import campaign_in_use
from campaign.campaigns.selectors import (
    day_within,
)
from campaign.home.context_processors import remember_waiting_count
from campaign.home.tasks import health_probe
from campaign.home.waiting import own_pledge, recent_changes, waiting_count, waiting_items
from campaign.infra.search import search_query
from orgs.access import access_note, user_scope
from orgs.models import Role
from orgs.selectors import organization_search, tree_with_member_counts, visible_roots


@login_required
def home(request):
    """Each role's home page: 待办 first (what waits for the user, one button each), then
    最近动态, then where the user stands in the tree and what lies below."""
    user = request.user
    campaign = campaign_in_use(request, ask=False)
    today = day_within(campaign, timezone.localdate()) if campaign else timezone.localdate()
    waiting = waiting_items(user, campaign, today)
    request.waiting_count = waiting_count(waiting)  # the menu's badge shows it
    remember_waiting_count(user, request.waiting_count)
    is_member = user.role == Role.MEMBER and not user.is_superuser
    roots = [] if is_member else visible_roots(user)
    query = "" if is_member else search_query(request)
    tree, truncated = tree_with_member_counts(roots) if roots else ([], False)
    matches = organization_search(roots, query) if query else None
    # A member cannot change the tree but does file their own pledge: not 只读.
    note = _("可填报本人承诺") if is_member and user.member_id else access_note(user)
    return render(
        request,
        "campaign/home.html",
        {
            "waiting": waiting,
            "changes": recent_changes(user),
            "is_member": is_member,
            "own_pledge": own_pledge(user, campaign) if is_member else None,
            "campaign": campaign,
            "roots": roots,
            "tree": tree,
            "truncated": truncated,
            "query": query,
            "matches": matches,
            "scope": user_scope(user),
            "access_note": note,
        },
    )


WORKER_PROBE_TIMEOUT_SECONDS = 5
# However often /health/?worker=1 is asked (by every load balancer, or by anyone on the
# internet), at most one probe task is queued per interval; the others reuse its answer.
WORKER_PROBE_INTERVAL_SECONDS = 30
WORKER_PROBE_CACHE_KEY = "health:worker-probe"
WORKER_PROBE_LOCK_KEY = "health:worker-probe:queued"


@require_GET
def health(request):
    """For load balancers and operators: answers once the database does; with
    ?worker=1 also reports whether a Celery worker answered a probe task (queued at
    most once per WORKER_PROBE_INTERVAL_SECONDS). Anyone gets the status; only staff
    accounts see the details (database, broker, the worker's answer)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        # Restarting or unreachable: the load balancer takes this host out until it answers.
        return JsonResponse({"status": "database-unavailable"}, status=503)
    body = {"status": "ok", "database": connection.vendor, "broker": "redis" if settings.REDIS_URL else "in-process"}
    if request.GET.get("worker"):
        probe = _worker_probe()
        body["worker"] = probe["worker"]
        body["worker_checked_seconds_ago"] = round(time.time() - probe["at"])
        if probe["worker"] is None:
            body["status"] = "worker-timeout"
    status = 200 if body["status"] == "ok" else 503
    if not (request.user.is_authenticated and (request.user.is_staff or request.user.is_superuser)):
        body = {"status": body["status"]}
    return JsonResponse(body, status=status)


def _worker_probe() -> dict:
    """The last probe's answer ({"at": time, "worker": the task's result or None on a
    timeout}) when it is recent; otherwise one caller queues a new probe and waits for
    it, while callers at the same moment wait for that one's answer."""
    last = cache.get(WORKER_PROBE_CACHE_KEY)
    if last is not None and time.time() - last["at"] < WORKER_PROBE_INTERVAL_SECONDS:
        return last
    if not cache.add(WORKER_PROBE_LOCK_KEY, True, timeout=WORKER_PROBE_TIMEOUT_SECONDS + 1):
        return _probe_queued_by_another(last)
    try:
        try:
            worker = health_probe.delay().get(timeout=WORKER_PROBE_TIMEOUT_SECONDS)
        except CeleryTimeoutError:
            worker = None
        probe = {"at": time.time(), "worker": worker}
        cache.set(WORKER_PROBE_CACHE_KEY, probe, timeout=WORKER_PROBE_INTERVAL_SECONDS * 10)
        return probe
    finally:
        cache.delete(WORKER_PROBE_LOCK_KEY)


def _probe_queued_by_another(last: dict | None) -> dict:
    deadline = time.monotonic() + WORKER_PROBE_TIMEOUT_SECONDS + 1
    while time.monotonic() < deadline:
        time.sleep(0.2)
        probe = cache.get(WORKER_PROBE_CACHE_KEY)
        if probe is not None and probe is not last and probe != last:
            return probe
    return last or {"at": time.time(), "worker": None}


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' page for a login refused after too many wrong passwords (429), saying
    in Chinese how long to wait. Nothing on it tells whether the account exists."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
